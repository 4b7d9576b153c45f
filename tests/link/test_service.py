"""LinkService: bounded work per poll, and nothing the Source or the port does makes it raise."""

from __future__ import annotations

from typing import Any

import pytest

from firmware.link import errors
from firmware.link.framing import encode_frame
from firmware.link.messages import (
    ErrorReply,
    GetHeadStatement,
    Hello,
    Identification,
    Identify,
    ListArchives,
    ReadArchive,
    ReadRecords,
    ReadSegments,
    RecordBatch,
    SegmentData,
    ServerHello,
    StoredSegments,
    TerminalInfo,
)
from firmware.link.service import LinkService, PortFailed
from tests.link.doubles import Harness, MemorySource, drain, messages, segments_of


def requests(*items: Any) -> bytes:
    return b"".join(encode_frame(item.encode()) for item in items)


def test_one_request_per_poll_even_when_several_are_waiting() -> None:
    link = Harness()
    link.inject(requests(Hello(), Identify(1), ReadRecords(2, 1, 1)))
    link.poll(1)
    assert link.source.calls == [("identify",)]
    link.poll(1)
    assert link.source.calls == [("identify",), ("records", 1, 2)]
    assert [type(m) for m in messages(link.wire())] == [ServerHello, TerminalInfo, RecordBatch]


def test_writes_are_cut_to_the_budget_and_requests_wait_for_them() -> None:
    link = Harness(MemorySource([b"\x8a" * 1000] * 20), write_bytes=1000, reply_bytes=10_000)
    link.inject(requests(Hello(), ReadRecords(1, 1, 20), Identify(2)))
    link.poll(1)
    written = [len(link.terminal_end.written)]
    while link.service.busy:
        assert ("identify",) not in link.source.calls  # the next request waits its turn
        link.poll(1)
        written.append(len(link.terminal_end.written))
    steps = [b - a for a, b in zip([0, *written], written, strict=False)]
    assert max(steps) == 1000 and len(steps) >= 9
    link.poll(1)
    welcome, batch, info = messages(link.wire())
    assert isinstance(welcome, ServerHello)
    assert isinstance(batch, RecordBatch) and len(batch.records) == 9 and batch.more
    assert isinstance(info, TerminalInfo)


def test_a_bulk_reply_is_written_in_budgets_and_a_piece_that_fits_is_not_copied() -> None:
    records = [bytes([0x8A, 1, 1, n % 24]) + bytes(300) for n in range(300)]
    link = Harness(MemorySource(records), write_bytes=20_000)
    written: list[bytes] = []
    write = link.terminal_end.write
    link.terminal_end.write = lambda data: written.append(data) or write(data)  # type: ignore
    link.hello()
    written.clear()
    link.send(ReadSegments(1, 1, 0, 8))
    link.poll(1)
    polls = [len(written)]
    while link.service.busy:
        link.poll(1)
        polls.append(len(written))
    sizes = [sum(map(len, written[a:b])) for a, b in zip([0, *polls], polls, strict=False)]
    assert max(sizes) == 20_000 and len(sizes) == -(-sum(sizes) // 20_000)  # budgets, filled
    (reply,) = link.exchange(1)
    assert isinstance(reply, SegmentData)
    assert reply.data == b"".join(segments_of(records)) == b"".join(written[1:])
    whole = Harness(MemorySource(records), write_bytes=1 << 20)
    written = []
    write = whole.terminal_end.write
    whole.terminal_end.write = lambda data: written.append(data) or write(data)  # type: ignore
    whole.hello()
    source = whole.service.source
    served = source.segments(1, 0, 8, 1 << 20)
    source.segments = lambda *args: served  # type: ignore[method-assign]
    written.clear()
    whole.send(ReadSegments(1, 1, 0, 8))
    whole.poll(1)
    header, raw = written  # the header's frame, then the raw part: the Source's own bytes
    assert header[:2] == b"\x00\x02" and raw is served.data  # bulk mark 0xff, COBS-coded
    pieces = segments_of(records)[:3]  # a Source that gives the segments as it read them
    source.segments = lambda *args: StoredSegments([len(p) for p in pieces], 3, pieces=pieces)  # type: ignore[method-assign]
    written.clear()
    whole.send(ReadSegments(2, 1, 0, 3))
    whole.poll(1)
    assert written[1:] == pieces and all(a is b for a, b in zip(written[1:], pieces, strict=True))
    whole.client.receive_data(whole.wire())
    *_, reply = [e for e in drain(whole.client) if isinstance(e, SegmentData)]  # request 2's
    assert reply.data == b"".join(pieces) and reply.segments.lengths == [len(p) for p in pieces]


def bad_key() -> Identification:
    info = MemorySource().identify()
    info.public_key = b"short"
    return info


def flash_error(*args: object) -> Any:
    raise OSError("flash read error")


@pytest.mark.parametrize(
    "method, broken, asked, text",
    [
        ("identify", flash_error, Identify(1), "OSError: flash read error"),
        ("identify", bad_key, Identify(1), "malformed answer: public key must be 32..32 bytes"),
        ("records", flash_error, ReadRecords(1, 1, 5), "OSError: flash read error"),
        ("records", lambda *a: ["text"], ReadRecords(1, 1, 5), "a stored record of a wrong size"),
        ("records", lambda *a: [b""], ReadRecords(1, 1, 5), "a stored record of a wrong size"),
        (
            "head_statement",
            lambda n: b"",
            GetHeadStatement(1, bytes(16)),
            "head statement of a wrong size",
        ),
        (
            "head_statement",
            lambda n: b"x" * 20_000,
            GetHeadStatement(1, bytes(16)),
            "head statement of a wrong size",
        ),
        (
            "archives",
            lambda: [("../passwd", 3)],
            ListArchives(1),
            "malformed answer: archive name '../passwd' is not a plain file name",
        ),
        (
            "archives",
            lambda: [("a", 1), ("a", 2)],
            ListArchives(1),
            "malformed answer: archives must be in name order, once each",
        ),
        (
            "read_archive",
            lambda *a: b"x" * 11,
            ReadArchive(1, "2025-10.zip", 0, 10),
            "archive read of a wrong size",
        ),
    ],
)
def test_a_failing_source_is_an_error_reply_never_an_exception(
    method: str, broken: Any, asked: Any, text: str
) -> None:
    source = MemorySource()
    setattr(source, method, broken)
    link = Harness(source)
    link.hello()
    link.send(asked)
    assert link.exchange() == [ErrorReply(1, errors.SOURCE_FAILED, text)]
    link.send(Identify(2))  # and the link goes on
    (reply,) = link.exchange()
    assert isinstance(reply, TerminalInfo) or method == "identify"


def test_archive_requests_are_checked_against_the_list() -> None:
    link = Harness()
    link.hello()
    link.send(ReadArchive(1, "missing.zip", 0, 10))
    assert link.exchange() == [ErrorReply(1, errors.NO_SUCH_ARCHIVE, "missing.zip")]
    link.send(ReadArchive(2, "2025-10.zip", 2561, 10))
    assert link.exchange() == [
        ErrorReply(2, errors.BAD_ARGUMENT, "offset past the end of 2025-10.zip")
    ]
    link.send(ReadArchive(3, "empty.zip", 0, 10))
    (chunk,) = link.exchange()
    assert getattr(chunk, "data", None) == b""
    assert ("archive", "empty.zip", 0, 0) not in link.source.calls


def test_a_flood_of_small_frames_is_read_only_as_fast_as_it_is_handled() -> None:
    link = Harness()
    frame = encode_frame(bytes([0x82, 0x18, 40, 0x01]))  # [40, 1]: an unknown request
    link.inject(frame * 300)
    most = 0
    for _ in range(60):
        link.poll(1)
        most = max(most, link.service.server.pending)
    assert most <= 1024 // len(frame) + 1
    refusals = messages(link.wire())
    assert len(refusals) == 300 and all(getattr(r, "code", 0) == 3 for r in refusals)


class BrokenPort:
    def __init__(self) -> None:
        self.reads = 0

    def read(self, max_bytes: int) -> bytes:
        self.reads += 1
        raise OSError(5, "Input/output error")

    def write(self, data: bytes) -> None:
        raise OSError(5, "Input/output error")

    def close(self) -> None:
        pass


def test_a_failing_port_is_an_event_and_the_next_poll_tries_again() -> None:
    port = BrokenPort()
    service = LinkService(port, MemorySource())
    (event,) = service.poll()
    assert isinstance(event, PortFailed) and "Input/output error" in event.message
    service.poll()
    assert port.reads == 2
