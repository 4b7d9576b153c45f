"""Read a copy made by ``fiscal-inspect dump`` as the verifier reads a flash image.

The copy directory mirrors ``/fiscal`` on the terminal's flash (docs/LINK.md
§6): ``identity.cbor``, the journal's segments (byte-identical to the
flash's), ``archives/NAME``; it adds the head statement the terminal signed
over the inspector's nonce (``head.bin``) and that nonce (``head.nonce``).
``load_copy`` returns all of it as ``FlashContents``, so ``verify`` checks a
copy as an image, archives and head statement included; ``load_journal``
only its identity and segments (what ``dump.load_dump`` gives the link's
tests).

The segments are in one of two layouts:

- ``journal/segments.bin``, every segment end to end, and
  ``journal/segments.idx``, the length of each segment but the last (u32
  BE each): the last segment is the rest of ``segments.bin``. One file
  written in order and made durable once, instead of one file a segment
  (some 700 for 100,000 records), each created and synced;
- the former one, ``journal/NNNNNNNN.log``, a file per segment, which the
  copies made before still have.

Either way the verifier gets the segments named ``NNNNNNNN.log``, as on the
flash. Whatever of the index does not add up (bytes it does not cover
exactly, a truncated entry, no index at all) is said in ``log_problems``,
and the bytes are still given as segments, so that every record is checked.

This module is the inspector's own (no code of the terminal, not even the
link protocol): reading a copy needs nothing but files.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from tools.inspect.image import (
    DEFAULT_BLOCK_SIZE,
    IMAGE_NAME,
    SEGMENT_NAME,
    ArchiveFile,
    FlashContents,
    HeadFiles,
    ImageError,
    Segment,
    load_image,
)

IDENTITY_FILE = "identity.cbor"
JOURNAL_DIR = "journal"
ARCHIVES_DIR = "archives"
HEAD_FILE = "head.bin"
NONCE_FILE = "head.nonce"
MANIFEST_FILE = "dump.json"
SYNC_FAILED_FILE = "sync-failed.txt"  # left by a dump whose sync failed (dump_sync.py)
SEGMENTS_FILE = "segments.bin"  # journal/: the segments end to end
INDEX_FILE = "segments.idx"  # journal/: u32 BE length of each segment but the last
INDEX_ENTRY = 4


def is_dump(path: Path) -> bool:
    """True when ``path`` is a directory laid out as a copy (identity file and journal)."""
    return (path / IDENTITY_FILE).is_file() and (path / JOURNAL_DIR).is_dir()


def load_source(path: Path, block_size: int = DEFAULT_BLOCK_SIZE) -> FlashContents:
    """Return what ``path`` holds: a flash image (file, or directory with ``flash.img``) or a copy.

    Raises ImageError when it is neither, or cannot be read.
    """
    if path.is_dir() and not (path / IMAGE_NAME).exists():
        if is_dump(path):
            return load_copy(path)
        raise ImageError(
            f"{path} n'est ni une image de la mémoire fiscale ({IMAGE_NAME}) ni une copie "
            f"faite par fiscal-inspect dump ({IDENTITY_FILE} et {JOURNAL_DIR}/)"
        )
    return load_image(path, block_size)


def load_copy(out: Path) -> FlashContents:
    """Return the copy in ``out``: identity, segments, archives and head statement.

    Raises ImageError when the identity file or the journal directory cannot be read.
    """
    journal = load_journal(out)
    problems = journal.log_problems
    if sync_failed(out):
        # The dump said so itself: some of these bytes may never have reached
        # the disk, and what a cache still shows is no evidence.
        problems += (
            f"la copie n'a pas été écrite sur disque en entier ({SYNC_FAILED_FILE}) : "
            "elle ne prouve rien, la refaire dans un autre répertoire",
        )
    return replace(
        journal,
        archives=_archives(out / ARCHIVES_DIR),
        head=HeadFiles(_read(out / HEAD_FILE), _read(out / NONCE_FILE)),
        log_problems=problems,
    )


def sync_failed(out: Path) -> bool:
    """True when a sync of the copy in ``out`` failed (``SYNC_FAILED_FILE`` is there).

    False when ``out`` cannot be looked into: what comes next then says why.
    """
    try:
        return (out / SYNC_FAILED_FILE).exists()
    except OSError:
        return False


def load_journal(out: Path) -> FlashContents:
    """Return the identity and journal segments of the copy in ``out`` (no archives, no head).

    Raises ImageError when the identity file or the journal directory cannot be read.
    """
    try:
        identity = (out / IDENTITY_FILE).read_bytes()
        names = sorted(p.name for p in (out / JOURNAL_DIR).iterdir())
    except OSError as exc:
        raise ImageError(f"copie illisible ({out}) : {exc.strerror or exc}") from None
    problems: list[str] = []
    if SEGMENTS_FILE in names:
        segments = _one_file(out / JOURNAL_DIR, problems)
        others = [name for name in names if name not in (SEGMENTS_FILE, INDEX_FILE)]
    else:
        segments, others = _file_per_segment(out / JOURNAL_DIR, names)
    return FlashContents(
        source=str(out),
        block_size=0,
        block_count=0,
        identity=identity,
        segments=tuple(segments),
        other_files=tuple(others),
        log_problems=tuple(problems),
    )


def index_lengths(index: bytes) -> list[int]:
    """Return the segment lengths of an index's whole entries (a torn last entry left out)."""
    whole = len(index) - len(index) % INDEX_ENTRY
    return [int.from_bytes(index[i : i + INDEX_ENTRY], "big") for i in range(0, whole, INDEX_ENTRY)]


def _one_file(journal: Path, problems: list[str]) -> list[Segment]:
    """Return the segments of ``segments.bin`` cut by ``segments.idx``; say what does not add up.

    Each segment is read on its own from the file (no copy of the whole
    journal held beside them: a million records are some 220 MB).
    """
    index = _read(journal / INDEX_FILE)
    if index is None:
        problems.append(f"index des segments absent de la copie ({JOURNAL_DIR}/{INDEX_FILE})")
        index = b""
    elif len(index) % INDEX_ENTRY:
        problems.append(
            f"index des segments tronqué ({JOURNAL_DIR}/{INDEX_FILE}) : {len(index)} octets, "
            f"pas un multiple de {INDEX_ENTRY}"
        )
    lengths = index_lengths(index)
    segments: list[Segment] = []
    try:
        with (journal / SEGMENTS_FILE).open("rb") as f:
            size = os.fstat(f.fileno()).st_size
            if sum(lengths) > size:
                problems.append(
                    f"l'index des segments annonce {sum(lengths)} octets, "
                    f"{JOURNAL_DIR}/{SEGMENTS_FILE} n'en contient que {size}"
                )
            offset = 0
            for length in lengths:
                if offset >= size:
                    break
                segments.append(Segment(_name(len(segments) + 1), f.read(length)))
                offset += length
            if offset < size:  # the last segment: the rest of the file
                segments.append(Segment(_name(len(segments) + 1), f.read()))
    except OSError:
        error = f"fichier illisible ({JOURNAL_DIR}/{SEGMENTS_FILE})"
        return [*segments, Segment(_name(len(segments) + 1), b"", error)]
    return segments


def _file_per_segment(journal: Path, names: list[str]) -> tuple[list[Segment], list[str]]:
    """Return the segments of the former layout (a file each), and the other files' names."""
    segments: list[Segment] = []
    others: list[str] = []
    for name in names:
        if SEGMENT_NAME.fullmatch(name):
            data = _read(journal / name)
            error = None if data is not None else "fichier illisible"
            segments.append(Segment(name, data or b"", error))
        else:
            others.append(name)
    return segments, others


def _name(index: int) -> str:
    return f"{index:08d}.log"


def _archives(directory: Path) -> tuple[ArchiveFile, ...]:
    """Return every entry of the copy's archives directory; none if there is no such directory."""
    if not directory.is_dir():
        return ()
    return tuple(
        ArchiveFile(p.name, _read(p)) for p in sorted(directory.iterdir(), key=lambda p: p.name)
    )


def _read(path: Path) -> bytes | None:
    """Return the bytes of the regular file ``path``, None when it is absent or unreadable."""
    try:
        return path.read_bytes() if path.is_file() else None
    except OSError:
        return None
