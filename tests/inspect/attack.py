"""An attacker's tools: rewrite the journal's log on a flash image, as someone with the
flash chip and the format would, optionally fixing each frame's CRC; replace, add or
remove any other file (an archive) through littlefs."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from littlefs import LittleFS

from firmware.flash_fs import filesystem
from firmware.journal import JOURNAL_DIR, encode_frame
from firmware.partitions import read_table
from hal.flash.ram import RamFlash
from hal.ports import FlashGeometry
from tests.firmware.log_edit import relay as relay_frames
from tools.inspect.image import read_image

BLOCK_SIZE = 4096
SEGMENT = "00000001.log"


def split(segment: bytes) -> list[bytes]:
    """Return the frames of a segment (whole frames: length, record, CRC)."""
    frames = []
    offset = 0
    while offset < len(segment):
        (length,) = struct.unpack_from(">H", segment, offset)
        frames.append(segment[offset : offset + length + 6])
        offset += length + 6
    return frames


def frame_offsets(segment: bytes) -> list[int]:
    """Return the offset of each frame of a segment."""
    offsets = []
    offset = 0
    for frame in split(segment):
        offsets.append(offset)
        offset += len(frame)
    return offsets


def record_of(frame: bytes) -> bytes:
    return frame[2:-4]


def with_crc(record: bytes) -> bytes:
    """Return ``record`` framed with a correct length and CRC (what an attacker writes)."""
    return encode_frame(record)


def flip(frame: bytes, position: int, mask: int, fix_crc: bool) -> bytes:
    """Return ``frame`` with record byte ``position`` XOR ``mask``, CRC fixed or not."""
    record = bytearray(record_of(frame))
    record[position] ^= mask
    if fix_crc:
        return with_crc(bytes(record))
    head = frame[:2]
    return head + bytes(record) + frame[-4:]


def _chip(image: bytes | bytearray) -> RamFlash:
    blocks = len(image) // BLOCK_SIZE
    return RamFlash(FlashGeometry(1, 1, BLOCK_SIZE, blocks), bytes(image))


@contextmanager
def _files(image: bytes) -> Iterator[tuple[RamFlash, LittleFS]]:
    """littlefs of the image's littlefs partition, mounted on a copy of the image."""
    chip = _chip(image)
    fs = filesystem(read_table(chip).files)
    fs.mount()
    yield chip, fs
    fs.unmount()


def segments(image: bytes) -> list[bytes]:
    """Return the journal's segments as the log holds them (the inspector's reading)."""
    return [s.data for s in read_image(image).segments]


def read_segment(image: bytes, name: str = SEGMENT) -> bytes:
    return segments(image)[int(name[:8]) - 1]


def relay(image: bytes, frames: list[bytes]) -> bytes:
    """Return a copy of ``image`` whose log holds ``frames`` (any bytes), laid as the format says.

    The attacker erases the log partition and writes it again, block headers
    and all: nothing but the records' signatures tells the result from a
    terminal's own log.
    """
    chip = _chip(image)
    relay_frames(chip, frames)
    return chip.snapshot()


def rewrite_segment(
    image: bytes, transform: Callable[[list[bytes]], list[bytes]], name: str = SEGMENT
) -> bytes:
    """Return a copy of ``image`` whose segment ``name`` holds ``transform(frames)``.

    The log is laid again from the first frame: segments after the one
    rewritten follow it, cut by the rule of docs/SPEC.md section 3.
    """
    index = int(name[:8])
    frames: list[bytes] = []
    for number, data in enumerate(segments(image), 1):
        frames += transform(split(data)) if number == index else split(data)
    return relay(image, frames)


def crc_ok(frame: bytes) -> bool:
    return zlib.crc32(frame[:-4]) == int.from_bytes(frame[-4:], "big")


def remove_file(image: bytes, path: str) -> bytes:
    """Return a copy of ``image`` without the side file at ``path``, or without segment ``path``."""
    if path.startswith(JOURNAL_DIR + "/"):
        return rewrite_segment(image, lambda frames: [], path.rsplit("/", 1)[1])
    with _files(image) as (chip, fs):
        fs.remove(path)
    return chip.snapshot()


def rewrite_file(image: bytes, path: str, transform: Callable[[bytes], bytes]) -> bytes:
    """Return a copy of ``image`` whose file ``path`` holds ``transform(its bytes)``."""
    with _files(image) as (chip, fs):
        with fs.open(path, "rb") as f:
            data: bytes = f.read()
        with fs.open(path, "wb") as f:
            f.write(transform(data))
    return chip.snapshot()


def add_file(image: bytes, path: str, data: bytes) -> bytes:
    """Return a copy of ``image`` with a new file at ``path`` (its directory must exist)."""
    with _files(image) as (chip, fs), fs.open(path, "wb") as f:
        f.write(data)
    return chip.snapshot()
