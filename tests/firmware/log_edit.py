"""Someone with the flash in hand rewrites the journal's log: the tests' tampering tools.

``relay`` erases the log partition of a chip and lays the given frames
again, block headers and all, as the format says (firmware/journal_log.py):
what an attacker who knows the format would write. The side files in
littlefs are left as they are.
"""

from __future__ import annotations

from firmware.frames import encode_frame
from firmware.journal import Journal
from firmware.journal_log import Log
from firmware.partitions import read_table
from hal.ports import Flash


def frames_of(flash: Flash) -> list[bytes]:
    """Return every frame of the journal on ``flash``, in order."""
    return [encode_frame(record) for record in Journal.mount(flash).records()]


def relay(flash: Flash, frames: list[bytes]) -> None:
    """Erase the log partition of ``flash`` and append ``frames`` (any bytes) to it."""
    log_flash = read_table(flash).log
    for block in range(log_flash.geometry.block_count):
        log_flash.erase(block)
    log = Log(log_flash)
    for frame in frames:
        log.append(frame)


def alter_record(flash: Flash, index: int, at: int, mask: int = 0x01) -> None:
    """Flip bits ``mask`` of byte ``at`` of frame ``index`` (0 = the first), CRC left wrong."""
    frames = frames_of(flash)
    frame = bytearray(frames[index])
    frame[at] ^= mask
    frames[index] = bytes(frame)
    relay(flash, frames)
