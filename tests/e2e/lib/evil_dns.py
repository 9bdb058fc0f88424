#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A DNS server for fault and hostility tests, on UDP and TCP.

    evil_dns.py --mode MODE [--addr 127.0.0.1|fe80::53%IFACE] [--port 53]

Every A query is answered with 10.0.0.<n> unless MODE says otherwise:
  normal     well-formed answers
  garbage    random bytes, of random length, instead of answers
  wrongid    well-formed answers with the wrong query ID
  truncate   UDP answers carry only the TC bit; TCP answers are complete
  cnameloop  NAME CNAME loop1, loop1 CNAME loop2, loop2 CNAME loop1, no address
  many       500 A records (more than UDP holds: TC, then TCP)
  slow       answers after 3 seconds
  delay      answers after 200 ms (each on its own thread)
  servfail   SERVFAIL for names starting with "fail", normal answers otherwise
  wildip     a wildcard-IP service: A.B.C.D.SUFFIX or A-B-C-D.SUFFIX answers
             A.B.C.D (as traefik.me does); any other name NXDOMAIN
  nxall      NXDOMAIN for every name (a resolver that is offline)
Names starting with "nx" get NXDOMAIN in every mode but garbage; names
starting with "drop" are never answered (they time out).
"""
import argparse
import os
import socket
import socketserver
import struct
import threading
import time

MODE = "normal"


def parse_question(q):
    if len(q) < 12:
        return None
    qid, flags, qd = struct.unpack(">HHH", q[:6])
    if qd != 1:
        return None
    labels, i = [], 12
    while i < len(q) and q[i] != 0:
        n = q[i]
        labels.append(q[i + 1:i + 1 + n].decode("ascii", "replace"))
        i += 1 + n
    qtype, qclass = struct.unpack(">HH", q[i + 1:i + 5])
    return qid, flags, ".".join(labels), q[12:i + 5], qtype


def encode_name(name):
    out = b""
    for part in name.split("."):
        out += bytes([len(part)]) + part.encode()
    return out + b"\0"


def rr_a(addr_bytes):
    return b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + addr_bytes


def answer(q, tcp):
    p = parse_question(q)
    if p is None:
        return None
    qid, flags, name, question, qtype = p
    if MODE == "garbage":
        return os.urandom(int.from_bytes(os.urandom(1), "big") % 64 + 1)
    rcode, answers, tc = 0, [], False
    if name.startswith("drop"):
        return None
    if MODE == "nxall":
        rcode = 3
    elif MODE == "wildip":
        labels = name.split(".")
        quad = labels[:4] if len(labels) > 4 else labels[0].split("-")
        if len(quad) == 4 and all(q.isdigit() and int(q) < 256 for q in quad):
            if qtype == 1:
                answers = [rr_a(bytes(int(q) for q in quad))]
        else:
            rcode = 3
    elif name.startswith("nx"):
        rcode = 3
    elif MODE == "servfail" and name.startswith("fail"):
        rcode = 2
    elif MODE == "cnameloop":
        for a, b in ((name, "loop1.example"), ("loop1.example", "loop2.example"),
                     ("loop2.example", "loop1.example")):
            target = encode_name(b)
            answers.append(encode_name(a) + struct.pack(">HHIH", 5, 1, 60, len(target)) + target)
    elif qtype == 1:
        if MODE == "many":
            if tcp:
                answers = [rr_a(bytes([10, 1, i // 256, i % 256])) for i in range(500, 0, -1)]
            else:
                tc = True
        elif MODE == "truncate" and not tcp:
            tc = True
        else:
            answers = [rr_a(bytes([10, 0, 0, (sum(name.encode()) % 250) + 1]))]
    hdr_flags = 0x8000 | (flags & 0x0100) | 0x0080 | rcode | (0x0200 if tc else 0)
    if MODE == "wrongid":
        qid = (qid + 1) & 0xFFFF
    hdr = struct.pack(">HHHHHH", qid, hdr_flags, 1, len(answers), 0, 0)
    return hdr + question + b"".join(answers)


class UDP(socketserver.ThreadingMixIn, socketserver.UDPServer):
    daemon_threads = True
    allow_reuse_address = True


class TCP(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


class UDPHandler(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        if MODE == "slow":
            time.sleep(3)
        elif MODE == "delay":
            time.sleep(0.2)
        r = answer(data, False)
        if r:
            sock.sendto(r, self.client_address)


class TCPHandler(socketserver.BaseRequestHandler):
    def handle(self):
        try:
            while True:
                ln = self.request.recv(2)
                if len(ln) < 2:
                    return
                n = struct.unpack(">H", ln)[0]
                data = b""
                while len(data) < n:
                    chunk = self.request.recv(n - len(data))
                    if not chunk:
                        return
                    data += chunk
                r = answer(data, True)
                if r:
                    self.request.sendall(struct.pack(">H", len(r)) + r)
        except OSError:
            pass


def main():
    global MODE
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", default="normal")
    ap.add_argument("--addr", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=53)
    ap.add_argument("--ready", help="file to create once listening")
    a = ap.parse_args()
    MODE = a.mode
    udp, tcp, where = UDP, TCP, (a.addr, a.port)
    if ":" in a.addr:  # IPv6, link-local with %INTERFACE
        host, _, iface = a.addr.partition("%")
        udp = type("UDP6", (UDP,), {"address_family": socket.AF_INET6})
        tcp = type("TCP6", (TCP,), {"address_family": socket.AF_INET6})
        where = (host, a.port, 0, socket.if_nametoindex(iface) if iface else 0)
    u = udp(where, UDPHandler)
    t = tcp(where, TCPHandler)
    threading.Thread(target=t.serve_forever, daemon=True).start()
    if a.ready:
        open(a.ready, "w").close()
    u.serve_forever()


if __name__ == "__main__":
    main()
