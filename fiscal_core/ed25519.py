"""Ed25519 signatures of fiscal records (pynacl) and their text form.

The private key never leaves the terminal: it is handed to the core as a
Signer. Signatures are written in text as base64url without padding (86
characters for 64 bytes): one rule, so that a chain never breaks on
padding (see docs/SPEC.md).
"""

from binascii import a2b_base64, b2a_base64

import nacl.bindings
import nacl.exceptions
import nacl.signing

# The core imports nothing from typing at run time (it must stay small enough
# for a microcontroller port); mypy reads the Signer protocol below.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Protocol

    class Signer(Protocol):
        """Something that signs with the terminal's private key."""

        @property
        def public_key(self) -> bytes: ...

        def sign(self, message: bytes) -> bytes:
            """Return the 64-byte Ed25519 signature of ``message``."""
            ...


SEED_BYTES = 32
PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64


class Ed25519Signer:
    """A Signer holding a 32-byte Ed25519 seed in memory."""

    __slots__ = ("_key", "_secret")

    def __init__(self, seed: bytes) -> None:
        if len(seed) != SEED_BYTES:
            raise ValueError("an Ed25519 seed is 32 bytes")
        self._key = nacl.signing.SigningKey(seed)
        # libsodium's 64-byte secret key (seed + public key): signing through the
        # binding skips SigningKey.sign's SignedMessage, two signatures per sale.
        self._secret = seed + self.public_key

    @classmethod
    def generate(cls) -> "Ed25519Signer":
        return cls(bytes(nacl.signing.SigningKey.generate()))

    @property
    def seed(self) -> bytes:
        return bytes(self._key)

    @property
    def public_key(self) -> bytes:
        return bytes(self._key.verify_key)

    def sign(self, message: bytes) -> bytes:
        return nacl.bindings.crypto_sign(message, self._secret)[:SIGNATURE_BYTES]


def verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Return True when ``signature`` is a valid signature of ``message``."""
    try:
        nacl.signing.VerifyKey(public_key).verify(message, signature)
    except (nacl.exceptions.BadSignatureError, ValueError, TypeError):
        return False
    return True


_URL_SAFE = bytes.maketrans(b"+/", b"-_")


def b64url(data: bytes) -> str:
    """Return base64url text of ``data`` without ``=`` padding."""
    # One translation of the bytes: three per sale (two previous signatures, a digest).
    return b2a_base64(data, newline=False).rstrip(b"=").translate(_URL_SAFE).decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Return the bytes of unpadded base64url ``text``."""
    padded = text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4)
    return a2b_base64(padded)


def signature_extract(signature_text: str) -> str:
    """Return characters 3, 7, 13 and 19 (1-based) of a signature's text, as printed."""
    return signature_text[2] + signature_text[6] + signature_text[12] + signature_text[18]
