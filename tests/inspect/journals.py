"""Real journals written by the terminal's own code, and an attacker's tools to alter them.

``write_journal`` seals records with the fiscal core and appends them with
the firmware's journal onto a file-backed flash (``hal.flash.file.FileFlash``),
exactly as the terminal does. The attacker side rewrites a segment file
through littlefs (as someone with the flash chip and the format would),
optionally fixing each frame's CRC.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from littlefs import LittleFS, UserContext

from firmware.journal import JOURNAL_DIR, Journal, encode_frame
from fiscal_core import codes
from fiscal_core.ed25519 import Ed25519Signer
from fiscal_core.identity import Identity
from fiscal_core.ledger import Ledger, Sealed
from fiscal_core.records import Line, Payment
from hal.flash.file import FileFlash
from hal.ports import FlashGeometry

SEED = bytes(range(1, 33))
TERMINAL_ID = "DEMO-0001"
T0 = 1764064800  # 2025-11-25 10:00:00 UTC
BLOCK_SIZE = 4096
SMALL_GEOMETRY = FlashGeometry(read_size=16, prog_size=16, block_size=BLOCK_SIZE, block_count=64)
SEGMENT = "00000001.log"


@dataclass(frozen=True)
class Written:
    """What was written: (seq, doc_type name, number) of each record, in journal order."""

    records: tuple[tuple[int, str, int], ...]
    public_key: bytes


def write_journal(
    image: Path, tickets: int = 6, geometry: FlashGeometry = SMALL_GEOMETRY
) -> Written:
    """Write a day of trading into a new flash image at ``image``; return what was written.

    JET start-up and log-in, then ``tickets`` sales (several VAT rates, cash
    with change, card), with a voided line and an abandoned sale logged in
    between, then a log-out.
    """
    signer = Ed25519Signer(SEED)
    ledger = Ledger(TERMINAL_ID, signer)
    identity = Identity(TERMINAL_ID, signer.public_key).encode()
    written: list[tuple[int, str, int]] = []
    clock = [T0]

    with FileFlash.open(image, geometry, create=True) as flash:
        journal = Journal.create(flash, identity)

        def keep(sealed: Sealed) -> None:
            journal.append(sealed.encoded)
            ledger.accept(sealed)
            record = sealed.record
            written.append((record.seq, codes.DOC_NAMES[record.doc_type], record.number))

        def jet(operator_id: int, code: int, text: str) -> None:
            clock[0] += 37
            keep(
                ledger.seal_jet(
                    time_utc=clock[0], utc_offset=60, operator_id=operator_id, code=code, text=text
                )
            )

        def ticket(lines: list[Line], payments: list[Payment]) -> None:
            clock[0] += 37
            keep(
                ledger.seal_ticket(
                    time_utc=clock[0], utc_offset=60, operator_id=1, lines=lines, payments=payments
                )
            )

        jet(0, codes.JET_START, "démarrage, v1\\test")
        jet(1, codes.JET_LOGIN, "connexion Camille")
        for n in range(tickets):
            lines = [
                Line("P2", "Baguette", 1 + n % 3, 120, 550),
                Line("D3", "Bazar, divers", 1, 695 + n, 2000),
            ]
            if n % 2:
                lines.append(Line("P10", "Sandwich", 2, 550, 1000))
                jet(1, codes.JET_LINE_VOIDED, "ligne P7")
            total = sum(line.total for line in lines)
            if n % 3 == 0:
                ticket(lines, [Payment(codes.PAY_CASH, total + 500 - total % 500)])
            else:
                ticket(lines, [Payment(codes.PAY_CARD, total)])
            if n == 2:
                jet(1, codes.JET_SALE_ABANDONED, "vente abandonnée")
        jet(1, codes.JET_LOGOUT, "déconnexion")
    return Written(tuple(written), signer.public_key)


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
    return zlib.crc32(frame[:-4]) == struct.unpack(">I", frame[-4:])[0]


def remove_file(image: bytes, path: str) -> bytes:
    """Return a copy of ``image`` without the file at ``path`` (e.g. a segment's)."""
    buffer = bytearray(image)
    fs = _mount(buffer)
    fs.remove(path)
    fs.unmount()
    return bytes(buffer)


def write_custom(
    image: Path, ledger: Ledger, identity: bytes, seal: Callable[[int], Sealed | None]
) -> None:
    """Write records made by ``seal(i)`` for i = 0, 1, … until it returns None."""
    with FileFlash.open(image, SMALL_GEOMETRY, create=True) as flash:
        journal = Journal.create(flash, identity)
        i = 0
        while (sealed := seal(i)) is not None:
            journal.append(sealed.encoded)
            ledger.accept(sealed)
            i += 1
