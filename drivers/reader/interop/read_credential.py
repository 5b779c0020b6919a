"""Reads a credential that pass-reader wrote, with independent software.

pyscard talks PC/SC and python-desfire (PyPI) does the DESFire EV1 AES
authentication, secure messaging and AN10922 key diversification, so a
success shows the card holds what the public documents describe, not just
what our own reader expects.

    pip install pyscard==2.3.1 python-desfire==0.1.5
    python3 read_credential.py READER READ_MASTER_KEY_HEX AID_HEX FILE_NO FILE_SIZE SYSTEM_IDENTIFIER_HEX \
        [PHOTO_FILE_NO PHOTO_FILE_SIZE]

Prints the UID, the credential and, when its file is named, the photo in hex,
one per line.
"""

import sys

from desfire.DESFire import DESFire
from desfire.devices.base import Device
from desfire.diversify import diversify_key
from desfire.enums import DESFireCommunicationMode, DESFireKeyType
from desfire.key import DESFireKey
from desfire.schemas import FileSettings, KeySettings
from smartcard.System import readers

AES128_DIVERSIFICATION_CONSTANT = 0x01
READ_KEY = 1
ENCIPHERED = 0x03


class IsoWrapped(Device):
    """python-desfire speaks native DESFire frames; PC/SC carries them wrapped in ISO 7816-4."""

    def __init__(self, connection):
        self.connection = connection

    def transceive(self, frame):
        command, data = frame[0], list(frame[1:])
        apdu = [0x90, command, 0x00, 0x00] + ([len(data)] + data if data else []) + [0x00]
        response, sw1, sw2 = self.connection.transmit(apdu)
        if sw1 != 0x91:
            raise RuntimeError(f"not a DESFire answer: {sw1:02X} {sw2:02X}")
        return [sw2] + response


def read_framed(card, file_no, file_size):
    """A file's content: its length (2 bytes, big-endian), then that many bytes."""
    # python-desfire 0.1.5 parses the settings of standard files only, not of
    # backup files like ours: they are given instead.
    settings = FileSettings(encryption=DESFireCommunicationMode(ENCIPHERED), file_size=int(file_size))
    content = card.read_file_data(int(file_no), settings)
    length = content[0] << 8 | content[1]
    return bytes(content[2 : 2 + length])


def main(reader_name, read_master_hex, aid_hex, file_no, file_size, system_identifier_hex, *photo_file):
    reader = next(r for r in readers() if str(r) == reader_name)
    connection = reader.createConnection()
    connection.connect()
    uid, sw1, sw2 = connection.transmit([0xFF, 0xCA, 0x00, 0x00, 0x00])
    assert (sw1, sw2) == (0x90, 0x00), "no UID"
    aid = list(bytes.fromhex(aid_hex))
    diversification = [AES128_DIVERSIFICATION_CONSTANT] + uid + aid + list(bytes.fromhex(system_identifier_hex))
    read_key = diversify_key(list(bytes.fromhex(read_master_hex)), diversification)

    card = DESFire(IsoWrapped(connection))
    card.select_application(aid)
    card.authenticate(READ_KEY, DESFireKey(KeySettings(key_type=DESFireKeyType.DF_KEY_AES), read_key))
    credential = read_framed(card, file_no, file_size)
    photo = read_framed(card, *photo_file) if photo_file else None
    print(bytes(uid).hex())
    print(credential.hex())
    if photo is not None:
        print(photo.hex())


if __name__ == "__main__":
    main(*sys.argv[1:])
