"""The backup file: the fiscal memory's files in one zip, with a signed manifest.

Pure (bytes in, bytes out). ``build_backup`` takes the files of the flash
(identity, journal segments verbatim, side files: configuration copy,
printed marker, fiscal archives) and returns the zip; ``read_backup``
checks a zip against a terminal's key and returns its files, or raises
BackupError with a stable code and a reason in French (what the JET and the
display say). Layout and every byte: docs/SPEC.md, "Backup file".

The zip is *stored* (no compression): each member is the flash file's
bytes as they are, readable with any unzip tool, and the manifest's
SHA-256 of a member is the SHA-256 of the flash file.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from typing import TYPE_CHECKING

from firmware.journal import IDENTITY_PATH, JOURNAL_DIR, ROOT
from fiscal_core.backup import BackupManifest
from fiscal_core.errors import FormatError
from fiscal_core.identity import Identity

if TYPE_CHECKING:
    from fiscal_core.ed25519 import Signer

MANIFEST_MEMBER = "manifest.cbor"
NAME_PREFIX = "SAUVEGARDE"
NAME_RE = re.compile(r"^SAUVEGARDE-(?P<terminal>[A-Za-z0-9_-]+)-(?P<count>\d{8})\.zip$")
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # every member: the manifest holds the real time
MAX_BACKUP_BYTES = 64 * 1024 * 1024  # larger than any fiscal memory this terminal has


class BackupError(Exception):
    """A backup cannot be used; ``code`` is stable, ``reason`` is what the JET says."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


class BackupContents:
    """A backup that passed ``read_backup``: its manifest and its files by flash path."""

    __slots__ = ("digest", "files", "manifest")

    def __init__(self, manifest: BackupManifest, files: dict[str, bytes], digest: str) -> None:
        self.manifest = manifest
        self.files = files  # flash path -> bytes, in zip order
        self.digest = digest  # hex SHA-256 of manifest.cbor: names this backup

    @property
    def identity(self) -> bytes:
        return self.files[IDENTITY_PATH]

    def segments(self) -> list[tuple[str, bytes]]:
        """Return (path, bytes) of the journal segments, in journal order."""
        prefix = JOURNAL_DIR + "/"
        return sorted((p, d) for p, d in self.files.items() if p.startswith(prefix))

    def side_files(self) -> list[tuple[str, bytes]]:
        """Return (path, bytes) of the side files (neither identity nor journal)."""
        prefix = JOURNAL_DIR + "/"
        return [
            (p, d) for p, d in self.files.items() if p != IDENTITY_PATH and not p.startswith(prefix)
        ]


def backup_name(terminal_id: str, record_count: int) -> str:
    """Return the file name of a backup: ``SAUVEGARDE-<terminal>-<records, 8 digits>.zip``."""
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", terminal_id)
    return f"{NAME_PREFIX}-{safe}-{record_count:08d}.zip"


def member_name(path: str) -> str:
    """Return the zip member of a flash path: ``/fiscal/x`` -> ``fiscal/x``."""
    return path.lstrip("/")


def build_backup(
    files: list[tuple[str, bytes]],
    *,
    identity: Identity,
    signer: Signer,
    record_count: int,
    last_signature: bytes,
    counter: int,
    time_utc: int,
    utc_offset: int,
) -> bytes:
    """Return the zip of ``files`` ((flash path, bytes), identity first), manifest signed."""
    members = [(member_name(path), data) for path, data in files]
    listed = [(name, len(data), hashlib.sha256(data).digest()) for name, data in members]
    manifest = BackupManifest(
        identity.terminal_id,
        identity.public_key,
        record_count,
        last_signature,
        counter,
        time_utc,
        utc_offset,
        listed,
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in [(MANIFEST_MEMBER, manifest.sign(signer)), *members]:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.create_system = 3  # Unix, whatever the host: the same bytes everywhere
            info.external_attr = 0o100644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def read_backup(data: bytes, identity: Identity) -> BackupContents:
    """Return the files of the backup ``data`` once its manifest and members are checked.

    Raises BackupError: NOT_A_BACKUP (not a zip, no or bad manifest, a
    member outside /fiscal), OTHER_TERMINAL (another terminal id or key),
    BAD_SIGNATURE (the manifest's signature), BAD_MEMBER (a member missing,
    added, or whose size or SHA-256 differs from the manifest's).
    """
    if len(data) > MAX_BACKUP_BYTES:
        raise BackupError("NOT_A_BACKUP", "fichier trop grand pour une sauvegarde")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            contents = {name: archive.read(name) for name in names}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise BackupError("NOT_A_BACKUP", f"fichier illisible: {exc}") from None
    if len(set(names)) != len(names) or MANIFEST_MEMBER not in contents:
        raise BackupError("NOT_A_BACKUP", "pas de manifeste unique")
    signed = contents.pop(MANIFEST_MEMBER)
    try:
        manifest, manifest_bytes, signature = BackupManifest.open(signed)
    except FormatError as exc:
        raise BackupError("NOT_A_BACKUP", f"manifeste illisible: {exc.message}") from None
    if manifest.terminal_id != identity.terminal_id:
        raise BackupError("OTHER_TERMINAL", f"sauvegarde du terminal {manifest.terminal_id}")
    if manifest.public_key != identity.public_key:
        raise BackupError("OTHER_TERMINAL", "sauvegarde signee par une autre cle")
    if not manifest.verify(manifest_bytes, signature):
        raise BackupError("BAD_SIGNATURE", "signature du manifeste invalide")
    listed = [name for name, _, _ in manifest.members]
    if [n for n in names if n != MANIFEST_MEMBER] != listed or len(set(listed)) != len(listed):
        raise BackupError("BAD_MEMBER", "fichiers differents de ceux du manifeste")
    files: dict[str, bytes] = {}
    for name, size, digest in manifest.members:
        member = contents[name]
        if len(member) != size or hashlib.sha256(member).digest() != digest:
            raise BackupError("BAD_MEMBER", f"{name}: empreinte differente du manifeste")
        path = "/" + name
        if not path.startswith(ROOT + "/") or ".." in path.split("/") or path.endswith("/"):
            raise BackupError("NOT_A_BACKUP", f"{name}: hors de la memoire fiscale")
        files[path] = member
    if IDENTITY_PATH not in files:
        raise BackupError("NOT_A_BACKUP", "pas d'identite dans la sauvegarde")
    return BackupContents(manifest, files, hashlib.sha256(signed).hexdigest())
