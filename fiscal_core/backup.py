"""The signed manifest of a backup of the fiscal memory: what the file holds, and whose it is.

A backup (docs/SPEC.md, "Backup file") is a zip of the fiscal memory's
files. Its manifest names the terminal and its key, the number of records
and the last one's signature, the monotonic counter and the time of the
backup, and the size and SHA-256 of every other member; the terminal signs
it. So a restore checks one signature, then each member against its digest,
then every record as the boot does.

Encoding: ``manifest.cbor`` is the canonical CBOR array ``[manifest,
signature]``, ``manifest`` the canonical CBOR of ``["nf525-backup", 1,
terminal_id, public_key, record_count, last_signature, counter, time_utc,
utc_offset, [[name, size, sha256], ...]]``, and ``signature`` Ed25519 over
``DOMAIN + manifest``: the prefix keeps a manifest signature from ever
passing for the signature of anything else the key signs.
"""

from fiscal_core.cbor import decode, encode
from fiscal_core.ed25519 import verify
from fiscal_core.errors import FormatError
from fiscal_core.fields import array, blob, integer, text, uint

TYPE_CHECKING = False
if TYPE_CHECKING:
    from fiscal_core.ed25519 import Signer

BACKUP_MAGIC = "nf525-backup"
BACKUP_VERSION = 1
DOMAIN = b"nf525-backup-manifest\x00"
DIGEST_BYTES = 32


class BackupManifest:
    """What a backup holds and of which terminal; see the module docstring."""

    __slots__ = (
        "counter",
        "last_signature",
        "members",
        "public_key",
        "record_count",
        "terminal_id",
        "time_utc",
        "utc_offset",
    )

    def __init__(
        self,
        terminal_id: str,
        public_key: bytes,
        record_count: int,
        last_signature: bytes,
        counter: int,
        time_utc: int,
        utc_offset: int,
        members: "list[tuple[str, int, bytes]]",
    ) -> None:
        self.terminal_id = terminal_id
        self.public_key = public_key
        self.record_count = record_count  # seq of the last record (= the number of records)
        self.last_signature = last_signature  # b"" for an empty journal
        self.counter = counter  # the monotonic counter when the backup was made
        self.time_utc = time_utc
        self.utc_offset = utc_offset
        self.members = members  # (name, size, SHA-256) of every other member, in zip order

    def encode(self) -> bytes:
        return encode(
            [
                BACKUP_MAGIC,
                BACKUP_VERSION,
                self.terminal_id,
                self.public_key,
                self.record_count,
                self.last_signature,
                self.counter,
                self.time_utc,
                self.utc_offset,
                [[name, size, digest] for name, size, digest in self.members],
            ]
        )

    def sign(self, signer: "Signer") -> bytes:
        """Return ``manifest.cbor``: the manifest and its signature."""
        manifest = self.encode()
        return encode([manifest, signer.sign(DOMAIN + manifest)])

    @classmethod
    def open(cls, data: bytes) -> "tuple[BackupManifest, bytes, bytes]":
        """Return (manifest, its bytes, signature) of ``manifest.cbor``, signature unchecked.

        Raises FormatError when ``data`` is not a manifest of a known version.
        The caller compares the key with the terminal's, then calls ``verify``.
        """
        outer = array(decode(data), 2, "backup manifest")
        manifest, signature = blob(outer[0]), blob(outer[1])
        f = decode(manifest)
        if len(f) != 10 or f[0] != BACKUP_MAGIC or f[1] != BACKUP_VERSION:
            raise FormatError(0, 0, "not a backup manifest of a known version")
        members = []
        for item in array(f[9], -1, "member list"):
            name, size, digest = array(item, 3, "member")
            members.append((text(name), uint(size), blob(digest)))
            if len(members[-1][2]) != DIGEST_BYTES:
                raise FormatError(0, 0, "a member digest is not 32 bytes")
        key = blob(f[3])
        parsed = cls(
            text(f[2]), key, uint(f[4]), blob(f[5]), uint(f[6]), uint(f[7]), integer(f[8]), members
        )
        return parsed, manifest, signature

    def verify(self, manifest: bytes, signature: bytes) -> bool:
        """Return True when ``signature`` is this terminal's signature of ``manifest``."""
        return verify(self.public_key, DOMAIN + manifest, signature)
