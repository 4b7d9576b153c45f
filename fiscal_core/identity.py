"""The terminal identity stored beside the journal: id and public key (docs/SPEC.md §2)."""

from hashlib import sha256

from fiscal_core.cbor import decode, encode
from fiscal_core.codes import FORMAT_VERSION
from fiscal_core.errors import FormatError

IDENTITY_MAGIC = "nf525-fiscal-terminal"


class Identity:
    """Terminal id and Ed25519 public key of one terminal."""

    __slots__ = ("public_key", "terminal_id", "version")

    def __init__(self, terminal_id: str, public_key: bytes, version: int = FORMAT_VERSION) -> None:
        self.terminal_id = terminal_id
        self.public_key = public_key
        self.version = version

    def encode(self) -> bytes:
        return encode([IDENTITY_MAGIC, self.version, self.terminal_id, self.public_key])

    @classmethod
    def decode(cls, data: bytes) -> "Identity":
        """Return the identity in ``data``; raise FormatError if it is not one."""
        items = decode(data)
        if len(items) != 4 or items[0] != IDENTITY_MAGIC:
            raise FormatError(0, 0, "not a terminal identity")
        version, terminal_id, public_key = items[1], items[2], items[3]
        if version != FORMAT_VERSION:
            raise FormatError(0, 0, f"unknown identity version {version!r}")
        if not isinstance(terminal_id, str) or not isinstance(public_key, bytes):
            raise FormatError(0, 0, "identity fields have the wrong types")
        if len(public_key) != 32:
            raise FormatError(0, 0, "public key is not 32 bytes")
        return cls(terminal_id, public_key)


def key_fingerprint(public_key: bytes) -> str:
    """Return the key's fingerprint: the first 16 bytes of its SHA-256, in groups of 4 hex.

    Printed by the version slip (function 9) so that an inspector can
    compare it, off the flash, with the one ``fiscal-inspect`` reports.
    """
    digest = sha256(public_key).hexdigest()[:32]
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))
