"""Link framing: COBS vectors, round trips, and resynchronisation after anything."""

from __future__ import annotations

import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware.link.errors import LocalProtocolError
from firmware.link.framing import (
    BAD_CRC,
    BULK_MARK,
    MAX_BULK_BYTES,
    OVERSIZED,
    TRUNCATED,
    Bulk,
    Dropped,
    FrameDecoder,
    cobs_decode,
    cobs_encode,
    encode_bulk,
    encode_frame,
    max_encoded_size,
)

# Cheshire & Baker's examples, as listed on Wikipedia's COBS page.
VECTORS = [
    (b"\x00", b"\x01\x01"),
    (b"\x00\x00", b"\x01\x01\x01"),
    (b"\x00\x11\x00", b"\x01\x02\x11\x01"),
    (b"\x11\x22\x00\x33", b"\x03\x11\x22\x02\x33"),
    (b"\x11\x22\x33\x44", b"\x05\x11\x22\x33\x44"),
    (b"\x11\x00\x00\x00", b"\x02\x11\x01\x01\x01"),
    (bytes(range(1, 255)), b"\xff" + bytes(range(1, 255))),
    (bytes(range(0, 255)), b"\x01\xff" + bytes(range(1, 255))),
    (bytes(range(1, 256)), b"\xff" + bytes(range(1, 255)) + b"\x02\xff"),
    (bytes(range(2, 256)) + b"\x00", b"\xff" + bytes(range(2, 256)) + b"\x01\x01"),
    (bytes(range(3, 256)) + b"\x00\x01", b"\xfe" + bytes(range(3, 256)) + b"\x02\x01"),
]


@pytest.mark.parametrize("raw, encoded", VECTORS, ids=range(len(VECTORS)))
def test_cobs_matches_the_published_vectors(raw: bytes, encoded: bytes) -> None:
    assert cobs_encode(raw) == encoded
    assert cobs_decode(encoded) == raw


@given(st.binary(max_size=2000))
def test_cobs_round_trip_has_no_zero_and_bounded_overhead(data: bytes) -> None:
    encoded = cobs_encode(data)
    assert b"\x00" not in encoded
    assert len(encoded) <= len(data) + len(data) // 254 + 1
    assert cobs_decode(encoded) == data


def test_cobs_decode_refuses_a_block_running_past_the_end() -> None:
    assert cobs_decode(b"\x05\x11\x22") is None
    assert cobs_decode(b"\x02\x11\x00") is None  # a zero is never inside COBS data


def test_frame_layout_is_delimiter_cobs_of_payload_and_crc_delimiter() -> None:
    payload = b"\x82\x04\x01"
    crc = zlib.crc32(payload).to_bytes(4, "big")
    assert encode_frame(payload) == b"\x00" + cobs_encode(payload + crc) + b"\x00"
    assert FrameDecoder().feed(encode_frame(payload)) == [payload]


def test_encoder_refuses_empty_and_oversized_payloads() -> None:
    with pytest.raises(LocalProtocolError) as empty:
        encode_frame(b"")
    assert empty.value.code == "FRAME_TOO_LARGE"
    with pytest.raises(LocalProtocolError):
        encode_frame(b"x" * 101, max_payload=100)
    assert len(encode_frame(b"x" * 100, max_payload=100)) <= max_encoded_size(100) + 2


@given(st.lists(st.binary(min_size=1, max_size=600), max_size=8), st.data())
def test_any_chunking_gives_the_same_frames(payloads: list[bytes], data: st.DataObject) -> None:
    stream = b"".join(encode_frame(p) for p in payloads)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=10)))
    decoder = FrameDecoder()
    items: list[bytes | Dropped] = []
    for start, end in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        items += decoder.feed(stream[start:end])
    assert items == payloads
    assert decoder.frames == len(payloads) and decoder.dropped_bytes == 0


@settings(max_examples=200)
@given(
    st.lists(
        st.one_of(
            st.tuples(st.just("frame"), st.binary(min_size=1, max_size=300)),
            st.tuples(st.just("garbage"), st.binary(min_size=1, max_size=300)),
            st.tuples(st.just("cut"), st.binary(min_size=1, max_size=300)),
        ),
        max_size=12,
    ),
    st.integers(1, 64),
)
def test_every_intact_frame_is_recovered_between_garbage_and_torn_frames(
    pieces: list[tuple[str, bytes]], chunk: int
) -> None:
    stream = bytearray()
    sent = []
    for kind, payload in pieces:
        if kind == "frame":
            stream += encode_frame(payload)
            sent.append(payload)
        elif kind == "garbage":
            stream += payload
        else:  # a frame cut off before its end: the peer restarted mid-write
            stream += encode_frame(payload)[: len(payload) // 2 + 1]
    decoder = FrameDecoder(max_payload=1024)
    items: list[bytes | Dropped] = []
    for start in range(0, len(stream), chunk):
        items += decoder.feed(bytes(stream[start : start + chunk]))
    items += decoder.feed(b"\x00")  # the end of the line
    frames = [item for item in items if isinstance(item, bytes)]
    assert frames == sent
    assert all(isinstance(item, Dropped) for item in items if not isinstance(item, bytes))


def test_drop_reasons_name_what_went_wrong() -> None:
    good = encode_frame(b"hello")
    flipped = bytearray(good)
    flipped[3] ^= 0x01
    decoder = FrameDecoder()
    assert decoder.feed(bytes(flipped)) == [Dropped(BAD_CRC, len(good) - 2)]
    assert decoder.feed(good[:-3] + b"\x00") == [Dropped(TRUNCATED, len(good) - 4)]
    assert decoder.feed(b"\x00\x02\x01\x00") == [Dropped(TRUNCATED, 2)]  # no room for a CRC
    assert decoder.feed(b"\x00\x00\x00") == []  # empty chunks are only delimiters
    assert decoder.feed(good) == [b"hello"]
    assert decoder.dropped_bytes == len(good) - 2 + len(good) - 4 + 2


def test_oversized_chunk_is_dropped_as_it_arrives_and_memory_stays_bounded() -> None:
    decoder = FrameDecoder(max_payload=100)
    limit = max_encoded_size(100)
    items = decoder.feed(b"\x01" * (limit + 1))
    assert items == [Dropped(OVERSIZED, limit + 1)]
    assert decoder.feed(b"\x01" * 10_000) == []  # still the same chunk: dropped, not kept
    assert len(decoder._partial) == 0
    assert decoder.feed(b"\x01" * 5 + encode_frame(b"next")) == [
        Dropped(OVERSIZED, 10_005),
        b"next",
    ]


def test_a_frame_whose_payload_exceeds_the_maximum_is_dropped_whole() -> None:
    big = encode_frame(b"y" * 200, max_payload=300)
    assert FrameDecoder(max_payload=100).feed(big) == [Dropped(OVERSIZED, len(big) - 2)]


def test_reset_forgets_a_partial_frame() -> None:
    decoder = FrameDecoder()
    decoder.feed(encode_frame(b"abc")[:-3])
    decoder.reset()
    assert decoder.feed(b"\x01\x00") == [Dropped(TRUNCATED, 1)]


def test_the_hello_frame_of_the_documentation() -> None:
    hello = bytes.fromhex("83026b66697363616c2d6c696e6b01")
    wire = "00 14 83 02 6b 66 69 73 63 61 6c 2d 6c 69 6e 6b 01 56 d5 0c 93 00"
    assert encode_frame(hello) == bytes.fromhex(wire)  # docs/LINK.md §1


# Bulk frames (version 3): a framed header, then raw bytes (docs/LINK.md §1).


def bulk_decoder() -> FrameDecoder:
    return FrameDecoder(bulk=True)


def test_a_bulk_reply_carries_its_raw_part_whole_in_any_chunking() -> None:
    raw = bytes(range(256)) * 40 + b"\x00\x00"  # zeros included: the raw part is not COBS
    wire = encode_bulk(b"\x81\x0f", raw) + encode_frame(b"after")
    assert wire.endswith(raw + encode_frame(b"after"))  # sent as it is
    for size in (1, 7, 4096, len(wire)):
        decoder = bulk_decoder()
        items = [i for n in range(0, len(wire), size) for i in decoder.feed(wire[n : n + size])]
        assert items == [Bulk(b"\x81\x0f", raw), b"after"]


def receive(decoder: FrameDecoder, wire: bytes, size: int) -> list[bytes | Bulk | Dropped]:
    """Give ``wire`` to ``decoder`` as the inspector's port reader does: frames by ``feed``, a
    raw part read straight into ``raw_room`` (at most ``size`` bytes a read)."""
    items: list[bytes | Bulk | Dropped] = []
    at = 0
    while at < len(wire):
        room = decoder.raw_room()
        if room is None:
            stop = wire.find(b"\x00", at + 1) + 1 or len(wire)  # up to a delimiter at most
            items += decoder.feed(wire[at:stop])
            at = stop
            continue
        count = min(size, len(room), len(wire) - at)
        room[:count] = wire[at : at + count]
        room.release()
        items += decoder.raw_received(count)
        at += count
    return items


@pytest.mark.parametrize("size", [1, 4095, 1 << 20])
def test_a_raw_part_read_straight_into_its_place_is_the_same_reply(size: int) -> None:
    raw = bytes(range(256)) * 40 + b"\x00\x00"
    wire = encode_bulk(b"\x81\x0f", raw) + encode_frame(b"after")
    assert receive(bulk_decoder(), wire, size) == [Bulk(b"\x81\x0f", raw), b"after"]
    garbled = bytearray(wire)
    garbled[-len(encode_frame(b"after")) - 100] ^= 0x01
    items = receive(bulk_decoder(), bytes(garbled), size)
    assert items == [Dropped(BAD_CRC, len(raw)), b"after"]


def test_the_raw_part_handed_over_is_the_buffer_it_was_read_into() -> None:
    """No copy at the end: the CRC ran over each chunk as it came, the buffer is the reply's."""
    raw = bytes(range(256)) * 16
    decoder = bulk_decoder()
    assert decoder.feed(encode_bulk(b"\x81\x0f", raw)[: -len(raw)]) == []
    room = decoder.raw_room()
    assert room is not None
    buffer = room.obj
    room[:1000] = raw[:1000]
    room.release()
    assert decoder.raw_received(1000) == []
    (item,) = decoder.feed(raw[1000:])
    assert isinstance(item, Bulk) and item.raw == raw and item.raw is buffer
    assert decoder.raw_room() is None  # the next raw part gets a buffer of its own


def test_no_room_outside_a_raw_part_and_no_more_bytes_than_its_rest() -> None:
    decoder = bulk_decoder()
    assert decoder.raw_room() is None
    assert decoder.feed(encode_bulk(b"\x81\x0f", bytes(10))[:-10]) == []
    room = decoder.raw_room()
    assert room is not None and len(room) == 10
    with pytest.raises(ValueError, match="more raw bytes"):
        decoder.raw_received(11)
    decoder.reset()  # a timeout: the raw part is forgotten
    assert decoder.raw_room() is None


def test_an_empty_raw_part_is_a_reply_at_once() -> None:
    assert bulk_decoder().feed(encode_bulk(b"\x81\x0f", b"")) == [Bulk(b"\x81\x0f", b"")]


def test_a_garbled_raw_part_is_dropped_and_the_next_frame_decodes() -> None:
    wire = bytearray(encode_bulk(b"\x81\x0f", bytes(5000)))
    wire[-100] ^= 0x01
    items = bulk_decoder().feed(bytes(wire) + encode_frame(b"next"))
    assert items == [Dropped(BAD_CRC, 5000), b"next"]


def test_a_raw_part_cut_short_swallows_what_follows_then_resynchronises() -> None:
    cut = encode_bulk(b"\x81\x0f", bytes(range(200)) * 5)[:-300]  # 300 bytes lost on the line
    resent = encode_bulk(b"\x81\x0f", bytes(range(200)) * 5)
    decoder = bulk_decoder()
    items = decoder.feed(cut + resent + encode_frame(b"later"))
    assert items[0] == Dropped(BAD_CRC, 1000)  # completed by the start of the resent reply
    assert items[-1] == b"later" and not any(isinstance(i, Bulk) for i in items)


def test_a_timeout_forgets_a_raw_part_cut_short() -> None:
    decoder = bulk_decoder()
    assert decoder.feed(encode_bulk(b"\x81\x0f", bytes(1000))[:-10]) == []
    decoder.reset()  # the inspector's timeout, before it retries
    resent = encode_bulk(b"\x81\x0f", bytes(1000))
    assert decoder.feed(resent) == [Bulk(b"\x81\x0f", bytes(1000))]


def test_bulk_headers_announcing_too_much_or_nothing_are_dropped() -> None:
    huge = bytes([BULK_MARK]) + (MAX_BULK_BYTES + 1).to_bytes(4, "big") + bytes(4) + b"\x81\x0f"
    assert bulk_decoder().feed(encode_frame(huge) + encode_frame(b"x")) == [
        Dropped(OVERSIZED, len(encode_frame(huge)) - 2),
        b"x",
    ]
    bare = bytes([BULK_MARK]) + bytes(8)
    assert bulk_decoder().feed(encode_frame(bare)) == [
        Dropped(TRUNCATED, len(encode_frame(bare)) - 2)
    ]
    with pytest.raises(LocalProtocolError):
        encode_bulk(b"\x81\x0f", bytes(MAX_BULK_BYTES + 1))


def test_a_decoder_without_bulk_takes_a_bulk_header_as_a_frame() -> None:
    # The terminal's decoder: a frame starting 0xFF is a payload like any (refused as a message).
    header = encode_bulk(b"\x81\x0f", b"")
    assert FrameDecoder().feed(header) == [bytes([BULK_MARK]) + bytes(4) + bytes(4) + b"\x81\x0f"]
