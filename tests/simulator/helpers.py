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
    """Return the offsets in the raw image of every copy of the latest record stored whole.

    littlefs is copy-on-write, so stale copies may lie around too; flipping
    a byte in each copy is sure to hit the live one. Raises AssertionError
    when no record of the journal appears contiguously in the image.
    """
    journal = Journal.mount(RamFlash(SIM_FLASH_GEOMETRY, image))
    for record in reversed(list(journal.records())):
        offsets = []
        start = image.find(record)
        while start >= 0:
            offsets.append(start)
            start = image.find(record, start + 1)
        if offsets:
            return offsets
    raise AssertionError("no journal record is stored contiguously in the image")


def flip_bytes(image: bytearray, offset: int, count: int = 4) -> None:
    """Invert ``count`` bytes of ``image`` from ``offset``."""
    for i in range(offset, offset + count):
        image[i] ^= 0xFF
