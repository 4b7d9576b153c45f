"""Read a copy made by ``fiscal-inspect dump`` as the verifier reads a flash image.

The copy directory mirrors ``/fiscal`` on the terminal's flash (docs/LINK.md
§6): ``identity.cbor``, ``journal/NNNNNNNN.log`` (byte-identical to the
flash's segments), ``archives/NAME``; it adds the head statement the
terminal signed over the inspector's nonce (``head.bin``) and that nonce
(``head.nonce``). ``load_copy`` returns all of it as ``FlashContents``, so
``verify`` checks a copy as an image, archives and head statement included;
``load_journal`` only its identity and segments (what ``dump.load_dump``
gives the link's tests).

This module is the inspector's own (no code of the terminal, not even the
link protocol): reading a copy needs nothing but files.
"""

from __future__ import annotations

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
    return replace(
        journal,
        archives=_archives(out / ARCHIVES_DIR),
        head=HeadFiles(_read(out / HEAD_FILE), _read(out / NONCE_FILE)),
    )


def load_journal(out: Path) -> FlashContents:
    """Return the identity and journal segments of the copy in ``out`` (no archives, no head).

    Raises ImageError when the identity file or the journal directory cannot be read.
    """
    try:
        identity = (out / IDENTITY_FILE).read_bytes()
        names = sorted(p.name for p in (out / JOURNAL_DIR).iterdir())
    except OSError as exc:
        raise ImageError(f"copie illisible ({out}) : {exc.strerror or exc}") from None
    segments: list[Segment] = []
    others: list[str] = []
    for name in names:
        if SEGMENT_NAME.fullmatch(name):
            data = _read(out / JOURNAL_DIR / name)
            error = None if data is not None else "fichier illisible"
            segments.append(Segment(name, data or b"", error))
        else:
            others.append(name)
    return FlashContents(
        source=str(out),
        block_size=0,
        block_count=0,
        identity=identity,
        segments=tuple(segments),
        other_files=tuple(others),
    )


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
