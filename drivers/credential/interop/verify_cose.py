#!/usr/bin/env python3
"""Verify a Port Pass QR text with pycose, cbor2 and base45, independently of the Rust crate.

Usage: verify_cose.py QR_TEXT KEY_FILE
  QR_TEXT   the text read from the card's QR code ("-" reads it from standard input)
  KEY_FILE  the signer's public key: a JWK (JSON) or a COSE_Key (CBOR)

Prints {"header": {"alg": int, "kid": hex}, "claims": {...}} as JSON, with the claims
in the shape make_cose.py reads. Exits non-zero, saying why, if anything fails.
"""
import base64
import json
import sys
import zlib
from importlib.metadata import version

try:
    import base45
    import cbor2
    from pycose.headers import KID, Algorithm
    from pycose.keys import CoseKey, EC2Key, OKPKey
    from pycose.keys.curves import P256, Ed25519
    from pycose.messages import Sign1Message
except ImportError as missing:
    sys.exit(f"missing Python module {missing.name!r}: pip install pycose 'cbor2<6' base45")
if int(version("cbor2").split(".")[0]) >= 6:
    # cbor2 6 decodes tagged arrays as tuples, which pycose 1.1 refuses as "not a COSE message".
    sys.exit(f"cbor2 {version('cbor2')} is too new for pycose's decoder: pip install 'cbor2<6'")

PREFIX = "PP1:"
PASS_CLAIM = -65537


def from_base64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def load_key(path):
    raw = open(path, "rb").read()
    try:
        jwk = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return CoseKey.decode(raw)
    if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
        return OKPKey(crv=Ed25519, x=from_base64url(jwk["x"]))
    if jwk.get("kty") == "EC" and jwk.get("crv") == "P-256":
        return EC2Key(crv=P256, x=from_base64url(jwk["x"]), y=from_base64url(jwk["y"]))
    sys.exit(f"{path}: only OKP/Ed25519 and EC/P-256 JWKs are supported")


def claims_as_json(payload):
    claims = cbor2.loads(payload)
    # cti is "<pass_id>#<version>#<print>"; a pass number may itself contain "#".
    pass_id, version, print_serial = claims[7].decode("utf-8").rsplit("#", 2)
    pass_claim = claims[PASS_CLAIM]
    result = {
        "iss": claims[1],
        "exp": claims[4],
        "nbf": claims[5],
        "iat": claims[6],
        "pass_id": pass_id,
        "version": int(version),
        "print": int(print_serial),
        "kind": pass_claim[1],
        "holder": pass_claim[2],
        "company_tax_id": pass_claim[3],
        "ports": pass_claim[4],
    }
    if 5 in pass_claim:
        result["card_uid"] = pass_claim[5].hex()
    return result


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    text = sys.stdin.read().strip() if argv[1] == "-" else argv[1]
    if not text.startswith(PREFIX):
        sys.exit(f"the QR text does not start with {PREFIX!r}")
    cose = zlib.decompress(base45.b45decode(text[len(PREFIX):]))
    message = Sign1Message.decode(cose)
    message.key = load_key(argv[2])
    if not message.verify_signature():
        sys.exit("the signature does not verify with this key")
    header = {"alg": message.phdr[Algorithm].identifier, "kid": message.phdr[KID].hex()}
    print(json.dumps({"header": header, "claims": claims_as_json(message.payload)}, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv)
