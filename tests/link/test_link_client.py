"""The inspector's blocking client, against a LinkService through a deterministic fake port.

The port runs the terminal's ``poll()`` whenever the client looks for
bytes, and a fake clock advances by one read slice each time nothing has
arrived: timeouts and retries are tested without waiting.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import cbor2
import pytest

from firmware.link.errors import LocalProtocolError, RemoteProtocolError
from firmware.link.messages import SUPPORTED_VERSIONS, GetHeadStatement, Hello
from firmware.link.service import LinkService
from tests.link.doubles import Harness, MemorySource, segments_of
from tools.inspect.dump import dump, load_dump
from tools.inspect.dump_journal import frame
from tools.inspect.link_client import READ_SLICE_S, LinkClient, LinkIOError

NONCE = bytes(range(16))


class ServicePort:
    """A pyserial-like port whose other end is ``harness.service``."""

    def __init__(self, harness: Harness, clock: list[float]) -> None:
        self.harness = harness
        self.clock = clock
        self.silent = False  # the terminal stops polling (stalled)
        self.lose: Callable[[bytes], bytes] = lambda data: data  # the line between them
        self.mangle: Callable[[bytes], bytes] = lambda data: data  # what reaches the terminal
        self.written = 0

    @property
    def in_waiting(self) -> int:
        if not self.silent:
            self.harness.poll(2)
        return 0

    def read(self, size: int = 1) -> bytes:
        data = self.lose(self.harness.wire())
        if not data:
            self.clock[0] += READ_SLICE_S
        return data

    def write(self, data: bytes) -> int:
        self.harness.inject(self.mangle(data))
        self.written += 1
        return len(data)

    def close(self) -> None:
        pass


def make(
    source: MemorySource | None = None, versions: tuple[int, ...] = SUPPORTED_VERSIONS
) -> tuple[LinkClient, ServicePort]:
    harness = Harness(source, versions=versions)
    clock = [0.0]
    port = ServicePort(harness, clock)
    return LinkClient(port, timeout_s=0.5, tries=3, clock=lambda: clock[0]), port


def test_every_request() -> None:
    client, port = make()
    client.connect()
    info = client.identify()
    assert (info.terminal_id, info.last_seq, info.counts) == ("DEMO-0001", 100, [(1, 60), (8, 40)])
    batch = client.read_records(99, 10)
    assert batch.records == port.harness.source.stored[98:] and not batch.more
    assert client.head_statement(NONCE) == b"HEAD\x00\x00\x00\x64" + NONCE
    assert client.list_archives() == [("2025-10.zip", 2560), ("empty.zip", 0)]
    assert client.read_archive("2025-10.zip", 10, 3) == bytes([10, 11, 12])
    assert client.retries == 0 and client.errors == []


def test_a_lost_answer_is_retried_and_the_request_runs_once() -> None:
    client, port = make()
    client.connect()
    lost = [True]

    def lose_once(data: bytes) -> bytes:
        if data and lost[0]:
            lost[0] = False
            return b""
        return data

    port.lose = lose_once
    assert client.head_statement(NONCE).endswith(NONCE)
    assert client.retries == 1
    assert port.harness.source.calls == [("head", NONCE)]


def test_a_damaged_request_is_resent_at_once() -> None:
    client, port = make()
    client.connect()
    damaged = [True]

    def damage_once(data: bytes) -> bytes:
        if damaged[0]:
            damaged[0] = False
            return data[:3] + b"\xee" + data[4:]
        return data

    port.mangle = damage_once
    start = port.clock[0]
    assert client.identify().terminal_id == "DEMO-0001"
    assert client.retries == 1 and port.clock[0] - start < 0.5  # no timeout was waited
    assert [e.code for e in client.errors] == ["BAD_FRAME"]


def test_a_restarted_terminal_is_greeted_again_transparently() -> None:
    client, port = make()
    client.connect()
    client.identify()
    harness = port.harness
    harness.service = LinkService(harness.terminal_end, harness.source)  # a reboot
    assert client.read_records(1, 2).records == harness.source.stored[:2]
    assert [type(e).__name__ for e in harness.served[-3:]] == [
        "RemoteProtocolError",
        "Hello",
        "ReadRecords",
    ]


def test_refusals_are_blamed_on_whoever_was_wrong() -> None:
    source = MemorySource()
    client, _ = make(source)
    client.connect()
    with pytest.raises(LocalProtocolError) as mine:
        client.read_archive("missing.zip", 0, 10)
    assert mine.value.code == "NO_SUCH_ARCHIVE"
    assert mine.value.message == "terminal: NO_SUCH_ARCHIVE: missing.zip"

    def broken(*args: object) -> list[bytes]:
        raise OSError("flash read error")

    source.records = broken  # type: ignore[method-assign,assignment]
    with pytest.raises(RemoteProtocolError) as theirs:
        client.read_records(1, 1)
    assert theirs.value.code == "SOURCE_FAILED" and "flash read error" in theirs.value.message


def test_silence_is_no_answer_after_every_try() -> None:
    client, port = make()
    port.silent = True
    with pytest.raises(LinkIOError) as caught:
        client.connect()
    assert caught.value.code == "NO_ANSWER"
    assert caught.value.message.startswith(
        "pas de réponse du terminal en 3 essais (0.5 s sans un octet à chaque fois)"
    )
    assert port.written == 3 and port.clock[0] >= 1.5


def test_noise_is_garbled() -> None:
    client, port = make()
    port.lose = lambda data: b"\x55" * 40 + b"\x00" if data else b""
    with pytest.raises(LinkIOError) as caught:
        client.connect()
    assert caught.value.code == "GARBLED" and "3 essais" in caught.value.message
    assert {e.code for e in client.errors} == {"TRUNCATED"}


class TricklePort:
    """A line that brings ``byte`` each ``step`` seconds forever and no answer (at most
    ``reads`` reads: past them the client is stuck, and the test says so)."""

    def __init__(self, byte: bytes, step: float, clock: list[float], reads: int) -> None:
        self.byte, self.step, self.clock, self.left = byte, step, clock, reads
        self.written = 0

    @property
    def in_waiting(self) -> int:
        return 0

    def read(self, size: int = 1) -> bytes:
        assert self.left, "the client never gave up on a line that brings no answer"
        self.left -= 1
        self.clock[0] += self.step
        return self.byte

    def write(self, data: bytes) -> int:
        self.written += 1
        return len(data)

    def close(self) -> None:
        pass


def test_a_line_of_nul_bytes_is_no_answer_after_every_try() -> None:
    # A line held low (a break, a wrong port) reads as NUL bytes: delimiters, no frame.
    clock = [0.0]
    port = TricklePort(b"\x00", READ_SLICE_S, clock, reads=10_000)
    client = LinkClient(port, timeout_s=0.5, tries=3, clock=lambda: clock[0])
    with pytest.raises(LinkIOError) as caught:
        client.connect()
    assert caught.value.code == "NO_ANSWER" and port.written == 3
    assert clock[0] < 3 * 0.5 + 1  # each try ended after its silence, not later


def test_a_trickle_of_noise_ends_each_try_at_its_limit() -> None:
    # One byte of a frame that never ends, just inside the silence allowed, forever:
    # each try still ends, at the largest answer's time on the line, twice over.
    clock = [0.0]
    port = TricklePort(b"\x55", 0.45, clock, reads=10_000)
    client = LinkClient(port, timeout_s=0.5, tries=3, clock=lambda: clock[0])
    with pytest.raises(LinkIOError) as caught:
        client.connect()
    assert caught.value.code == "NO_ANSWER" and port.written == 3
    assert 3 * client.try_limit_s <= clock[0] < 3 * (client.try_limit_s + 1)


def test_a_terminal_of_another_version_is_named() -> None:
    client, _ = make(versions=(4,))
    with pytest.raises(RemoteProtocolError) as caught:
        client.connect()
    assert caught.value.code == "VERSION_MISMATCH"
    assert caught.value.message == (
        "the terminal speaks fiscal-link version 4; this tool speaks version 3"
    )


def test_the_client_cannot_be_made_to_send_out_of_turn() -> None:
    client, _ = make()
    with pytest.raises(LocalProtocolError, match="SEND_REQUEST is not allowed in state IDLE"):
        client.identify()
    client.protocol.send(Hello())
    with pytest.raises(LocalProtocolError):
        client.protocol.send(GetHeadStatement(1, NONCE))


def test_a_terminal_of_version_1_is_spoken_to_in_version_1() -> None:
    source = MemorySource()
    client, _ = make(source, versions=(1,))
    client.connect()
    assert client.protocol.version == 1 and client.window == 1
    assert client.identify().last_seq == len(source.stored)
    client.ask_records(1, 5)
    assert client.records().records == source.stored[:5]
    assert [e.code for e in client.errors] == []


def test_pipelined_reads_come_back_in_the_order_asked() -> None:
    source = MemorySource()
    client, _ = make(source)
    client.connect()
    assert client.window == 4
    for start in (1, 11, 21, 31):
        client.ask_records(start, 10)
    assert client.asked == 4
    batches = [client.records() for _ in range(4)]
    assert [b.from_seq for b in batches] == [1, 11, 21, 31]
    assert [r for b in batches for r in b.records] == source.stored[:40]
    assert client.asked == 0


def test_a_dump_with_replies_cut_by_size_asks_for_the_gaps_and_copies_in_order(
    tmp_path: Path,
) -> None:
    # Records of uneven sizes: replies of 2,000 bytes carry more or fewer of them.
    records = [
        b"\x8a\x01\x01" + cbor2.dumps(seq) + bytes(40 + seq * 37 % 300) for seq in range(1, 201)
    ]
    harness = Harness(MemorySource(records), reply_bytes=2000, versions=(1, 2))
    clock = [0.0]
    client = LinkClient(ServicePort(harness, clock), timeout_s=0.5, clock=lambda: clock[0])
    outcome = dump(client, tmp_path / "copy", None, NONCE, io.StringIO())
    assert client.protocol.version == 2
    assert (outcome.first, outcome.last, outcome.findings) == (1, 200, [])
    data = b"".join(s.data for s in load_dump(tmp_path / "copy").segments)
    assert data == b"".join(frame(r) for r in records)
    asked = [c for c in harness.source.calls if c[0] == "records"]
    per_request = asked[1][2]  # each Source call asks one more record than the request
    assert any(count < per_request for _, _, count in asked[1:]), "no gap was asked for"
    assert client.retries == 0


def test_a_version_3_dump_asks_what_an_answer_carries_and_the_gaps(tmp_path: Path) -> None:
    # Segments of 33 kB, then of 40 kB and more: answers of 70,000 bytes carry three of the
    # first ones (which the first answer tells), two of the others (a gap of one each time).
    sizes = [3000 if seq <= 40 else 20_000 for seq in range(1, 201)]
    records = [b"\x8a\x01\x01" + cbor2.dumps(seq) + bytes(n) for seq, n in enumerate(sizes, 1)]
    harness = Harness(MemorySource(records), frames_bytes=70_000)
    clock = [0.0]
    client = LinkClient(ServicePort(harness, clock), timeout_s=0.5, clock=lambda: clock[0])
    outcome = dump(client, tmp_path / "copy", None, NONCE, io.StringIO())
    assert client.protocol.version == 3
    assert (outcome.first, outcome.last, outcome.findings) == (1, 200, [])
    copied = [s.data for s in load_dump(tmp_path / "copy").segments]
    assert copied == segments_of(records) and len(copied) > 16
    asked = [c[3] for c in harness.source.calls if c[0] == "segments"]
    assert asked[:3] == [8, 3, 3]  # the first alone, then what it carried
    assert 1 in asked, "no gap was asked for"
    assert not [c for c in harness.source.calls if c[0] == "records"]
    assert client.retries == 0
