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
in ``select`` when idle) until its stdin is closed; its replies carry at
most ``BENCH_REPLY_BYTES`` of records (the service's default, 60 KiB, unless
set). ``raw`` writes as fast as the pty takes them, then exits.

The serving link sends as a serial port's driver does (a UART's DMA, a USB
gadget's queue): what the link service writes goes to a transmit buffer of
``TRANSMIT_BYTES`` that a thread drains into the pty (``os.write`` releases
the GIL), so the main loop reads the next request's segments while the
line carries the last reply, instead of waiting for the inspector to take
every byte of it.
"""

from __future__ import annotations

import os
import select
import sys
import threading
from collections import deque

from firmware.journal import Journal
from firmware.link import service
from firmware.link.service import LinkService
from hal.flash.file import FileFlash
from hal.ports import FlashGeometry
from tests.link.terminal import GEOMETRY, FdLink, JournalSource

RAW_BLOCK = 64 * 1024
REPLY_BYTES = int(os.environ.get("BENCH_REPLY_BYTES", service.REPLY_BYTES))
TRANSMIT_BYTES = 2 * service.FRAMES_BYTES  # a reply being sent, and the next one queued


class TransmitLink:
    """A SerialLink over the pty's master whose writes are queued (at most ``capacity``
    bytes: a write waits for room beyond that) and sent by a thread, as a driver does."""

    def __init__(self, fd: int, capacity: int = TRANSMIT_BYTES) -> None:
        self.line = FdLink(fd)
        self.capacity = capacity
        self._queue: deque[bytes] = deque()
        self._queued = 0  # bytes queued and not yet taken by the pty
        self._ready = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._send, daemon=True)
        self._thread.start()

    def read(self, max_bytes: int) -> bytes:
        return self.line.read(max_bytes)

    def write(self, data: bytes) -> None:
        with self._ready:
            while self._queued and self._queued + len(data) > self.capacity:
                self._ready.wait()
            self._queue.append(data)
            self._queued += len(data)
            self._ready.notify_all()

    def close(self) -> None:
        with self._ready:
            self._closed = True
            self._ready.notify_all()
        self._thread.join(5)

    def _send(self) -> None:
        while True:
            with self._ready:
                while not self._queue and not self._closed:
                    self._ready.wait()
                if not self._queue:
                    return
                data = self._queue.popleft()
            self.line.write(data)  # waits for the pty, the GIL released
            with self._ready:
                self._queued -= len(data)
                self._ready.notify_all()


def serve(fd: int, image: str) -> None:
    blocks = os.path.getsize(image) // GEOMETRY.block_size  # the test's 4 MiB or a bigger journal
    geometry = FlashGeometry(GEOMETRY.read_size, GEOMETRY.prog_size, GEOMETRY.block_size, blocks)
    flash = FileFlash.open(image, geometry)
    link = TransmitLink(fd)
    service = LinkService(
        link, JournalSource(Journal.mount(flash)), write_bytes=64 * 1024, reply_bytes=REPLY_BYTES
    )
    print("ready", flush=True)
    stdin = sys.stdin.fileno()
    while True:
        events = service.poll()
        if events or service.busy:
            continue
        readable, _, _ = select.select([fd, stdin], [], [], 0.5)
        if stdin in readable and not os.read(stdin, 1):
            break
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
