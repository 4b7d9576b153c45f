"""End to end over a real pseudo-terminal pair: a real journal dumped by the inspector's client.

The terminal side (``tests/link/terminal.py``) serves a Source over the
firmware's Journal from a thread looping like the main loop; the tool
opens the slave by path with pyserial. Throughput is measured against the
raw throughput of a pty in the same run and printed (``-s``), never asserted.
"""

from __future__ import annotations

import io
import os
import threading
import time
import tty
from collections.abc import Iterator
from pathlib import Path

import pytest
import serial

from firmware.journal import Journal
from firmware.link.errors import RemoteProtocolError
from firmware.link.messages import RecordBatch, SegmentData, ServerHello
from firmware.link.service import LinkService
from hal.flash.ram import RamFlash
from tests.link.terminal import ARCHIVES, GEOMETRY, FdLink, JournalSource, PtyTerminal, Till
from tools.inspect.dump import dump, load_dump
from tools.inspect.dump_journal import read_stored
from tools.inspect.link_client import LinkClient, LinkIOError, open_port
from tools.inspect.verify import verify

NONCE = bytes(range(100, 132))
SALES = 300


@pytest.fixture(scope="module")
def till(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Till]:
    """A terminal that has sold SALES tickets (three journal segments)."""
    till = Till(tmp_path_factory.mktemp("terminal") / "flash.img")
    till.sell(SALES)
    yield till
    till.close()


def flash_segments(till: Till) -> dict[str, bytes]:
    """Return the journal segments as the flash holds them, read by the firmware's journal."""
    journal = Journal.mount(RamFlash(GEOMETRY, Path(till.flash.path).read_bytes()))
    names = [path.rsplit("/", 1)[1] for path in journal.segments()]
    return {name: journal.segment_data(i) or b"" for i, name in enumerate(names, 1)}


def copied_segments(out: Path) -> dict[str, bytes]:
    """Return the copy's segments as the inspector's reader cuts them (nothing amiss)."""
    contents = load_dump(out)
    assert (contents.other_files, contents.log_problems) == ((), ())
    return {s.name: s.data for s in contents.segments}


def raw_pty_throughput(total: int) -> float:
    """Return bytes per second through a fresh pty, written raw, read as the client reads."""
    master, slave = os.openpty()
    tty.setraw(slave)
    port = serial.serial_for_url(os.ttyname(slave), timeout=0.05)
    block = os.urandom(64 * 1024)

    def write() -> None:
        sent = 0
        while sent < total:
            sent += os.write(master, block[: total - sent])

    writer = threading.Thread(target=write)
    start = time.perf_counter()
    writer.start()
    received = 0
    while received < total:
        waiting = port.in_waiting
        received += len(port.read(waiting if waiting > 0 else 1))
    elapsed = time.perf_counter() - start
    writer.join()
    port.close()
    os.close(master)
    os.close(slave)
    return total / elapsed


def client_for(term: PtyTerminal, timeout_s: float = 1.0, tries: int = 3) -> LinkClient:
    return LinkClient(open_port(term.path, timeout_s=timeout_s), timeout_s=timeout_s, tries=tries)


def test_dump_copies_the_flash_journal_byte_for_byte(till: Till, tmp_path: Path) -> None:
    source = JournalSource(till.journal)
    with PtyTerminal(source) as term:
        client = client_for(term)
        start = time.perf_counter()
        outcome = dump(client, tmp_path / "copy", None, NONCE, io.StringIO())
        elapsed = time.perf_counter() - start
        client.close()
    assert (outcome.first, outcome.last, outcome.findings) == (1, SALES + 3, [])
    copy = tmp_path / "copy"
    segments = copied_segments(copy)
    assert segments == flash_segments(till) and len(segments) >= 3
    assert (copy / "identity.cbor").read_bytes() == till.journal.identity()
    assert (copy / "head.nonce").read_bytes() == NONCE
    assert (copy / "head.bin").read_bytes().startswith(b"head:" + (SALES + 3).to_bytes(8, "big"))
    assert {p.name: p.read_bytes() for p in (copy / "archives").iterdir()} == ARCHIVES
    report = verify(load_dump(copy))
    assert report.intact and len(report.records) == SALES + 3
    assert client.retries == 0 and client.errors == []
    dump_rate = client.bytes_in / elapsed
    raw_rate = raw_pty_throughput(client.bytes_in)
    print(
        f"\ndump {client.bytes_in} B in {elapsed * 1000:.0f} ms: {dump_rate / 1e6:.2f} MB/s; "
        f"raw pty {raw_rate / 1e6:.2f} MB/s; ratio {dump_rate / raw_rate:.3f}"
    )


class Interrupted(Exception):
    pass


class CutClient(LinkClient):
    """A client whose line is cut after ``batches`` RECORDS or SEGMENTS answers."""

    batches = 2

    def records(self) -> RecordBatch:
        self._cut()
        return super().records()

    def segments(self) -> SegmentData:
        self._cut()
        return super().segments()

    def _cut(self) -> None:
        if self.batches == 0:
            raise Interrupted
        self.batches -= 1


def test_an_interrupted_dump_resumes_to_an_identical_copy(till: Till, tmp_path: Path) -> None:
    source = JournalSource(till.journal)
    small = lambda link, src: LinkService(  # noqa: E731
        link, src, reply_bytes=16 * 1024, frames_bytes=16 * 1024
    )
    with PtyTerminal(source, make_service=small) as term:  # replies of a few dozen records
        whole = client_for(term)
        dump(whole, tmp_path / "whole", None, NONCE, io.StringIO())
        whole.close()
        cut = CutClient(open_port(term.path), timeout_s=1.0)
        with pytest.raises(Interrupted):
            dump(cut, tmp_path / "part", None, NONCE, io.StringIO())
        cut.close()
        part = tmp_path / "part"
        with (part / "journal" / "segments.bin").open("ab") as f:
            f.write(b"\x00\xe0\x8a\x01")  # a frame torn by the interruption
        done = read_stored(part).count  # the whole frames
        assert 0 < done < SALES
        resumed = client_for(term)
        outcome = dump(resumed, part, done + 1, NONCE, io.StringIO())
        resumed.close()
    assert (outcome.first, outcome.last) == (done + 1, SALES + 3)
    for name in ("identity.cbor", "head.bin", "head.nonce"):
        assert (part / name).read_bytes() == (tmp_path / "whole" / name).read_bytes()
    assert copied_segments(part) == copied_segments(tmp_path / "whole") == flash_segments(till)
    assert source.statements == [NONCE, NONCE]


def test_sales_go_on_during_a_dump(tmp_path: Path) -> None:
    till = Till(tmp_path / "flash.img")
    till.sell(100)
    source = JournalSource(till.journal)
    till.appended.append(source.appended)
    with PtyTerminal(
        source,
        till,
        sell_every=3,
        make_service=lambda link, src: LinkService(link, src, reply_bytes=4096, frames_bytes=4096),
    ) as term:
        client = client_for(term)
        outcome = dump(client, tmp_path / "copy", None, NONCE, io.StringIO())
        client.close()
    assert till.sales > 100  # the terminal kept selling while it was being dumped
    head_seq = int.from_bytes((tmp_path / "copy" / "head.bin").read_bytes()[5:13], "big")
    assert outcome.last >= head_seq > 103  # the copy covers what the head statement states
    copy = load_dump(tmp_path / "copy")
    records = [r for s in copy.segments for r in _records(s.data)]
    assert records == source.cache[: outcome.last]
    assert verify(copy).intact
    till.close()


def _records(data: bytes) -> list[bytes]:
    out, offset = [], 0
    while offset < len(data):
        length = int.from_bytes(data[offset : offset + 2], "big")
        out.append(data[offset + 2 : offset + 2 + length])
        offset += length + 6
    return out


def test_a_stalled_terminal_is_no_answer(till: Till) -> None:
    with PtyTerminal(JournalSource(till.journal), stalled=True) as term:
        client = client_for(term, timeout_s=0.15, tries=2)
        start = time.perf_counter()
        with pytest.raises(LinkIOError) as caught:
            client.connect()
        client.close()
    assert caught.value.code == "NO_ANSWER" and "2 essais" in caught.value.message
    assert time.perf_counter() - start < 2


def test_a_pulled_cable_is_disconnected(till: Till) -> None:
    with PtyTerminal(JournalSource(till.journal)) as term:
        client = client_for(term, timeout_s=0.5)
        client.connect()
        assert client.identify().last_seq == SALES + 3
        term.hang_up()
        with pytest.raises(LinkIOError) as caught:
            client.read_records(1, 10)
        client.close()
    assert caught.value.code == "DISCONNECTED" and "câble" in caught.value.message


class Noisy(LinkService):
    """A terminal whose line turns every answer into noise (wrong baud rate)."""

    def poll(self):  # type: ignore[no-untyped-def]
        if self.link.read(4096):
            self.link.write(bytes(range(1, 200)) + b"\x00" + b"\xf0" * 50 + b"\x00")
        return []


def test_garbage_from_the_terminal_is_garbled(till: Till) -> None:
    source = JournalSource(till.journal)
    with PtyTerminal(source, make_service=lambda link, src: Noisy(link, src)) as term:
        client = client_for(term, timeout_s=0.2, tries=2)
        with pytest.raises(LinkIOError) as caught:
            client.connect()
        client.close()
    assert caught.value.code == "GARBLED" and "débit" in caught.value.message
    assert {e.code for e in client.errors} == {"TRUNCATED"}


def test_another_protocol_version_is_named(till: Till) -> None:
    source = JournalSource(till.journal)
    with PtyTerminal(
        source, make_service=lambda link, src: LinkService(link, src, versions=(4,))
    ) as term:
        client = client_for(term)
        with pytest.raises(RemoteProtocolError) as caught:
            client.connect()
        client.close()
    assert caught.value.code == "VERSION_MISMATCH"
    assert "version 4" in caught.value.message and "version 3" in caught.value.message
    assert isinstance(ServerHello(), ServerHello) and isinstance(FdLink, type)


class VirtualClock:
    """The inspector's clock on a slow line: seconds pass as the terminal's line says."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class SlowLine:
    """The terminal's port on a slow line: every ``piece`` bytes take ``seconds`` to go
    (as a USB-serial adapter at 115,200 baud takes 0.18 s per 2 KiB), counted on ``clock``.
    Past ``limit`` bytes the line goes dead (a terminal stalled mid-answer)."""

    def __init__(
        self, link: FdLink, clock: VirtualClock, piece: int = 2048, seconds: float = 0.3
    ) -> None:
        self.link, self.clock, self.piece, self.seconds = link, clock, piece, seconds
        self.limit = -1
        self.written = 0

    def read(self, max_bytes: int) -> bytes:
        return self.link.read(max_bytes)

    def write(self, data: bytes) -> None:
        for start in range(0, len(data), self.piece):
            piece = data[start : start + self.piece]
            if self.limit >= 0:
                piece = piece[: max(self.limit - self.written, 0)]
            self.link.write(piece)
            self.written += len(piece)
            self.clock.now += self.seconds


def slow_terminal(source: JournalSource, clock: VirtualClock) -> PtyTerminal:
    def make(link: FdLink, src: JournalSource) -> LinkService:
        return LinkService(SlowLine(link, clock), src, write_bytes=64 * 1024)

    return PtyTerminal(source, make_service=make)


def test_answers_slower_than_the_timeout_arrive_while_bytes_keep_coming(
    till: Till, tmp_path: Path
) -> None:
    clock = VirtualClock()
    with slow_terminal(JournalSource(till.journal), clock) as term:
        port = open_port(term.path, timeout_s=1.0)
        client = LinkClient(port, timeout_s=1.0, tries=1, clock=clock)  # no second try
        outcome = dump(client, tmp_path / "copy", None, NONCE, io.StringIO())
        client.close()
    # The segments' answer alone took many times the timeout, never a second of silence.
    assert clock.now > 10 * client.timeout_s and client.retries == 0
    assert (outcome.last, outcome.findings) == (SALES + 3, [])
    assert copied_segments(tmp_path / "copy") == flash_segments(till)


def test_a_terminal_stalled_mid_answer_is_no_answer(till: Till, tmp_path: Path) -> None:
    clock = VirtualClock()
    with slow_terminal(JournalSource(till.journal), clock) as term:
        line = term.service.link
        assert isinstance(line, SlowLine)
        line.limit = 40_000  # the handshake, then part of the first segments' answer
        port = open_port(term.path, timeout_s=0.2)
        client = LinkClient(port, timeout_s=0.2, tries=2)  # the real clock: a real silence
        with pytest.raises(LinkIOError) as caught:
            dump(client, tmp_path / "copy", None, NONCE, io.StringIO())
        client.close()
    assert line.written == 40_000 and client.retries == 1
    assert caught.value.code == "NO_ANSWER" and "0.2 s sans un octet" in caught.value.message


class Babbling(LinkService):
    """A line that carries nothing but noise, without a pause, ``LIMIT`` writes long; then
    silence, whose seconds pass on the clock too."""

    LIMIT = 20_000
    sent = 0

    def poll(self):  # type: ignore[no-untyped-def]
        line = self.link
        assert isinstance(line, SlowLine)
        if self.sent < self.LIMIT:
            line.write(b"\x00" + bytes(range(1, 120)))  # one piece: 0.3 s of the clock
            self.sent += 1
        else:
            line.clock.now += line.seconds
        return []


def test_a_line_that_only_carries_noise_ends_each_try_after_the_timeout(till: Till) -> None:
    clock = VirtualClock()

    def make(link: FdLink, src: JournalSource) -> LinkService:
        return Babbling(SlowLine(link, clock), src)

    with PtyTerminal(JournalSource(till.journal), make_service=make) as term:
        client = LinkClient(open_port(term.path), timeout_s=1.0, tries=2, clock=clock)
        with pytest.raises(LinkIOError) as caught:
            client.connect()
        client.close()
        babbler = term.service
        assert isinstance(babbler, Babbling)
    # Noise keeps no try going: both ended while it still came, each a second after damage.
    assert caught.value.code == "GARBLED" and client.retries == 1
    assert babbler.sent < Babbling.LIMIT
