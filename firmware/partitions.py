"""The partition table: how the chip is split between the journal's log and littlefs.

Written once, at provisioning, in block 0 of the chip (docs/SPEC.md section
1.1), and only read afterwards. Two partitions follow it:

- the journal's log (firmware/journal_log.py): frames appended to blocks
  erased at provisioning, never erased in service;
- littlefs (firmware/flash_fs.py): the identity and every side file
  (configuration copy, checkpoint, printed marker, restore marker, archives).

The split gives the log half of the blocks after the table and littlefs the
rest: an archive holds the records of its period once more (its CSV and
the frames' content), so the side files grow about as fast as the journal.

Table layout (big-endian): magic ``NF525-PT``, version u8, partition count
u8, block size u32, then per partition kind u8, unit u8 (the log's frame
alignment, littlefs's program size), two zero bytes, first block u32, block
count u32; then the CRC-32 of every byte before it. The rest of block 0 is
left erased.
"""

from __future__ import annotations

import struct
import zlib

from firmware.frames import JournalError
from hal.flash.partition import PartitionFlash
from hal.ports import ERASED_BYTE, Flash

MAGIC = b"NF525-PT"
VERSION = 1
KIND_LOG = 1
KIND_LITTLEFS = 2
LITTLEFS_UNIT = 16  # littlefs's read and program size in its partition
# littlefs's superblock names itself at offset 8 of its block: a chip of the former
# layout (littlefs over the whole chip, the journal in its files) starts so.
LITTLEFS_MAGIC = b"littlefs"
_HEAD = struct.Struct(">8sBBI")
_ENTRY = struct.Struct(">BBHII")


class Partitions:
    """The two partitions of a provisioned chip, each a Flash of its own."""

    __slots__ = ("files", "log")

    def __init__(self, log: PartitionFlash, files: PartitionFlash) -> None:
        self.log = log  # the journal's frames
        self.files = files  # littlefs: identity and side files


def split(chip: Flash) -> list[tuple[int, int, int, int]]:
    """Return the table's entries for ``chip``: (kind, unit, first block, block count).

    Raises ValueError when the chip is too small to hold a log and a littlefs.
    """
    g = chip.geometry
    count = g.block_count - 1
    if count < 6:
        raise ValueError(f"a chip of {g.block_count} blocks is too small for the fiscal memory")
    log_blocks = count // 2
    unit = max(LITTLEFS_UNIT, g.prog_size, g.read_size)
    return [
        (KIND_LOG, g.prog_size, 1, log_blocks),
        (KIND_LITTLEFS, unit, 1 + log_blocks, count - log_blocks),
    ]


def encode(block_size: int, entries: list[tuple[int, int, int, int]]) -> bytes:
    """Return the table's bytes (without the erased rest of the block)."""
    body = _HEAD.pack(MAGIC, VERSION, len(entries), block_size)
    body += b"".join(_ENTRY.pack(kind, unit, 0, first, n) for kind, unit, first, n in entries)
    return body + struct.pack(">I", zlib.crc32(body))


def decode(data: bytes) -> tuple[int, list[tuple[int, int, int, int]]]:
    """Return (block size, entries) from the start of block 0; JournalError if no valid table."""
    if len(data) < _HEAD.size:
        raise JournalError("NO_FILESYSTEM", "flash holds no partition table (not provisioned)")
    magic, version, count, block_size = _HEAD.unpack_from(data)
    end = _HEAD.size + count * _ENTRY.size
    if magic != MAGIC and data[8:16] == LITTLEFS_MAGIC:
        raise JournalError(
            "NO_FILESYSTEM",
            "flash in the former layout (littlefs over the whole chip): this version cannot "
            "read it; provision a new flash and restore a backup made with the former version "
            "(fiscal-flash restore --new-flash)",
        )
    if magic != MAGIC or len(data) < end + 4:
        raise JournalError("NO_FILESYSTEM", "flash holds no partition table (not provisioned)")
    (crc,) = struct.unpack_from(">I", data, end)
    if zlib.crc32(data[:end]) != crc:
        raise JournalError("NO_FILESYSTEM", "partition table damaged (CRC-32)")
    if version != VERSION:
        raise JournalError("NO_FILESYSTEM", f"partition table version {version} unknown")
    entries = [_ENTRY.unpack_from(data, _HEAD.size + i * _ENTRY.size) for i in range(count)]
    return block_size, [(kind, unit, first, blocks) for kind, unit, _, first, blocks in entries]


def layout(chip: Flash) -> Partitions:
    """Return the partitions ``split`` gives ``chip`` (before its table is written)."""
    (_, log_unit, log_first, log_blocks), (_, unit, first, blocks) = split(chip)
    log = PartitionFlash(chip, log_first, log_blocks, prog_size=log_unit)
    return Partitions(log, PartitionFlash(chip, first, blocks, unit, unit))


def write_table(chip: Flash) -> None:
    """Program the table into block 0 (erased first) and sync; only at provisioning."""
    g = chip.geometry
    table = encode(g.block_size, split(chip))
    table += bytes([ERASED_BYTE]) * (-len(table) % g.prog_size)
    chip.erase(0)
    chip.program(0, 0, table)
    chip.sync()


def read_table(chip: Flash) -> Partitions:
    """Return the partitions the table of ``chip`` describes; JournalError when there is none."""
    g = chip.geometry
    size = _HEAD.size + 4 * _ENTRY.size + 4
    size += -size % g.read_size
    block_size, entries = decode(chip.read(0, 0, min(size, g.block_size)))
    kinds = {kind: (unit, first, blocks) for kind, unit, first, blocks in entries}
    if block_size != g.block_size or set(kinds) != {KIND_LOG, KIND_LITTLEFS}:
        raise JournalError("NO_FILESYSTEM", "partition table of another chip or layout")
    log_unit, log_first, log_blocks = kinds[KIND_LOG]
    fs_unit, fs_first, fs_blocks = kinds[KIND_LITTLEFS]
    if min(log_first, fs_first) < 1 or (
        log_first < fs_first + fs_blocks and fs_first < log_first + log_blocks
    ):
        raise JournalError("NO_FILESYSTEM", "partition table with overlapping partitions")
    try:
        log = PartitionFlash(chip, log_first, log_blocks, prog_size=log_unit)
        files = PartitionFlash(chip, fs_first, fs_blocks, fs_unit, fs_unit)
    except ValueError as exc:
        raise JournalError("NO_FILESYSTEM", f"partition table not for this chip: {exc}") from None
    return Partitions(log, files)
