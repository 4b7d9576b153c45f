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
from firmware.link.framing import encode_frame
from firmware.link.messages import Hello, Identify, Message, ReadRecords, ServerHello
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
