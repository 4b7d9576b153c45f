"""Read a fiscal flash image, read-only and in memory (docs/SPEC.md §1).

The inspector never writes to the evidence: the image file is read once
into memory. Block 0 holds the partition table (``flash_log``); the journal's
segments are read from the log partition (``flash_log``, the inspector's own
reading of the format), and the identity and archives from the littlefs
partition, mounted on its copy through a block device that refuses every
program and erase. littlefs-python formats a flash it cannot mount when
its constructor is allowed to mount, so it is always built with
``mount=False`` and mounted explicitly.

Terminals provisioned before the journal log kept everything in one
littlefs from block 0 (the former layout): the identity, the journal as
files ``/fiscal/journal/NNNNNNNN.log`` (segments in the frame format of
§3, which did not change) and the archives. An inspector meets such
terminals in the field: their images are read too (``_read_former_layout``)
and checked the same way.

Besides the identity and the journal segments, every file of the archives
directory is read (the ARCHIVE records sign them): ``archive_files``
checks them.

Geometry: the block size is the partition table's (the ``block_size``
parameter must agree with it); littlefs's read and program size is the
table's unit for its partition, with a cache of 256 bytes and a lookahead
of 32 bytes (docs/SPEC.md §1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from littlefs import LittleFS, LittleFSError, UserContext

from tools.inspect.flash_log import KIND_LITTLEFS, KIND_LOG, LayoutError, partition_bytes, read_log
from tools.inspect.flash_log import read_table as read_partition_table

DEFAULT_BLOCK_SIZE = 4096
READ_SIZE = 16
PROG_SIZE = 16
CACHE_BYTES = 256
LOOKAHEAD_BYTES = 32
BLOCK_CYCLES = 500
IMAGE_NAME = "flash.img"
IDENTITY_PATH = "/fiscal/identity.cbor"
FORMER_JOURNAL_DIR = "/fiscal/journal"  # the former layout's segment files
LITTLEFS_MAGIC = b"littlefs"  # at offset 8 of a littlefs superblock's block
ARCHIVE_DIR = "/fiscal/archives"
SEGMENT_NAME = re.compile(r"[0-9]{8}\.log")  # a copy's journal/ files (tools.inspect.dumpdir)
_LFS_ERR_IO = -5


class ImageError(Exception):
    """The input cannot be read as a fiscal flash image; the message is for the inspector."""


@dataclass(frozen=True, slots=True)
class Segment:
    """One journal segment file: its name, its bytes, and why it could not be read if so."""

    name: str
    data: bytes
    error: str | None = None


@dataclass(frozen=True, slots=True)
class ArchiveFile:
    """One entry of the archives directory: its name and bytes (None: not a readable file)."""

    name: str
    data: bytes | None


@dataclass(frozen=True, slots=True)
class HeadFiles:
    """The head statement of a copy made over the serial link, and the nonce it was asked over.

    Each is None when the copy does not hold it (``head.bin``, ``head.nonce``).
    """

    statement: bytes | None
    nonce: bytes | None


@dataclass(frozen=True, slots=True)
class FlashContents:
    """What the inspector needs from an image: identity bytes and segments in name order.

    ``other_files`` lists entries of the journal directory that are not
    segments (the terminal never writes any). ``archives`` holds the entries
    of the archives directory in name order (none when it does not exist),
    or is None when the archives were not read (a copy of the journal alone).
    ``head`` is None for a flash image (which holds no head statement) and
    set for a copy made by ``fiscal-inspect dump`` (``tools.inspect.dumpdir``).
    """

    source: str
    block_size: int
    block_count: int
    identity: bytes
    segments: tuple[Segment, ...]
    other_files: tuple[str, ...]
    archives: tuple[ArchiveFile, ...] | None = None
    head: HeadFiles | None = None
    log_notes: tuple[str, ...] = ()  # torn frames skipped (a power cut): said, not anomalies
    log_problems: tuple[str, ...] = ()  # damage to the log's layout (block headers, frames)

    @property
    def is_copy(self) -> bool:
        """True for a copy made over the serial link, False for a flash image."""
        return self.head is not None


class _ReadOnlyDevice(UserContext):
    """A littlefs block device over bytes that refuses to program or erase."""

    def __init__(self, data: bytes) -> None:
        super().__init__(buffer=bytearray(data))

    def prog(self, cfg: Any, block: int, off: int, data: bytes) -> int:
        return _LFS_ERR_IO

    def erase(self, cfg: Any, block: int) -> int:
        return _LFS_ERR_IO


def image_path(path: Path) -> Path:
    """Return the image file for ``path``: ``path/flash.img`` for a data directory."""
    return path / IMAGE_NAME if path.is_dir() else path


def load_image(path: Path, block_size: int = DEFAULT_BLOCK_SIZE) -> FlashContents:
    """Return the identity and segments of the image at ``path`` (a file or data directory).

    Raises ImageError when the file is missing, unreadable, of a size that is
    not a whole number of blocks, or holds no fiscal littlefs filesystem.
    """
    file = image_path(path)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise ImageError(f"impossible de lire {file} : {exc.strerror or exc}") from None
    return read_image(data, block_size, str(file))


def read_image(
    data: bytes, block_size: int = DEFAULT_BLOCK_SIZE, source: str = ""
) -> FlashContents:
    """Return the identity and segments held in the image bytes ``data``.

    Raises ImageError as ``load_image`` does.
    """
    if block_size <= 0 or block_size % PROG_SIZE:
        raise ImageError(f"taille de bloc {block_size} invalide (multiple de {PROG_SIZE} attendu)")
    if not data or len(data) % block_size:
        raise ImageError(
            f"image de {len(data)} octets : pas un nombre entier de blocs de {block_size} octets"
        )
    if data[8:16] == LITTLEFS_MAGIC:  # littlefs from block 0: provisioned before the log
        return _read_former_layout(data, block_size, source)
    try:
        table_block_size, parts = read_partition_table(data)
    except LayoutError as exc:
        raise ImageError(f"pas une mémoire fiscale lisible : {exc}") from None
    if table_block_size != block_size:
        raise ImageError(f"blocs de {table_block_size} octets selon la table, pas {block_size}")
    files = parts[KIND_LITTLEFS]
    files_data = partition_bytes(data, block_size, files)
    fs = _mount(files_data, block_size, files.count, files.unit)
    identity = _read_file(fs, IDENTITY_PATH)
    if identity is None:
        raise ImageError(f"identité du terminal absente ou illisible ({IDENTITY_PATH})")
    log = parts[KIND_LOG]
    found = read_log(partition_bytes(data, block_size, log), block_size, log.unit)
    segments = tuple(
        Segment(f"{index:08d}.log", bytes(data)) for index, data in sorted(found.segments.items())
    )
    return FlashContents(
        source=source,
        block_size=block_size,
        block_count=len(data) // block_size,
        identity=identity,
        segments=segments,
        other_files=(),
        archives=_read_archives(fs),
        log_notes=tuple(found.notes),
        log_problems=tuple(found.problems),
    )


def _read_former_layout(data: bytes, block_size: int, source: str) -> FlashContents:
    """Return the identity, segments and archives of a former-layout image (see above)."""
    block_count = len(data) // block_size
    fs = _mount(data, block_size, block_count, PROG_SIZE)
    identity = _read_file(fs, IDENTITY_PATH)
    if identity is None:
        raise ImageError(f"identité du terminal absente ou illisible ({IDENTITY_PATH})")
    try:
        names = sorted(fs.listdir(FORMER_JOURNAL_DIR))
    except LittleFSError as exc:
        raise ImageError(
            f"répertoire du journal {FORMER_JOURNAL_DIR} absent ou illisible ({exc})"
        ) from None
    segments: list[Segment] = []
    for name in filter(SEGMENT_NAME.fullmatch, names):
        content = _read_file(fs, f"{FORMER_JOURNAL_DIR}/{name}")
        error = None if content is not None else "fichier illisible par littlefs"
        segments.append(Segment(name, content or b"", error))
    return FlashContents(
        source=source,
        block_size=block_size,
        block_count=block_count,
        identity=identity,
        segments=tuple(segments),
        other_files=tuple(n for n in names if not SEGMENT_NAME.fullmatch(n)),
        archives=_read_archives(fs),
    )


def _read_archives(fs: LittleFS) -> tuple[ArchiveFile, ...]:
    """Return every entry of the archives directory; none if there is no such directory."""
    try:
        names = sorted(fs.listdir(ARCHIVE_DIR))
    except LittleFSError:
        return ()
    return tuple(ArchiveFile(name, _read_file(fs, f"{ARCHIVE_DIR}/{name}")) for name in names)


def _mount(data: bytes, block_size: int, block_count: int, unit: int) -> LittleFS:
    fs = LittleFS(
        context=_ReadOnlyDevice(data),
        mount=False,  # the constructor would format an image it cannot mount
        block_size=block_size,
        block_count=block_count,
        read_size=unit,
        prog_size=unit,
        cache_size=CACHE_BYTES,
        lookahead_size=LOOKAHEAD_BYTES,
        block_cycles=BLOCK_CYCLES,
    )
    try:
        fs.mount()
    except LittleFSError as exc:
        raise ImageError(
            f"aucun système de fichiers littlefs lisible ({block_count} blocs de "
            f"{block_size} octets) : {exc}"
        ) from None
    return fs


def _read_file(fs: LittleFS, path: str) -> bytes | None:
    try:
        stat = fs.stat(path)
        if stat.type != stat.TYPE_REG:
            return None
        with fs.open(path, "rb") as f:
            content: bytes = f.read()
    except LittleFSError:
        return None
    return bytes(content)
