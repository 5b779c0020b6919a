#!/usr/bin/env python3
"""Verify an office day's signed report with pycose and cbor2, independently of the Rust crates.

Usage: verify_day_report.py COSE_FILE KEY_FILE
  COSE_FILE  the signed report (the .cose file a day's export writes)
  KEY_FILE   the station's public key, a COSE_Key (CBOR)

Checks the COSE_Sign1 signature with the external AAD "PP1 day report" and
prints {"station_id", "office", "day", "report"} as JSON, the report parsed.
Exits non-zero, saying why, if the signature does not verify.
"""
import json
import sys

try:
    import cbor2
    from pycose.keys import CoseKey
    from pycose.messages import Sign1Message
except ImportError as missing:
    sys.exit(f"missing Python module {missing.name!r}: pip install pycose 'cbor2<6'")

EXTERNAL_AAD = b"PP1 day report"


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    message = Sign1Message.decode(open(argv[1], "rb").read())
    message.key = CoseKey.decode(open(argv[2], "rb").read())
    message.external_aad = EXTERNAL_AAD
    if not message.verify_signature():
        sys.exit("the signature does not verify with this key")
    payload = cbor2.loads(message.payload)
    print(json.dumps({
        "station_id": payload[1],
        "office": payload[2],
        "day": payload[3],
        "report": json.loads(payload[4]),
    }, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv)
