"""Client and server through an in-memory pipe: the happy path, retries, and every error."""

from __future__ import annotations

from collections.abc import Callable

import cbor2
import pytest

from firmware.link import errors, state
from firmware.link.errors import LocalProtocolError, RemoteProtocolError
from firmware.link.framing import Dropped, encode_bulk, encode_frame
from firmware.link.messages import (
    ArchiveChunk,
    ArchiveList,
    ErrorReply,
    GetHeadStatement,
    HeadStatement,
    Hello,
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
from firmware.link.protocol import NEED_DATA, PAUSED, Client, Server
from tests.link.doubles import (
    IDENTITY,
    Harness,
    MemorySource,
    drain,
    messages,
    segments_of,
)

NONCE = bytes(range(32))


@pytest.fixture
def link() -> Harness:
    harness = Harness()
    harness.hello()
    return harness


def test_a_whole_session(link: Harness) -> None:
    link.send(Identify(1))
    (info,) = link.exchange()
    assert isinstance(info, TerminalInfo)
    assert info.identification.identity == IDENTITY and info.identification.last_seq == 100
    link.send(ReadRecords(2, 1, 30))
    (batch,) = link.exchange()
    assert batch == RecordBatch(2, 1, link.source.stored[:30], True)
    link.send(ReadRecords(3, 91, 30))
    assert link.exchange() == [RecordBatch(3, 91, link.source.stored[90:], False)]
    link.send(ReadRecords(4, 101, 5))
    assert link.exchange() == [RecordBatch(4, 101, [], False)]
    link.send(GetHeadStatement(5, NONCE))
    assert link.exchange() == [HeadStatement(5, b"HEAD\x00\x00\x00\x64" + NONCE)]
    link.send(ListArchives(6))
    assert link.exchange() == [ArchiveList(6, [("2025-10.zip", 2560), ("empty.zip", 0)])]
    link.send(ReadArchive(7, "2025-10.zip", 2500, 1000))
    assert link.exchange() == [ArchiveChunk(7, "2025-10.zip", 2500, bytes(range(196, 256)))]
    assert link.client.state == state.READY and link.service.server.state == state.READY
    assert [type(e).__name__ for e in link.served] == [
        "Hello",
        "Identify",
        "ReadRecords",
        "ReadRecords",
        "ReadRecords",
        "GetHeadStatement",
        "ListArchives",
        "ReadArchive",
    ]


def test_records_are_cut_by_size_but_never_below_one() -> None:
    link = Harness(MemorySource([b"\x8a" * 700] * 10), reply_bytes=2000)
    link.hello()
    link.send(ReadRecords(1, 1, 10))
    (batch,) = link.exchange()
    assert isinstance(batch, RecordBatch) and len(batch.records) == 2 and batch.more
    big = Harness(MemorySource([b"\x8a" * 65535, b"\x8a"]), reply_bytes=1000)
    big.hello()
    big.send(ReadRecords(1, 1, 10))
    (batch,) = big.exchange(times=10)
    assert isinstance(batch, RecordBatch) and batch.records == [b"\x8a" * 65535] and batch.more


@pytest.mark.parametrize("server_version", [4, 0])
def test_version_mismatch_names_both_versions_on_both_sides(server_version: int) -> None:
    link = Harness(versions=(server_version,))
    link.send(Hello())
    (event,) = link.exchange()
    assert isinstance(event, RemoteProtocolError) and event.code == "VERSION_MISMATCH"
    assert f"version {server_version}" in event.message and "version 3" in event.message
    assert link.client.state == state.FAILED
    with pytest.raises(LocalProtocolError):
        link.client.send(Identify(1))
    (seen,) = link.served
    assert isinstance(seen, RemoteProtocolError) and seen.code == "VERSION_MISMATCH"
    assert link.service.server.state == state.IDLE
    link.inject(encode_frame(Identify(1).encode()))
    link.poll()
    assert messages(link.wire()) == [ErrorReply(1, errors.NOT_READY, "send HELLO first")]
    assert link.source.calls == []


def test_another_protocol_is_named() -> None:
    link = Harness()
    link.inject(encode_frame(Hello("modbus", 1).encode()))
    link.poll()
    (seen,) = link.served
    assert isinstance(seen, RemoteProtocolError) and seen.code == "WRONG_PROTOCOL"
    assert "'modbus'" in seen.message


def test_a_retry_gets_the_same_answer_without_running_the_request_again(link: Harness) -> None:
    first = link.send(GetHeadStatement(1, NONCE))
    link.poll()
    lost = link.wire()  # the answer is lost on the way
    link.client.retry()
    assert link.inject(link.client.data_to_send()) == first
    (answer,) = link.exchange()
    assert isinstance(answer, HeadStatement)
    assert encode_frame(answer.encode()) == lost
    assert link.source.calls == [("head", NONCE)]
    assert link.service.requests == 1


def test_late_duplicate_answers_are_dropped_silently(link: Harness) -> None:
    link.send(ReadRecords(1, 1, 3))
    link.client.retry()
    link.inject(link.client.data_to_send())
    link.client.retry()
    link.inject(link.client.data_to_send())
    events = link.exchange(times=6)
    assert events == [RecordBatch(1, 1, link.source.stored[:3], True)]
    assert [c for c in link.source.calls if c[0] == "records"] == [("records", 1, 4)]
    link.send(Identify(2))
    assert [type(e) for e in link.exchange()] == [TerminalInfo]


def test_same_id_other_request_is_refused(link: Harness) -> None:
    link.send(ReadRecords(1, 1, 3))
    link.exchange()
    link.inject(encode_frame(ReadRecords(1, 50, 3).encode()))
    link.poll()
    assert messages(link.wire()) == [ErrorReply(1, errors.ID_REUSED, "id of a recent request")]
    assert isinstance(link.served[-1], RemoteProtocolError) and link.served[-1].code == "ID_REUSED"


def test_a_hello_starts_a_new_session_and_forgets_the_last_answer(link: Harness) -> None:
    link.send(Identify(1))
    link.exchange()
    link.client = Client()  # the tool restarted
    link.hello()
    link.send(Identify(1))
    assert [type(e) for e in link.exchange()] == [TerminalInfo]
    assert link.source.calls == [("identify",), ("identify",)]


def test_a_restarted_terminal_sends_the_client_back_to_the_handshake(link: Harness) -> None:
    restarted = Harness(link.source)
    restarted.client = link.client
    restarted.send(Identify(1))
    (refusal,) = restarted.exchange()
    assert refusal == ErrorReply(1, errors.NOT_READY, "send HELLO first")
    assert restarted.client.state == state.IDLE
    restarted.hello()
    restarted.send(Identify(2))
    assert [type(e) for e in restarted.exchange()] == [TerminalInfo]


def frame_of(items: list[object]) -> bytes:
    return encode_frame(cbor2.dumps(items, canonical=True))


@pytest.mark.parametrize(
    "data, code, reply",
    [
        (b"\x13\x37garbage\x00", "TRUNCATED", ErrorReply(0, errors.BAD_FRAME, "TRUNCATED")),
        (
            encode_frame(Identify(1).encode())[:-3] + b"\x00",
            "TRUNCATED",
            ErrorReply(0, 1, "TRUNCATED"),
        ),
        (
            encode_frame(Identify(1).encode()).replace(b"\x04", b"\x06"),
            "BAD_CRC",
            ErrorReply(0, 1, "BAD_CRC"),
        ),
        (encode_frame(b"\x82" + b"\x04" * 600, 1000), "OVERSIZED", ErrorReply(0, 1, "OVERSIZED")),
        (
            frame_of([40, 9]),
            "UNKNOWN_MESSAGE",
            ErrorReply(9, errors.UNKNOWN_MESSAGE, "message type 40 is unknown"),
        ),
        (
            frame_of([6, 9, 0, 1]),
            "BAD_MESSAGE",
            ErrorReply(
                9, errors.BAD_MESSAGE, "from_seq must be an integer in 1..18446744073709551615"
            ),
        ),
        (
            encode_frame(b"\xff"),
            "BAD_MESSAGE",
            ErrorReply(0, errors.BAD_MESSAGE, "not CBOR (CBORDecodeError)"),
        ),
        (frame_of([41, 9]), "UNKNOWN_MESSAGE", None),  # an odd type: never answered
        (encode_frame(ServerHello().encode()), "UNEXPECTED_MESSAGE", None),  # an echo
        (encode_frame(ErrorReply(0, 1, "x").encode()), "UNEXPECTED_MESSAGE", None),
    ],
    ids=[
        "garbage",
        "truncated",
        "bad-crc",
        "oversized",
        "unknown-type",
        "bad-field",
        "not-cbor",
        "odd-type",
        "echo-hello",
        "echo-error",
    ],
)
def test_what_the_inspector_gets_wrong_is_answered_and_changes_nothing(
    link: Harness, data: bytes, code: str, reply: ErrorReply | None
) -> None:
    link.inject(data)
    link.poll()
    (seen,) = link.served[1:]
    assert isinstance(seen, RemoteProtocolError) and seen.code == code
    assert messages(link.wire()) == ([reply] if reply else [])
    assert link.service.server.state == state.READY and link.source.calls == []
    link.send(Identify(1))  # the link still works
    assert [type(e) for e in link.exchange()] == [TerminalInfo]


def test_the_client_reports_a_damaged_frame_and_stays_waiting(link: Harness) -> None:
    link.client.send(Identify(1))
    wire = link.client.data_to_send()
    link.inject(wire[:-5] + b"\x00")  # the request is cut: the terminal answers BAD_FRAME
    (refusal,) = link.exchange()
    assert refusal == ErrorReply(0, errors.BAD_FRAME, "TRUNCATED")
    assert link.client.state == state.WAITING
    link.client.retry()
    link.inject(link.client.data_to_send())
    assert [type(e) for e in link.exchange()] == [TerminalInfo]


def test_what_the_terminal_gets_wrong_is_reported_to_the_client(link: Harness) -> None:
    client = link.client
    client.send(ReadRecords(1, 5, 2))
    client.data_to_send()
    bad = [
        b"noise\x00",
        encode_frame(RecordBatch(1, 6, [b"\x8a"], False).encode()),  # another range
        encode_frame(RecordBatch(1, 5, [b"\x8a"] * 3, False).encode()),  # more than asked
        encode_frame(RecordBatch(1, 5, [], True).encode()),  # nothing, yet more
        encode_frame(HeadStatement(1, b"x").encode()),  # another type
        encode_frame(RecordBatch(2, 5, [b"\x8a"], False).encode()),  # an id never sent
        encode_frame(Identify(1).encode()),  # a request, from the terminal
        frame_of([7, 1, 5, [b"\x8a"], 2]),  # more = 2
    ]
    client.receive_data(b"".join(bad))
    events = drain(client)
    assert [e.code for e in events if isinstance(e, RemoteProtocolError)] == [
        "TRUNCATED",
        "BAD_REPLY",
        "BAD_REPLY",
        "BAD_REPLY",
        "BAD_REPLY",
        "UNEXPECTED_MESSAGE",
        "UNEXPECTED_MESSAGE",
        "BAD_MESSAGE",
    ]
    assert len(events) == len(bad) and client.state == state.WAITING
    client.receive_data(encode_frame(RecordBatch(1, 5, [b"\x8a"], False).encode()))
    assert drain(client) == [RecordBatch(1, 5, [b"\x8a"], False)]


def test_the_client_refuses_what_the_state_table_forbids() -> None:
    client = Client()
    cases: list[tuple[Callable[[], None], str]] = [
        (lambda: client.send(Identify(1)), "BAD_STATE"),  # before HELLO
        (client.retry, "BAD_STATE"),  # nothing outstanding
        (lambda: client.send(ServerHello()), "NOT_A_REQUEST"),
        (lambda: client.send(Identify(5)), "WRONG_ID"),
        (lambda: client.send(GetHeadStatement(1, b"x" * 600)), "FRAME_TOO_LARGE"),
    ]
    for action, code in cases:
        with pytest.raises(LocalProtocolError) as caught:
            action()
        assert caught.value.code == code
        assert client.state == state.IDLE and client.data_to_send() == b""
    client.send(Hello())
    client.receive_data(encode_frame(ServerHello().encode()))
    assert drain(client) == [ServerHello()]
    client.send(Identify(1))
    with pytest.raises(LocalProtocolError, match="SEND_REQUEST is not allowed in state WAITING"):
        client.send(Identify(2))


def test_the_server_refuses_what_the_state_table_forbids() -> None:
    server = Server()
    with pytest.raises(LocalProtocolError, match="no request"):
        server.send(TerminalInfo(1, MemorySource().identify()))
    server.receive_data(
        encode_frame(Hello().encode()) + encode_frame(ReadRecords(1, 1, 1).encode())
    )
    assert server.next_event() == Hello()
    assert server.next_event() == ReadRecords(1, 1, 1)
    assert server.next_event() is PAUSED and server.state == state.SERVING
    for reply, code in [
        (RecordBatch(2, 1, [], False), "WRONG_ID"),
        (HeadStatement(1, b"x"), "WRONG_REPLY"),
        (RecordBatch(1, 1, [b"\x8a" * 65535, b"\x8a" * 65535], False), "FRAME_TOO_LARGE"),
    ]:
        with pytest.raises(LocalProtocolError) as caught:
            server.send(reply)
        assert caught.value.code == code and server.state == state.SERVING
    server.send(ErrorReply(1, errors.SOURCE_FAILED, "flash"))
    assert server.state == state.READY and server.next_event() is NEED_DATA
    assert messages(server.data_to_send())[-1] == ErrorReply(1, errors.SOURCE_FAILED, "flash")


def test_dropped_chunks_map_to_error_events() -> None:
    client = Client()
    client.receive_data(b"\x01\x02\x03\x00")
    (event,) = drain(client)
    assert event == RemoteProtocolError(
        "TRUNCATED", "dropped 3 bytes: a frame cut short, or garbage"
    )
    assert isinstance(Dropped("BAD_CRC", 1), Dropped)


def test_version_2_pipelines_read_records_and_answers_them_in_order(link: Harness) -> None:
    for rid in range(1, 5):  # WINDOW requests at once
        link.send(ReadRecords(rid, 1 + (rid - 1) * 10, 10))
    assert link.client.state == state.WAITING and link.client.outstanding == 4
    with pytest.raises(LocalProtocolError, match="SEND_REQUEST is not allowed in state WAITING"):
        link.client.send(ReadRecords(5, 41, 10))  # beyond the window
    events = link.exchange(times=8)
    stored = link.source.stored
    assert events == [
        RecordBatch(r, 1 + (r - 1) * 10, stored[(r - 1) * 10 : r * 10], True) for r in range(1, 5)
    ]
    assert link.client.state == state.READY and link.client.outstanding == 0


def test_only_read_records_are_pipelined(link: Harness) -> None:
    link.send(ReadRecords(1, 1, 10))
    for request in (Identify(2), GetHeadStatement(2, NONCE), ListArchives(2)):
        with pytest.raises(LocalProtocolError, match="not allowed in state WAITING"):
            link.client.send(request)
    link.exchange()
    link.send(Identify(2))
    with pytest.raises(LocalProtocolError, match="not allowed in state WAITING"):
        link.client.send(ReadRecords(3, 1, 10))  # nor behind another request
    assert link.client.outstanding == 1


def test_a_retry_resends_every_outstanding_request_and_none_runs_twice(link: Harness) -> None:
    sent = b"".join(link.send(ReadRecords(rid, rid * 10, 10)) for rid in (1, 2, 3))
    link.poll(8)
    lost = link.wire()  # the three answers are lost on the way
    link.client.retry()
    assert link.inject(link.client.data_to_send()) == sent  # the same bytes, oldest first
    events = link.exchange(times=8)
    assert [e.request_id for e in events if isinstance(e, RecordBatch)] == [1, 2, 3]
    assert b"".join(encode_frame(e.encode()) for e in events) == lost
    assert len([c for c in link.source.calls if c[0] == "records"]) == 3
    assert link.client.state == state.READY


def test_answers_matched_by_id_whatever_their_order(link: Harness) -> None:
    link.send(ReadRecords(1, 1, 2))
    link.send(ReadRecords(2, 3, 2))
    stored = link.source.stored
    second = RecordBatch(2, 3, stored[2:4], True)
    link.client.receive_data(encode_frame(second.encode()))  # the first one's was damaged
    assert drain(link.client) == [second]
    assert link.client.state == state.WAITING and link.client.outstanding == 1
    first = RecordBatch(1, 1, stored[:2], True)
    link.client.receive_data(encode_frame(first.encode()) + encode_frame(second.encode()))
    assert drain(link.client) == [first]  # the retry's second answer is dropped
    assert link.client.state == state.READY


def test_a_version_1_session_keeps_one_answer_and_is_not_pipelined() -> None:
    link = Harness()
    link.client = Client(version=1)
    link.send(Hello(version=1))
    assert link.exchange() == [ServerHello(version=1)]
    assert link.service.server.session_version == 1
    link.send(ReadRecords(1, 1, 3))
    with pytest.raises(LocalProtocolError, match="not allowed in state WAITING"):
        link.client.send(ReadRecords(2, 4, 3))
    link.exchange()
    link.send(ReadRecords(2, 4, 3))
    link.exchange()
    link.inject(encode_frame(ReadRecords(1, 1, 3).encode()))  # no longer kept: served again
    link.poll()
    assert messages(link.wire()) == [RecordBatch(1, 1, link.source.stored[:3], True)]
    assert len([c for c in link.source.calls if c[0] == "records"]) == 3


def test_a_terminal_of_both_versions_answers_each_in_its_own() -> None:
    server = Server()
    for version in (1, 2, 3):
        server.receive_data(encode_frame(Hello(version=version).encode()))
        assert server.next_event() == Hello(version=version)
        assert messages(server.data_to_send()) == [ServerHello(version=version)]
        assert server.state == state.READY and server.session_version == version
    server.receive_data(encode_frame(Hello(version=7).encode()))
    event = server.next_event()
    assert isinstance(event, RemoteProtocolError) and event.code == "VERSION_MISMATCH"
    assert messages(server.data_to_send()) == [ServerHello(version=3)]
    assert server.state == state.IDLE


# Version 3: READ_SEGMENTS and its bulk reply.


def big_records() -> MemorySource:
    return MemorySource([bytes([0x8A, n % 256]) * 700 for n in range(1, 201)])  # 9 segments


def test_version_3_sends_segments_raw_after_a_header_and_pipelines_them() -> None:
    link = Harness(big_records())
    link.hello()
    segments = segments_of(link.source.stored)
    link.send(ReadSegments(1, 1, 100, 2))
    link.send(ReadSegments(2, 3, 0, 8))
    events = link.exchange(times=20)  # written 16 KiB per poll, keys between
    assert [type(e) for e in events] == [SegmentData, SegmentData]
    first, rest = events
    assert isinstance(first, SegmentData) and isinstance(rest, SegmentData)
    assert first.segments.lengths == [len(segments[0]) - 100, len(segments[1])]
    assert first.data == segments[0][100:] + segments[1] and first.segments.last == len(segments)
    assert rest.data == b"".join(segments[2:]) and rest.segments.lengths == [
        len(s) for s in segments[2:]
    ]
    assert link.client.state == state.READY


def test_a_retried_read_segments_is_answered_with_the_same_bytes_without_reading_again() -> None:
    link = Harness(big_records())
    link.hello()
    sent = link.send(ReadSegments(1, 2, 0, 3))
    link.poll(20)
    lost = link.wire()
    assert lost.endswith(b"".join(segments_of(link.source.stored)[1:4]))  # raw, as stored
    link.client.retry()
    assert link.inject(link.client.data_to_send()) == sent
    link.poll(20)
    assert link.wire() == lost
    assert len([c for c in link.source.calls if c[0] == "segments"]) == 1


def test_past_the_last_segment_there_is_nothing_and_an_offset_past_the_end_is_refused() -> None:
    link = Harness(big_records())
    link.hello()
    link.send(ReadSegments(1, 10, 0, 8))
    (past,) = link.exchange()
    assert isinstance(past, SegmentData) and past.segments.lengths == [] and past.data == b""
    link.send(ReadSegments(2, 9, 60000, 8))
    (refused,) = link.exchange()
    assert isinstance(refused, ErrorReply) and refused.code == errors.SOURCE_FAILED


def test_read_segments_is_unknown_to_a_version_2_session() -> None:
    link = Harness()
    link.client = Client(version=2)
    link.send(Hello(version=2))
    assert link.exchange() == [ServerHello(version=2)]
    with pytest.raises(LocalProtocolError, match="needs version 3"):
        link.client.send(ReadSegments(1, 1, 0, 8))
    link.inject(encode_frame(ReadSegments(1, 1, 0, 8).encode()))  # an older tool's mistake
    link.poll()
    (answer,) = messages(link.wire())
    assert answer == ErrorReply(1, errors.UNKNOWN_MESSAGE, "ReadSegments needs version 3")
    assert link.source.calls == []


def test_the_client_wants_segments_with_their_raw_part_and_nothing_else_with_one() -> None:
    client = Client()
    client.send(Hello())
    client.receive_data(encode_frame(ServerHello().encode()))
    assert drain(client) == [ServerHello()]
    client.send(ReadSegments(1, 1, 0, 8))
    reply = SegmentData(1, 1, 0, StoredSegments([3], 1, b"abc"))
    client.receive_data(encode_frame(reply.encode()))  # the header without a raw part
    client.receive_data(encode_bulk(Identify(1).encode(), b"abc"))  # a raw part on another
    events = drain(client)
    assert [e.code for e in events if isinstance(e, RemoteProtocolError)] == [
        "BAD_MESSAGE",
        "BAD_MESSAGE",
    ]
    client.receive_data(encode_bulk(reply.encode(), b"abd"[:2]))  # lengths not adding up
    (wrong,) = drain(client)
    assert isinstance(wrong, RemoteProtocolError) and wrong.code == "BAD_REPLY"
    client.receive_data(encode_bulk(reply.encode(), b"abc"))
    (good,) = drain(client)
    assert good == SegmentData(1, 1, 0, StoredSegments([3], 1, b"abc"))
    assert client.state == state.READY
