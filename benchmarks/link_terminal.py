"""The terminal's end of a pty pair, in its own process, for the inspection benchmarks.

On a real inspection the terminal and the inspector's laptop are two
machines: the link service must not share an interpreter (and its GIL) with
the tool it is measured against. The benchmark makes the pty pair, keeps
the slave for the tool, and starts this module with the master's fd
inherited (``pass_fds``):

    python -m benchmarks.link_terminal serve FD IMAGE   # the link service over IMAGE's journal
    python -m benchmarks.link_terminal raw FD BYTES     # the floor: BYTES random bytes, raw

``serve`` mounts the journal of a flash image (tests/link/terminal.py's
geometry) with the firmware's code, prints ``ready`` once its Source is
built, then loops as the terminal's main loop does (poll the link, sleep
in ``select`` when idle) until its stdin is closed, and prints ``cpu S``:
the processor seconds it spent serving (since ``ready``); its replies carry at
most ``BENCH_REPLY_BYTES`` of records (the service's default, 60 KiB, unless
set) and ``BENCH_FRAMES_BYTES`` of journal segments (default 512 KiB).
``raw`` writes as fast as the pty takes them, then exits.

The serving link writes as the terminal's ports do (``hal.serial.pty_link``):
each poll writes at most a piece of the reply, waiting for the pty to take
it. (A transmit queue drained by a thread was tried: on this pty it was
slower, the thread and the main loop handing the interpreter's lock to
each other.)
"""

from __future__ import annotations

import os
import select
import sys
import time

from firmware.journal import Journal
from firmware.link import service
from firmware.link.service import LinkService
from hal.flash.file import FileFlash
from hal.ports import FlashGeometry
from tests.link.terminal import GEOMETRY, FdLink, JournalSource

RAW_BLOCK = 64 * 1024
REPLY_BYTES = int(os.environ.get("BENCH_REPLY_BYTES", service.REPLY_BYTES))
FRAMES_BYTES = int(os.environ.get("BENCH_FRAMES_BYTES", service.FRAMES_BYTES))


def serve(fd: int, image: str) -> None:
    blocks = os.path.getsize(image) // GEOMETRY.block_size  # the test's 4 MiB or a bigger journal
    geometry = FlashGeometry(GEOMETRY.read_size, GEOMETRY.prog_size, GEOMETRY.block_size, blocks)
    flash = FileFlash.open(image, geometry)
    link = FdLink(fd)
    service = LinkService(
        link,
        JournalSource(Journal.mount(flash)),
        write_bytes=64 * 1024,
        reply_bytes=REPLY_BYTES,
        frames_bytes=FRAMES_BYTES,
    )
    print("ready", flush=True)
    start = time.process_time()
    stdin = sys.stdin.fileno()
    while True:
        events = service.poll()
        if events or service.busy:
            continue
        readable, _, _ = select.select([fd, stdin], [], [], 0.5)
        if stdin in readable and not os.read(stdin, 1):
            break
    print(f"cpu {time.process_time() - start:.6f}", flush=True)
    link.close()
    flash.close()


def raw(fd: int, total: int) -> None:
    block = os.urandom(RAW_BLOCK)
    sent = 0
    while sent < total:
        select.select([], [fd], [])
        try:
            sent += os.write(fd, block[: min(RAW_BLOCK, total - sent)])
        except BlockingIOError:
            continue


def main(argv: list[str]) -> None:
    mode, fd = argv[0], int(argv[1])
    if mode == "serve":
        serve(fd, argv[2])
    elif mode == "raw":
        raw(fd, int(argv[2]))
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
