"""Fuzzing both decoders: whatever arrives, no exception and no change but error events.

Derandomized and bounded, so that the suite is reproducible and quick;
raise ``max_examples`` locally to fuzz longer.
"""

from __future__ import annotations

import cbor2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firmware.link import state
from firmware.link.errors import RemoteProtocolError
from firmware.link.framing import Bulk, Dropped, FrameDecoder, encode_bulk, encode_frame
from firmware.link.messages import (
    Hello,
    Identify,
    Message,
    ReadRecords,
    ReadSegments,
    ServerHello,
)
from firmware.link.protocol import Client
from tests.link.doubles import Harness, drain

FUZZ = settings(
    derandomize=True,
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

leaves = st.one_of(
    st.integers(-1, 2**32),
    st.sampled_from([-(2**64), 2**64 - 1, True, None, 1.5]),
    st.binary(max_size=40),
    st.text(max_size=12),
)
fields = st.lists(
    st.one_of(leaves, st.lists(st.one_of(leaves, st.lists(leaves, max_size=3)), max_size=4)),
    max_size=6,
)
# Arrays that look like messages: a small type number first, then anything.
message_like = st.builds(lambda kind, rest: cbor2.dumps([kind, *rest]), st.integers(0, 16), fields)
chunks = st.lists(st.binary(min_size=1, max_size=400), max_size=8)
framed = st.lists(st.one_of(st.binary(min_size=1, max_size=200), message_like), max_size=5)


def ready_harness() -> Harness:
    harness = Harness()
    harness.hello()
    harness.served.clear()
    return harness


@FUZZ
@given(chunks)
def test_server_survives_random_bytes(data: list[bytes]) -> None:
    link = ready_harness()
    for chunk in data:
        link.inject(chunk)
        link.poll(2)
    link.poll(len(data) + 2)
    assert all(isinstance(event, RemoteProtocolError) for event in link.served)
    assert link.service.server.state == state.READY
    assert link.source.calls == []


@FUZZ
@given(framed)
def test_server_survives_random_payloads_in_valid_frames(payloads: list[bytes]) -> None:
    link = ready_harness()
    link.inject(b"".join(encode_frame(p) for p in payloads))
    link.poll(2 * len(payloads) + 2)
    assert len(link.served) == len(payloads)
    valid = [e for e in link.served if isinstance(e, Message)]
    assert all(isinstance(e, RemoteProtocolError | Message) for e in link.served)
    if not valid:
        assert link.service.server.state == state.READY and link.source.calls == []
    link.wire()
    link.client = Client()  # whatever happened, a new session works
    link.hello()
    link.send(Identify(1))
    assert [type(e).__name__ for e in link.exchange()] == ["TerminalInfo"]


def waiting_client() -> Client:
    client = Client()
    client.send(Hello())
    client.receive_data(encode_frame(ServerHello().encode()))
    assert drain(client) == [ServerHello()]
    client.send(ReadRecords(1, 1, 10))
    client.data_to_send()
    return client


@FUZZ
@given(chunks)
def test_client_survives_random_bytes(data: list[bytes]) -> None:
    client = waiting_client()
    events = []
    for chunk in data:
        client.receive_data(chunk)
        events += drain(client)
    assert all(isinstance(event, RemoteProtocolError) for event in events)
    assert client.state == state.WAITING and client.next_request_id == 2


@FUZZ
@given(framed)
def test_client_survives_random_payloads_in_valid_frames(payloads: list[bytes]) -> None:
    client = waiting_client()
    client.receive_data(b"".join(encode_frame(p) for p in payloads))
    events = drain(client)
    assert all(isinstance(e, RemoteProtocolError | Message) for e in events)
    if not any(isinstance(e, Message) for e in events):
        assert client.state == state.WAITING


# Bulk frames (version 3): a raw part after a framed header, damaged anywhere.

sent_items = st.lists(
    st.one_of(
        st.tuples(st.just("frame"), st.binary(min_size=1, max_size=60)),
        st.tuples(st.just("bulk"), st.binary(min_size=1, max_size=20), st.binary(max_size=600)),
    ),
    min_size=1,
    max_size=5,
)
damages = st.tuples(
    st.sampled_from(["flip", "delete", "insert"]),
    st.floats(0, 1),
    st.integers(1, 40),
    st.binary(min_size=1, max_size=40),
)


def on_wire(item: tuple[str, bytes] | tuple[str, bytes, bytes]) -> tuple[bytes, object]:
    if item[0] == "frame":
        return encode_frame(item[1]), item[1]
    return encode_bulk(item[1], item[2]), Bulk(item[1], item[2])


@FUZZ
@given(sent_items, damages, st.integers(1, 700))
def test_bulk_decoding_never_accepts_what_was_not_sent_and_recovers(
    items: list[tuple[str, bytes] | tuple[str, bytes, bytes]],
    damage: tuple[str, float, int, bytes],
    chunk: int,
) -> None:
    wires, expected = zip(*(on_wire(item) for item in items), strict=True)
    wire = bytearray(b"".join(wires))
    kind, where, size, noise = damage
    at = int(where * (len(wire) - 1))
    if kind == "flip":
        wire[at] ^= 0x5A
    elif kind == "delete":
        del wire[at : at + size]
    else:
        wire[at:at] = noise
    decoder = FrameDecoder(bulk=True)
    got = [
        item
        for n in range(0, len(wire), chunk)
        for item in decoder.feed(bytes(wire[n : n + chunk]))
    ]
    assert all(isinstance(item, Dropped) or item in expected for item in got)
    decoder.reset()  # the inspector's timeout: what follows decodes whole
    assert decoder.feed(encode_bulk(b"\x81\x0f", b"again")) == [Bulk(b"\x81\x0f", b"again")]


def segments_waiting_client() -> Client:
    client = Client()
    client.send(Hello())
    client.data_to_send()
    client.receive_data(encode_frame(ServerHello().encode()))
    assert drain(client) == [ServerHello()]
    client.send(ReadSegments(1, 1, 0, 8))
    client.data_to_send()
    return client


@FUZZ
@given(st.lists(st.tuples(message_like, st.binary(max_size=300)), max_size=4), chunks)
def test_client_survives_random_bulk_replies_and_noise(
    replies: list[tuple[bytes, bytes]], noise: list[bytes]
) -> None:
    client = segments_waiting_client()
    events = []
    for (payload, raw), garbage in zip(replies, noise + [b""] * len(replies), strict=False):
        client.receive_data(encode_bulk(payload, raw) + garbage)
        events += drain(client)
    assert all(isinstance(e, RemoteProtocolError | Message) for e in events)
    if not any(isinstance(e, Message) for e in events):
        assert client.state == state.WAITING and client.outstanding == 1
