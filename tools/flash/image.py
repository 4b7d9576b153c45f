"""Read-only look at a flash image: identity, journal segments, record counts, space used."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from firmware.journal import Journal, JournalError
from fiscal_core import codes
from fiscal_core.ed25519 import b64url
from fiscal_core.errors import FormatError
from fiscal_core.identity import Identity
from fiscal_core.records import Record
from hal.flash.contract import SIM_FLASH_GEOMETRY
from hal.flash.ram import RamFlash
from hal.ports import FlashGeometry

IMAGE_NAME = "flash.img"


class ImageError(Exception):
    """The image cannot be read as a fiscal memory; the message says why."""


def image_path(path: Path) -> Path:
    """Return the image file for a data directory or an image path."""
    return path / IMAGE_NAME if path.is_dir() else path


def load_image(path: Path, block_size: int = SIM_FLASH_GEOMETRY.block_size) -> RamFlash:
    """Return an in-memory copy of the image, so that nothing can write to the file."""
    file = image_path(path)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise ImageError(f"cannot read {file}: {exc.strerror}") from None
    if not data or len(data) % block_size:
        raise ImageError(
            f"{file} is {len(data)} bytes, not a whole number of {block_size}-byte blocks"
        )
    base = SIM_FLASH_GEOMETRY
    geometry = FlashGeometry(base.read_size, base.prog_size, block_size, len(data) // block_size)
    return RamFlash(geometry, data)


def image_info(path: Path, block_size: int = SIM_FLASH_GEOMETRY.block_size) -> dict[str, object]:
    """Return what the image holds; raise ImageError when it holds no readable journal."""
    flash = load_image(path, block_size)
    try:
        journal = Journal.mount(flash)
        identity = Identity.decode(journal.identity())
        counts: Counter[str] = Counter()
        last_seq = 0
        for raw in journal.records():
            record = Record.decode(raw)
            counts[codes.DOC_NAMES.get(record.doc_type, str(record.doc_type))] += 1
            last_seq = record.seq
        segments = journal.segments()
        (log_used, log_size), (files_used, files_size) = journal.space()
    except (JournalError, FormatError) as exc:
        raise ImageError(f"{image_path(path)}: {exc}") from None
    g = flash.geometry
    return {
        "image": str(image_path(path)),
        "geometry": {
            "read_size": g.read_size,
            "prog_size": g.prog_size,
            "block_size": g.block_size,
            "block_count": g.block_count,
        },
        "terminal_id": identity.terminal_id,
        "public_key": b64url(identity.public_key),
        "segments": len(segments),
        "records": sum(counts.values()),
        "last_seq": last_seq,
        "records_by_type": dict(sorted(counts.items())),
        "used_bytes": log_used + files_used,
        "used_percent": round(100 * (log_used + files_used) / g.total_size, 1),
        "journal_log": {"used_bytes": log_used, "bytes": log_size},
        "side_files": {"used_bytes": files_used, "bytes": files_size},
    }
