"""Helpers of the simulator tests: example scripts, CLI results, finding records in an image."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from firmware.journal import Journal
from hal.flash.contract import SIM_FLASH_GEOMETRY
from hal.flash.ram import RamFlash

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SALE_KEYS = EXAMPLES / "sale.keys"
DAY_KEYS = EXAMPLES / "day.keys"


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def live_record_copies(image: bytes) -> list[int]:
    """Return the offsets in the raw image of the journal's first record stored whole.

    The journal's log stores each frame once, in place; a record running
    across a block boundary is not whole in the image, so the first one
    that is whole is taken. Raises AssertionError when none is.
    """
    journal = Journal.mount(RamFlash(SIM_FLASH_GEOMETRY, image))
    for record in journal.records():
        start = image.find(record)
        if start >= 0:
            return [start]
    raise AssertionError("no journal record is stored contiguously in the image")


def flip_bytes(image: bytearray, offset: int, count: int = 4) -> None:
    """Invert ``count`` bytes of ``image`` from ``offset``."""
    for i in range(offset, offset + count):
        image[i] ^= 0xFF
