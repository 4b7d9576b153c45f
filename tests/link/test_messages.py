"""Link messages: exact bytes, round trips, and a strict decoder."""

from __future__ import annotations

import cbor2
import pytest

from firmware.link import errors
from firmware.link.messages import (
    MESSAGES,
    ArchiveChunk,
    ArchiveList,
    ErrorReply,
    GetHeadStatement,
    HeadStatement,
    Hello,
    Identification,
    Identify,
    ListArchives,
    Message,
    ReadArchive,
    ReadRecords,
    ReadSegments,
    RecordBatch,
    Reply,
    Request,
    SegmentData,
    ServerHello,
    StoredSegments,
    TerminalInfo,
    Undecodable,
    decode,
)

INFO = Identification("DEMO-0001", "FiscalTerm 0.1.0", bytes(32), [(8, 7), (1, 6)], 13, b"\x84id")
EVERY_MESSAGE: list[Message] = [
    Hello(),
    ServerHello("fiscal-link", 1),
    ErrorReply(0, errors.BAD_FRAME, "BAD_CRC"),
    Identify(1),
    TerminalInfo(1, INFO),
    ReadRecords(2, 1, 500),
    RecordBatch(2, 1, [b"\x8a\x01", b"\x00" * 300], True),
    GetHeadStatement(3, bytes(range(32))),
    HeadStatement(3, b"statement"),
    ListArchives(4),
    ArchiveList(4, [("2025-11.zip", 22), ("2025-10.zip", 76800)]),
    ReadArchive(5, "2025-10.zip", 32768, 32768),
    ArchiveChunk(5, "2025-10.zip", 32768, b"PK"),
    ReadSegments(6, 3, 100, 8),
    SegmentData(6, 3, 100, StoredSegments([0, 5], 4, b"")),
]


@pytest.mark.parametrize("message", EVERY_MESSAGE, ids=lambda m: type(m).__name__)
def test_every_message_round_trips(message: Message) -> None:
    assert decode(message.encode()) == message


def test_every_type_is_covered_and_the_parity_rule_holds() -> None:
    assert {type(m).TYPE for m in EVERY_MESSAGE} == set(MESSAGES)
    for cls, _ in MESSAGES.values():
        if issubclass(cls, Request) or cls is Hello:
            assert cls.TYPE % 2 == 0, cls  # the inspector sends even types
        else:
            assert issubclass(cls, Reply) or cls is ServerHello
            assert cls.TYPE % 2 == 1, cls  # the terminal odd ones
    for request in (Identify, ReadRecords, GetHeadStatement, ListArchives, ReadArchive):
        assert MESSAGES[request.TYPE + 1][0].__mro__[1] is Reply


def test_exact_bytes_of_the_handshake_and_a_read() -> None:
    # docs/LINK.md §2 shows these bytes.
    assert Hello().encode().hex() == "83026b66697363616c2d6c696e6b03"
    assert Hello(version=2).encode().hex() == "83026b66697363616c2d6c696e6b02"
    assert Hello(version=1).encode().hex() == "83026b66697363616c2d6c696e6b01"
    assert ReadRecords(7, 1, 500).encode().hex() == "840607011901f4"
    assert RecordBatch(7, 1, [b"\xaa"], False).encode().hex() == "850707018141aa00"
    assert ErrorReply(7, errors.NO_SUCH_ARCHIVE, "x").encode().hex() == "84010707" + "6178"


def test_counts_and_archives_are_sent_in_order() -> None:
    assert TerminalInfo(1, INFO).fields()[4] == [[1, 6], [8, 7]]
    assert ArchiveList(1, [("b", 1), ("a", 2)]).archives == [("a", 2), ("b", 1)]


def refused(payload: bytes) -> Undecodable:
    with pytest.raises(Undecodable) as caught:
        decode(payload)
    return caught.value


@pytest.mark.parametrize(
    "payload, why",
    [
        (b"\x84\x06\x07\x01\x19\x01\xf4\x00", "trailing"),
        (b"\x84\x06\x07\x01\x19\x00\x05", "not in canonical"),  # 5 on two bytes
        (b"\x9f\x04\x01\xff", "not CBOR"),  # indefinite length
        (b"\x82\x04\xf5", "a bool is not allowed"),  # true as the id
        (b"\x82\x04\xf9\x3c\x00", "not allowed"),  # a float
        (b"\x82\x04\xc1\x01", "not allowed"),  # a tag
        (b"\xa1\x01\x02", "not a non-empty CBOR array"),  # a map
        (b"\x80", "not a non-empty CBOR array"),
        (b"\x83\x04\x01\x02", "has 1 fields"),
        (b"\x82\x04\x00", "request id must be"),  # id 0 is reserved
        (b"\x84\x06\x01\x00\x01", "from_seq must be"),
        (b"\x83\x08\x01\x41\x00", "nonce must be 16..64"),
        (b"\x85\x0c\x01\x63../\x00\x01", "not a plain file name"),
        (b"\x85\x0c\x01\x64.zip\x00\x01", "not a plain file name"),
        (b"\x81" + b"\x81" * 5 + b"\x01", "not CBOR"),  # nested too deep for cbor2's limit
    ],
)
def test_strict_decoding_refuses(payload: bytes, why: str) -> None:
    error = refused(payload)
    assert error.code == errors.BAD_MESSAGE
    assert why in error.text


def test_deep_nesting_within_cbor2_limits_is_refused_by_our_own() -> None:
    error = refused(cbor2.dumps([4, [[[[1]]]]]))
    assert error.code == errors.BAD_MESSAGE and "too deep" in error.text


def test_unknown_type_keeps_what_could_be_read() -> None:
    error = refused(cbor2.dumps([40, 9, "x"]))
    assert (error.code, error.msg_type, error.request_id) == (errors.UNKNOWN_MESSAGE, 40, 9)
    odd = refused(cbor2.dumps([41, 9]))
    assert (odd.msg_type, odd.request_id) == (41, 0)  # ids are only read from requests
    assert refused(b"\xff").msg_type == -1


def test_terminal_info_refuses_unordered_or_repeated_counts() -> None:
    payload = TerminalInfo(1, INFO).encode()
    swapped = payload.replace(b"\x82\x01\x06\x82\x08\x07", b"\x82\x08\x07\x82\x01\x06")
    assert "increasing doc_type" in refused(swapped).text


def test_error_text_is_clipped_and_reply_error_blames() -> None:
    assert len(ErrorReply(1, errors.SOURCE_FAILED, "x" * 500).text) == 200
    terminal = errors.reply_error(errors.SOURCE_FAILED, "flash unreadable")
    assert isinstance(terminal, errors.RemoteProtocolError) and terminal.code == "SOURCE_FAILED"
    mine = errors.reply_error(errors.BAD_ARGUMENT, "")
    assert isinstance(mine, errors.LocalProtocolError) and mine.message == "terminal: BAD_ARGUMENT"
    assert errors.code_name(99) == "CODE_99"
