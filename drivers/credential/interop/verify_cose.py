#!/usr/bin/env python3
"""Verify a Port Pass QR text with pycose, cbor2 and base45, independently of the Rust crate.

Usage: verify_cose.py QR_TEXT KEY_FILE OFFICE
  QR_TEXT   the text read from the card's QR code ("-" reads it from standard input)
  KEY_FILE  the signer's public key: a JWK (JSON) or a COSE_Key (CBOR)
  OFFICE    the office the trust list certifies that key for (UN/LOCODE): the issuer

Reads "PP2:" + base45 of the COSE bytes, and "PP1:" + base45 of them zlib-compressed
(cards printed before). Claims of format 2 name no issuer and write a port of the
authority's country (TW) by its location; format 1 names its issuer, which must be
OFFICE. Prints {"header": {"alg": int, "kid": hex}, "claims": {...}} as JSON, with
the claims in the shape make_cose.py reads. Exits non-zero, saying why, if anything fails.
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

PREFIX = "PP2:"
ZLIB_PREFIX = "PP1:"
PASS_CLAIM = -65537
HOME_COUNTRY = "TW"


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


def pass_fields(pass_claim):
    """[kind, holder, company tax ID, ports, card UID?] in format 2; a map keyed 1-5 in format 1."""
    if isinstance(pass_claim, dict):
        return [pass_claim[key] for key in (1, 2, 3, 4, 5) if key in pass_claim], False
    return list(pass_claim), True


def claims_as_json(payload, office):
    claims = cbor2.loads(payload)
    # cti is "<pass_id>#<version>#<print>"; a pass number may itself contain "#".
    pass_id, version, print_serial = claims[7].decode("utf-8").rsplit("#", 2)
    fields, format2 = pass_fields(claims[PASS_CLAIM])
    if format2:
        if 1 in claims:
            sys.exit("format 2 claims must not name an issuer")
        fields[3] = [HOME_COUNTRY + port if len(port) == 3 else port for port in fields[3]]
    elif claims[1] != office:
        sys.exit(f"the claims name {claims[1]} as issuer, but the key is certified for {office}")
    result = {
        "iss": office,
        "exp": claims[4],
        "nbf": claims[5],
        "iat": claims[6],
        "pass_id": pass_id,
        "version": int(version),
        "print": int(print_serial),
        "kind": fields[0],
        "holder": fields[1],
        "company_tax_id": fields[2],
        "ports": fields[3],
    }
    if len(fields) == 5:
        result["card_uid"] = fields[4].hex()
    return result


def main(argv):
    if len(argv) != 4:
        sys.exit(__doc__)
    text = sys.stdin.read().strip() if argv[1] == "-" else argv[1]
    if text.startswith(PREFIX):
        cose = base45.b45decode(text[len(PREFIX):])
    elif text.startswith(ZLIB_PREFIX):
        cose = zlib.decompress(base45.b45decode(text[len(ZLIB_PREFIX):]))
    else:
        sys.exit(f"the QR text does not start with {PREFIX!r} or {ZLIB_PREFIX!r}")
    message = Sign1Message.decode(cose)
    message.key = load_key(argv[2])
    if not message.verify_signature():
        sys.exit("the signature does not verify with this key")
    header = {"alg": message.phdr[Algorithm].identifier, "kid": message.phdr[KID].hex()}
    print(json.dumps({"header": header, "claims": claims_as_json(message.payload, argv[3])}, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv)
