#!/usr/bin/env python3
"""Check a holder ID hash with argon2-cffi (the reference Argon2 C code),
independently of the Rust crates.

Usage:
  holder_hash.py verify PHC TEXT   exits 0 if TEXT is what PHC hashes, 1 if not
  holder_hash.py make TEXT         prints a PHC string of TEXT, Argon2id at
                                   19,456 KiB, 2 passes, 1 lane, 16-byte salt

TEXT is what the hash covers, such as "TWID:A123456789" or "PASSPORT:PHL:P1234567A".
"""
import sys

try:
    from argon2 import PasswordHasher, Type
    from argon2.exceptions import VerifyMismatchError
except ImportError as missing:
    sys.exit(f"missing Python module {missing.name!r}: pip install argon2-cffi")


def main(argv):
    if len(argv) == 4 and argv[1] == "verify":
        try:
            PasswordHasher().verify(argv[2], argv[3])
        except VerifyMismatchError:
            sys.exit(1)
        return
    if len(argv) == 3 and argv[1] == "make":
        hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1, hash_len=32, salt_len=16, type=Type.ID)
        print(hasher.hash(argv[2]))
        return
    sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
