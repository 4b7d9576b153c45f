"""Flash images of the benchmark journal and their first checkpoint, cached: what boots start from.

``boot_image(count)`` returns a directory holding ``flash.img`` (a FileFlash
image of BENCH_GEOMETRY) and ``counter.bin`` (a FileCounter at the journal's
length) for the journal of ``count`` records of benchmarks/generator.py,
with the signed checkpoint a terminal writes after verifying it all.

The records are appended with the terminal's own ``Journal.append``, so the
log holds exactly what appends leave, but on an image file whose sync is
deferred to the end (one fdatasync for the whole image instead of one per
record: hours become minutes). Each record goes through the terminal's
Verifier on the way, and the state it ends with is signed as the
checkpoint (what the first boot would write); littlefs then measures its
partition's use for it.

Geometry: 4 KiB blocks (the simulator's chip, byte-programmable), 131,072
of them (512 MiB): the journal log gets half (268 MB), and the
1,000,000-record journal (229 MB of frames and block headers, 6,949
segments) fills about 85 % of it, below the 90 % warning, so both images
boot the same way.
The 1,000-record image has the same geometry: the ratio compares journals,
not chips.

    .venv/bin/python -m benchmarks.images 1000 1000000   # builds the cache
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import time
from dataclasses import replace
from pathlib import Path

from benchmarks.generator import CACHE_DIR, TERMINAL_ID, Workload, cached_frames, read_frames
from firmware.demo import DEMO_CONFIG
from firmware.journal import CHECKPOINT_PATH, PRINTED_PATH, Journal
from firmware.runner import Terminal
from fiscal_core import codes
from fiscal_core.checkpoint import Checkpoint
from fiscal_core.records import Record
from fiscal_core.verifier import Verifier
from hal.counter.file import FileCounter
from hal.factory import fake_board
from hal.flash.file import FileFlash
from hal.ports import FlashGeometry

BENCH_GEOMETRY = FlashGeometry(read_size=1, prog_size=1, block_size=4096, block_count=131072)
BENCH_CONFIG = replace(DEMO_CONFIG, terminal_id=TERMINAL_ID)
IMAGE_VERSION = 7  # part of the cache name: bump when the image, the records or the boot change
FLASH_FILE = "flash.img"
COUNTER_FILE = "counter.bin"


def boot_image(count: int) -> Path:
    """Return the cached directory of the ``count``-record image, built once."""
    path = CACHE_DIR / f"boot-image-v{IMAGE_VERSION}-{count}"
    if path.exists():
        return path
    partial = path.with_suffix(".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    write_journal(partial / FLASH_FILE, cached_frames(count))
    with FileCounter.open(partial / COUNTER_FILE, create=True) as counter:
        counter.advance_to(count)
    partial.rename(path)
    return path


class SyncedAtTheEnd(FileFlash):
    """The image being built: its syncs wait for the last one (see the module docstring)."""

    def _sync(self) -> None:
        pass

    def sync_now(self) -> None:
        FileFlash._sync(self)


def write_journal(image: Path, frames_file: Path) -> None:
    """Append the records into a new image with the terminal's journal, and checkpoint it."""
    workload = Workload()
    verifier = Verifier(workload.signer.public_key, TERMINAL_ID)
    with SyncedAtTheEnd.open(image, BENCH_GEOMETRY, create=True) as flash:
        journal = Journal.create(flash, workload.identity())
        last = b""
        for record in read_frames(frames_file):
            verifier.check(Record.decode(record))
            journal.append(record)
            last = record
        # Every ticket of the workload was printed.
        ticket = verifier.state.head(codes.DOC_TICKET).number
        journal.replace_file(PRINTED_PATH, str(ticket).encode("ascii"))
        started = time.perf_counter()
        used = journal.measure_used_bytes()
        print(f"littlefs measured {used:,} bytes in use in {time.perf_counter() - started:.2f} s")
        segment, offset = journal.position()
        digest = hashlib.sha256(last).digest()
        checkpoint = Checkpoint(TERMINAL_ID, verifier.state, segment, offset, digest, used)
        journal.replace_file(CHECKPOINT_PATH, checkpoint.sign(workload.signer))
        flash.sync_now()


def boot(directory: Path, now: int) -> Terminal:
    """Boot the terminal on ``directory``'s image and counter at ``now``, as the simulator does."""
    flash = FileFlash.open(directory / FLASH_FILE, BENCH_GEOMETRY)
    counter = FileCounter.open(directory / COUNTER_FILE)
    board = fake_board(flash=flash, counter=counter, now=now)
    return Terminal.boot(board, BENCH_CONFIG, Workload().signer)


if __name__ == "__main__":
    for arg in sys.argv[1:] or ["1000", "1000000"]:
        print(boot_image(int(arg)), file=sys.stderr)
    os.sync()
