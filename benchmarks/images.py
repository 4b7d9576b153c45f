"""Flash images of the benchmark journal, booted once, cached: what a boot benchmark starts from.

``boot_image(count)`` returns a directory holding ``flash.img`` (a FileFlash
image of BENCH_GEOMETRY), ``counter.bin`` (a FileCounter at the journal's
length) for the journal of ``count`` records of benchmarks/generator.py,
after one boot of the terminal on it: that boot verified every record (no
checkpoint yet), journaled its start-up and wrote the first checkpoint, as
a terminal's first start on a restored journal would.

Writing a million records through ``Journal.append`` (a littlefs open,
write and close per record) takes hours; the image is written a segment
at a time instead, one littlefs file write per segment, with the journal's
own rule (a frame starts in a segment only while it holds fewer than
SEGMENT_BYTES). The bytes are the same as appends would leave.

Geometry: 4 KiB blocks (the simulator's chip), 69,632 of them (272 MiB):
the 1,000,000-record journal (233 MB of frames) fills about 84 % of it,
below the 90 % warning, so both images boot the same way. The 1,000-record
image has the same geometry: the ratio compares journals, not chips.

    .venv/bin/python -m benchmarks.images 1000 1000000   # builds the cache
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import replace
from pathlib import Path

from benchmarks.generator import CACHE_DIR, T0, TERMINAL_ID, Workload, cached_frames, read_frames
from firmware.demo import DEMO_CONFIG
from firmware.journal import (
    PRINTED_PATH,
    SEGMENT_BYTES,
    Journal,
    _filesystem,
    encode_frame,
    segment_name,
)
from firmware.runner import Terminal
from fiscal_core import codes
from fiscal_core.records import Record
from hal.board import Board
from hal.clock.fake import FakeClock
from hal.counter.file import FileCounter
from hal.display.fake import FakeDisplay
from hal.drawer.fake import FakeCashDrawer
from hal.flash.file import FileFlash
from hal.keypad.fake import FakeKeypad
from hal.ports import FlashGeometry
from hal.printer.fake import FakePrinter

BENCH_GEOMETRY = FlashGeometry(read_size=16, prog_size=16, block_size=4096, block_count=69632)
BENCH_CONFIG = replace(DEMO_CONFIG, terminal_id=TERMINAL_ID)
IMAGE_VERSION = 1  # part of the cache name: bump when the image or the boot changes
FLASH_FILE = "flash.img"
COUNTER_FILE = "counter.bin"
BOOT_MARGIN_S = 3600  # the clock at boot: an hour after the journal's last record


def boot_image(count: int) -> Path:
    """Return the cached directory of the booted ``count``-record image, built once."""
    path = CACHE_DIR / f"boot-image-v{IMAGE_VERSION}-{count}"
    if path.exists():
        return path
    partial = path.with_suffix(".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    last_time = write_journal(partial / FLASH_FILE, cached_frames(count))
    with FileCounter.open(partial / COUNTER_FILE, create=True) as counter:
        counter.advance_to(count)
    boot(partial, last_time + BOOT_MARGIN_S)  # full verification, then the first checkpoint
    partial.rename(path)
    return path


def write_journal(image: Path, frames_file: Path) -> int:
    """Write the framed records into a new image, a segment per file write; return the last time."""
    workload = Workload()
    with FileFlash.open(image, BENCH_GEOMETRY, create=True) as flash:
        Journal.create(flash, workload.identity())
        fs = _filesystem(flash)
        fs.mount()
        segment, index, last, ticket = bytearray(), 0, b"", 0
        for record in read_frames(frames_file):
            if record[2] == codes.DOC_TICKET:  # [version, doc_type, ...]: byte 2 is doc_type
                ticket = Record.decode(record).number
            if len(segment) >= SEGMENT_BYTES:
                index += 1
                with fs.open(segment_name(index), "wb") as f:
                    f.write(bytes(segment))
                segment.clear()
            segment += encode_frame(record)
            last = record
        if segment:
            with fs.open(segment_name(index + 1), "wb") as f:
                f.write(bytes(segment))
        with fs.open(PRINTED_PATH, "wb") as f:  # every ticket of the workload was printed
            f.write(str(ticket).encode("ascii"))
        fs.unmount()
        flash.sync()
    return Record.decode(last).time_utc if last else T0


def boot(directory: Path, now: int) -> Terminal:
    """Boot the terminal on ``directory``'s image and counter at ``now``, as the simulator does."""
    flash = FileFlash.open(directory / FLASH_FILE, BENCH_GEOMETRY)
    counter = FileCounter.open(directory / COUNTER_FILE)
    board = Board(
        keypad=FakeKeypad([]),
        display=FakeDisplay(),
        drawer=FakeCashDrawer(),
        printer=FakePrinter(),
        flash=flash,
        clock=FakeClock(now),
        counter=counter,
    )
    return Terminal.boot(board, BENCH_CONFIG, Workload().signer)


if __name__ == "__main__":
    for arg in sys.argv[1:] or ["1000", "1000000"]:
        print(boot_image(int(arg)), file=sys.stderr)
    os.sync()
