#!/usr/bin/env python3
"""Make a Port Pass credential with pycose and cbor2, independently of the Rust crate.

Usage: make_cose.py CLAIMS_JSON KEY_PEM [--chip] [--format1]
  CLAIMS_JSON  claims in the shape verify_cose.py prints ("-" reads standard input)
  KEY_PEM      the station's Ed25519 private key, PKCS#8 PEM
  --chip       print the COSE bytes as hex (the chip credential) instead of the QR text
  --format1    make a card as printed before "PP2:": claims of format 1 (iss, the
               pass as a map, ports in full) and a "PP1:" QR of the zlib-compressed bytes

Format 2 (the default): no iss (the signer's office is the issuer), the pass as
[kind, holder, company tax ID, ports, card UID?], a port in TW by its location,
and a "PP2:" QR of the COSE bytes.

The protected header carries alg EdDSA and kid, the first 8 bytes of SHA-256 of
the raw public key.
"""
import hashlib
import json
import sys
import zlib

try:
    import base45
    import cbor2
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    from pycose.algorithms import EdDSA
    from pycose.headers import KID, Algorithm
    from pycose.keys import OKPKey
    from pycose.keys.curves import Ed25519
    from pycose.messages import Sign1Message
except ImportError as missing:
    sys.exit(f"missing Python module {missing.name!r}: pip install pycose 'cbor2<6' base45")

PREFIX = "PP2:"
ZLIB_PREFIX = "PP1:"
PASS_CLAIM = -65537
HOME_COUNTRY = "TW"


def cwt_payload(claims):
    pass_claim = [
        claims["kind"],
        claims["holder"],
        claims["company_tax_id"],
        [port[len(HOME_COUNTRY):] if port.startswith(HOME_COUNTRY) else port for port in claims["ports"]],
    ]
    if "card_uid" in claims:
        pass_claim.append(bytes.fromhex(claims["card_uid"]))
    return cbor2.dumps({
        4: claims["exp"],
        5: claims["nbf"],
        6: claims["iat"],
        7: f"{claims['pass_id']}#{claims['version']}#{claims['print']}".encode("utf-8"),
        PASS_CLAIM: pass_claim,
    })


def cwt_payload_format1(claims):
    pass_claim = {
        1: claims["kind"],
        2: claims["holder"],
        3: claims["company_tax_id"],
        4: claims["ports"],
    }
    if "card_uid" in claims:
        pass_claim[5] = bytes.fromhex(claims["card_uid"])
    return cbor2.dumps({
        1: claims["iss"],
        4: claims["exp"],
        5: claims["nbf"],
        6: claims["iat"],
        7: f"{claims['pass_id']}#{claims['version']}#{claims['print']}".encode("utf-8"),
        PASS_CLAIM: pass_claim,
    })


def main(argv):
    options = argv[3:]
    if len(argv) < 3 or any(option not in ("--chip", "--format1") for option in options):
        sys.exit(__doc__)
    format1 = "--format1" in options
    claims = json.load(sys.stdin if argv[1] == "-" else open(argv[1], encoding="utf-8"))
    private_key = load_pem_private_key(open(argv[2], "rb").read(), password=None)
    public_raw = private_key.public_key().public_bytes_raw()
    message = Sign1Message(
        phdr={Algorithm: EdDSA, KID: hashlib.sha256(public_raw).digest()[:8]},
        payload=(cwt_payload_format1 if format1 else cwt_payload)(claims),
    )
    message.key = OKPKey(crv=Ed25519, x=public_raw, d=private_key.private_bytes_raw())
    cose = message.encode()
    if "--chip" in options:
        print(cose.hex())
    elif format1:
        print(ZLIB_PREFIX + base45.b45encode(zlib.compress(cose, 9)).decode("ascii"))
    else:
        print(PREFIX + base45.b45encode(cose).decode("ascii"))


if __name__ == "__main__":
    main(sys.argv)
