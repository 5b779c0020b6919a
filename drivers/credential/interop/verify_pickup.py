#!/usr/bin/env python3
"""Verify a pick-up code with pycose and cbor2, independently of the Rust crate.

Usage: verify_pickup.py CODE KEY_FILE [--no-aad]
  CODE      the code's text, "PK1:" + base32 (RFC 4648, no padding) of a COSE_Sign1
  KEY_FILE  central's pick-up public key, a COSE_Key (CBOR)
  --no-aad  verify without the external AAD "PP1 pick-up code" (as if it were a credential)

Prints the payload as JSON: {"code_id": hex, "office", "pass_id", "version",
"delegate", "company_tax_id", "issued_at", "expires_at"}. Exits non-zero,
saying why, if the signature does not verify.
"""
import base64
import json
import sys

try:
    import cbor2
    from pycose.keys import CoseKey
    from pycose.messages import Sign1Message
except ImportError as missing:
    sys.exit(f"missing Python module {missing.name!r}: pip install pycose 'cbor2<6'")

PREFIX = "PK1:"
EXTERNAL_AAD = b"PP1 pick-up code"
FIELDS = ["code_id", "office", "pass_id", "version", "delegate", "company_tax_id", "issued_at", "expires_at"]


def main(argv):
    if len(argv) not in (3, 4):
        sys.exit(__doc__)
    text = argv[1].strip()
    if not text.upper().startswith(PREFIX):
        sys.exit(f"the code does not start with {PREFIX!r}")
    encoded = text[len(PREFIX):].upper()
    cose = base64.b32decode(encoded + "=" * (-len(encoded) % 8))
    message = Sign1Message.decode(cose)
    message.key = CoseKey.decode(open(argv[2], "rb").read())
    if not (len(argv) == 4 and argv[3] == "--no-aad"):
        message.external_aad = EXTERNAL_AAD
    if not message.verify_signature():
        sys.exit("the signature does not verify with this key")
    payload = cbor2.loads(message.payload)
    result = {name: payload[key] for key, name in enumerate(FIELDS, start=1)}
    result["code_id"] = result["code_id"].hex()
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv)
