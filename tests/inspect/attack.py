"""An attacker's tools: rewrite a segment of a flash image through littlefs, as someone
with the flash chip and the format would, optionally fixing each frame's CRC; replace,
add or remove any other file (an archive)."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

from littlefs import LittleFS, UserContext

from firmware.journal import JOURNAL_DIR, encode_frame

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


def _mount(image: bytearray, block_size: int = BLOCK_SIZE) -> LittleFS:
    fs = LittleFS(
        context=UserContext(buffer=image),
        mount=False,
        block_size=block_size,
        block_count=len(image) // block_size,
        read_size=16,
        prog_size=16,
        cache_size=256,
        lookahead_size=32,
        block_cycles=500,
    )
    fs.mount()
    return fs


def read_segment(image: bytes, name: str = SEGMENT) -> bytes:
    fs = _mount(bytearray(image))
    with fs.open(f"{JOURNAL_DIR}/{name}", "rb") as f:
        data: bytes = f.read()
    return data


def rewrite_segment(
    image: bytes, transform: Callable[[list[bytes]], list[bytes]], name: str = SEGMENT
) -> bytes:
    """Return a copy of ``image`` whose segment ``name`` holds ``transform(frames)``."""
    buffer = bytearray(image)
    fs = _mount(buffer)
    path = f"{JOURNAL_DIR}/{name}"
    with fs.open(path, "rb") as f:
        frames = split(f.read())
    with fs.open(path, "wb") as f:
        f.write(b"".join(transform(frames)))
    fs.unmount()
    return bytes(buffer)


def crc_ok(frame: bytes) -> bool:
    return zlib.crc32(frame[:-4]) == int.from_bytes(frame[-4:], "big")


def remove_file(image: bytes, path: str) -> bytes:
    """Return a copy of ``image`` without the file at ``path`` (e.g. a segment's)."""
    buffer = bytearray(image)
    fs = _mount(buffer)
    fs.remove(path)
    fs.unmount()
    return bytes(buffer)


def rewrite_file(image: bytes, path: str, transform: Callable[[bytes], bytes]) -> bytes:
    """Return a copy of ``image`` whose file ``path`` holds ``transform(its bytes)``."""
    buffer = bytearray(image)
    fs = _mount(buffer)
    with fs.open(path, "rb") as f:
        data: bytes = f.read()
    with fs.open(path, "wb") as f:
        f.write(transform(data))
    fs.unmount()
    return bytes(buffer)


def add_file(image: bytes, path: str, data: bytes) -> bytes:
    """Return a copy of ``image`` with a new file at ``path`` (its directory must exist)."""
    buffer = bytearray(image)
    fs = _mount(buffer)
    with fs.open(path, "wb") as f:
        f.write(data)
    fs.unmount()
    return bytes(buffer)
