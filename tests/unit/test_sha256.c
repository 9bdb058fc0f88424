/* SPDX-License-Identifier: MIT */
/* SHA-256 against FIPS 180-4's examples and sha256sum. */
#include <string.h>

#include "sha256.h"
#include "tap.h"

int main(void) {
  char out[65], million[1000];
  sha256_hex("", 0, out);
  is_str(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "empty");
  sha256_hex("abc", 3, out);
  is_str(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "abc");
  const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  sha256_hex(two, strlen(two), out);
  is_str(out, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
         "56 bytes: the padding takes a second block");
  memset(million, 'a', sizeof million);
  sha256_hex(million, sizeof million, out);
  is_str(out, "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3",
         "1000 bytes, several blocks");
  sha256_hex("rootless", 8, out);
  is_str(out, "12b961af5feb3e9d39f93b2cefb9a1a944f18d02cca0cac2f04f5a982240605f",
         "a context name, as sha256sum gives it");
  return tap_done();
}
