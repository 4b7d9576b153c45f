"""A terminal for link tests: a real journal, Sources over it, and a serving pseudo-terminal.

``Till`` seals records with the fiscal core and appends them with the
firmware's journal on a file-backed flash, as the terminal does.
``JournalSource`` is the Source the runner would build over its Journal.
``PtyTerminal`` serves a Source on the master side of a real pty pair from
a thread that loops like the terminal's main loop (sell, then poll the
link); the inspector's tool opens the slave by path with pyserial.
"""

from __future__ import annotations

import os
import select
import threading
import tty
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from firmware.inspection import read_segments
from firmware.journal import Journal
from firmware.link.messages import Identification, StoredSegments
from firmware.link.service import LinkService
from fiscal_core import codes
from fiscal_core.ed25519 import Ed25519Signer
from fiscal_core.identity import Identity
from fiscal_core.ledger import Ledger, Sealed
from fiscal_core.records import Line, Payment, Record
from hal.flash.file import FileFlash
from hal.ports import FlashGeometry

SEED = bytes(range(1, 33))
TERMINAL_ID = "DEMO-0001"
T0 = 1764064800  # 2025-11-25 10:00:00 UTC
# The terminal's chip: a byte-programmable SPI NOR flash (the simulator's units), 4 MiB.
GEOMETRY = FlashGeometry(read_size=1, prog_size=1, block_size=4096, block_count=1024)
ARCHIVES = {"2025-10.zip": bytes(range(256)) * 300, "2025-11.zip": b"PK\x05\x06" + bytes(18)}


class Till:
    """Writes a trading day into a real journal: start-up, log-in, float, then sales."""

    def __init__(self, image: Path) -> None:
        self.signer = Ed25519Signer(SEED)
        self.ledger = Ledger(TERMINAL_ID, self.signer)
        self.flash = FileFlash.open(image, GEOMETRY, create=True)
        identity = Identity(TERMINAL_ID, self.signer.public_key).encode()
        self.journal = Journal.create(self.flash, identity)
        self.clock = T0
        self.sales = 0
        self.appended: list[Callable[[bytes], None]] = []  # told of each record once durable
        self._keep(self.ledger.seal_jet(**self._now(0), code=codes.JET_START, text="démarrage"))
        self._keep(self.ledger.seal_jet(**self._now(1), code=codes.JET_LOGIN, text="Camille"))
        self._keep(self.ledger.open_period(**self._now(1), cash_float=15000))

    def sell(self, count: int = 1) -> None:
        """Seal and append ``count`` sales (two VAT rates; cash with change, or card)."""
        for _ in range(count):
            n = self.sales
            lines = [
                Line("P2", "Baguette", 1 + n % 3, 120, 550),
                Line("D3", "Bazar, divers", 1, 695 + n % 50, 2000),
            ]
            total = sum(line.total for line in lines)
            pay = Payment(codes.PAY_CASH, total + 500 - total % 500) if n % 2 else None
            payments = [pay] if pay else [Payment(codes.PAY_CARD, total)]
            self._keep(self.ledger.seal_ticket(**self._now(1), lines=lines, payments=payments))
            self.sales += 1

    def close(self) -> None:
        self.flash.close()

    def _now(self, operator_id: int) -> dict[str, int]:
        self.clock += 5
        return {"time_utc": self.clock, "utc_offset": 60, "operator_id": operator_id}

    def _keep(self, sealed: Sealed) -> None:
        self.journal.append(sealed.encoded)
        self.ledger.accept(sealed)
        for tell in self.appended:
            tell(sealed.encoded)


class JournalSource:
    """The link's Source over a firmware Journal (what the runner would build).

    ``Journal.records()`` can only read from the first segment, so the
    records are read once, indexed by seq, and each later one is added by
    ``appended`` when the journal has made it durable (the runner knows).
    """

    def __init__(self, journal: Journal, archives: dict[str, bytes] | None = None) -> None:
        self.journal = journal
        self.archive_files = dict(ARCHIVES if archives is None else archives)
        self.cache: list[bytes] = []
        self.counts: dict[int, int] = {}
        self.statements: list[bytes] = []  # nonces asked for, in order
        for raw in journal.records():
            self.appended(raw)

    def appended(self, raw: bytes) -> None:
        record = Record.decode(raw)
        assert record.seq == len(self.cache) + 1, "journal order is seq order"
        self.cache.append(raw)
        self.counts[record.doc_type] = self.counts.get(record.doc_type, 0) + 1

    def identify(self) -> Identification:
        identity = self.journal.identity()
        decoded = Identity.decode(identity)
        counts = sorted(self.counts.items())
        return Identification(
            decoded.terminal_id,
            "FiscalTerm 0.1.0",
            decoded.public_key,
            counts,
            len(self.cache),
            identity,
        )

    def records(self, from_seq: int, max_count: int) -> list[bytes]:
        return self.cache[from_seq - 1 : from_seq - 1 + max_count]

    def segments(self, first: int, offset: int, count: int, max_bytes: int) -> StoredSegments:
        return read_segments(self.journal, first, offset, count, max_bytes)

    def head_statement(self, nonce: bytes) -> bytes:
        self.statements.append(nonce)
        body = b"head:" + len(self.cache).to_bytes(8, "big") + nonce
        return body + Ed25519Signer(SEED).sign(body)

    def archives(self) -> list[tuple[str, int]]:
        return [(name, len(data)) for name, data in self.archive_files.items()]

    def read_archive(self, name: str, offset: int, size: int) -> bytes:
        return self.archive_files[name][offset : offset + size]


class FdLink:
    """A hal SerialLink over a pty master fd: reads never block, writes wait for room."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.stop = threading.Event()
        os.set_blocking(fd, False)

    def read(self, max_bytes: int) -> bytes:
        try:
            return os.read(self.fd, max_bytes)
        except BlockingIOError:
            return b""

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view and not self.stop.is_set():
            try:  # as hal.serial.pty_link writes: a wait only when the pty is full
                view = view[os.write(self.fd, view) :]
            except BlockingIOError:
                select.select([], [self.fd], [], 0.05)

    def close(self) -> None:
        os.close(self.fd)


class PtyTerminal:
    """A Source served on a pty pair from a thread; ``path`` is the slave for pyserial.

    ``sell_every`` > 0 makes the loop sell one ticket every that many
    polls (sales continuing during the dump); ``stalled`` stops polling.
    """

    def __init__(
        self,
        source: JournalSource,
        till: Till | None = None,
        sell_every: int = 0,
        make_service: Callable[[FdLink, JournalSource], LinkService] | None = None,
        stalled: bool = False,
    ) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)  # before anything is written: no echo, no line editing
        self.path = os.ttyname(slave)
        self._slave = slave
        self.link = FdLink(master)
        make = make_service or (lambda link, src: LinkService(link, src, write_bytes=64 * 1024))
        self.service = make(self.link, source)
        self.till, self.sell_every = till, sell_every
        self.stalled = threading.Event()  # set: the loop no longer polls the link
        if stalled:
            self.stalled.set()
        self.events: list[object] = []
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> PtyTerminal:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.link.stop.set()
        self._thread.join(5)
        os.close(self._slave)
        if not self.hung_up:
            self.link.close()

    hung_up = False

    def hang_up(self) -> None:
        """Close the terminal's end, as a pulled cable does."""
        self.link.stop.set()
        self._thread.join(5)
        self.link.close()
        self.hung_up = True

    def _loop(self) -> None:
        polls = 0
        while not self.link.stop.is_set():
            if self.stalled.is_set():
                self.link.stop.wait(0.01)
                continue
            polls += 1
            if self.till is not None and self.sell_every and polls % self.sell_every == 0:
                self.till.sell()
            events = self.service.poll()
            self.events.extend(events)
            if not events and not self.service.busy:
                select.select([self.link.fd], [], [], 0.002)
