#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The one fake Engine API of the end-to-end tests, on a unix socket anyone
may use (mode 0777), one HTTP/1.0 request a connection.

  fake_engine.py SOCKET --mode error|garbage|hang|refuse
  fake_engine.py SOCKET [--peers FILE] [--log FILE] PATH BODY [PATH BODY]...
      GET PATH answers 200 with BODY (JSON), any other request 404
  fake_engine.py SOCKET --proxy REAL [--pid N] [--desktop] [--log FILE]
      every request goes to the engine at REAL; inspect replies carry PID N,
      and with --desktop /info says Docker Desktop

--peers appends the uid of each client (SO_PEERCRED) to FILE; --log the
request line of each request. --ready FILE is made once the socket listens.
"""
import json
import os
import re
import socket
import struct
import sys
import time


def listen(path, bind_only=False):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    os.chmod(path, 0o777)
    if not bind_only:
        s.listen(16)
    return s


def read_request(c):
    req = b""
    while b"\r\n\r\n" not in req:
        d = c.recv(65536)
        if not d:
            break
        req += d
    return req


def reply(c, status, body):
    reason = b"OK" if status == 200 else b"Not Found"
    c.sendall(b"HTTP/1.0 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
              % (status, reason, len(body)) + body)


def proxy(req, real, pid, desktop):
    u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    u.connect(real)
    u.sendall(req)
    resp = b""
    while True:
        d = u.recv(65536)
        if not d:
            break
        resp += d
    u.close()
    head, _, body = resp.partition(b"\r\n\r\n")
    target = req.split(b" ")[1].decode() if b" " in req else ""
    ok = b" 200 " in head.split(b"\r\n")[0]
    if ok and pid and re.match(r"^/(v[0-9.]+/)?containers/[^/]+/json", target):
        j = json.loads(body)
        if j.get("State", {}).get("Pid"):
            j["State"]["Pid"] = pid
        body = json.dumps(j).encode()
    elif ok and desktop and re.match(r"^/(v[0-9.]+/)?info", target):
        j = json.loads(body)
        j["OperatingSystem"] = "Docker Desktop"
        j["Name"] = "docker-desktop"
        body = json.dumps(j).encode()
    head = re.sub(rb"(?i)content-length: *\d+", b"Content-Length: %d" % len(body), head)
    return head + b"\r\n\r\n" + body


def main(argv):
    path, args = argv[0], argv[1:]
    opts = {"--mode": None, "--peers": None, "--log": None, "--proxy": None, "--pid": None,
            "--ready": None}
    desktop = False
    pairs = []
    while args:
        a = args.pop(0)
        if a == "--desktop":
            desktop = True
        elif a in opts:
            opts[a] = args.pop(0)
        else:
            pairs.append(a)
    bodies = {pairs[i].encode(): pairs[i + 1].encode() for i in range(0, len(pairs) - 1, 2)}
    mode = opts["--mode"]
    s = listen(path, bind_only=mode == "refuse")
    if opts["--ready"]:
        open(opts["--ready"], "w").close()
    if mode == "refuse":  # the file stays, nobody listens
        s.close()
        time.sleep(3600)
        return
    while True:
        c, _ = s.accept()
        if opts["--peers"]:
            _, uid, _ = struct.unpack("3i", c.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
            with open(opts["--peers"], "a") as f:
                f.write("%d\n" % uid)
        req = read_request(c)
        line = req.split(b"\r\n", 1)[0]
        if opts["--log"]:
            with open(opts["--log"], "a") as f:
                f.write(line.decode(errors="replace") + "\n")
        if mode == "error":
            body = b'{"message":"boom: engine on fire"}'
            c.sendall(b"HTTP/1.0 500 Internal Server Error\r\nContent-Type: application/json\r\n"
                      b"Content-Length: %d\r\n\r\n" % len(body) + body)
        elif mode == "garbage":
            c.sendall(os.urandom(3000))
        elif mode == "hang":
            time.sleep(3600)
        elif opts["--proxy"]:
            c.sendall(proxy(req, opts["--proxy"], int(opts["--pid"] or 0), desktop))
        else:
            parts = line.split(b" ")
            body = bodies.get(parts[1]) if len(parts) > 2 and parts[0] == b"GET" else None
            reply(c, 404, b"{}") if body is None else reply(c, 200, body)
        c.close()


if __name__ == "__main__":
    main(sys.argv[1:])
