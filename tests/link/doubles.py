"""Test doubles of the link: an in-memory Source, and both ends joined by an in-memory pipe."""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, Any

from firmware.link.framing import Dropped, FrameDecoder
from firmware.link.messages import (
    SUPPORTED_VERSIONS,
    Hello,
    Identification,
    Message,
    StoredSegments,
    decode,
)
from firmware.link.protocol import NEED_DATA, Client
from firmware.link.service import LinkService, PortFailed
from hal.serial.fake import FakeSerialLink

if TYPE_CHECKING:
    from firmware.link.protocol import Event

IDENTITY = b"\x84\x75nf525-fiscal-terminal\x01\x69DEMO-0001\x58\x20" + bytes(32)
SEGMENT_BYTES = 32 * 1024  # docs/SPEC.md §3


def segments_of(records: list[bytes]) -> list[bytes]:
    """Return ``records`` laid out as the journal's segments (a new one from SEGMENT_BYTES on)."""
    segments: list[bytearray] = []
    for record in records:
        if not segments or len(segments[-1]) >= SEGMENT_BYTES:
            segments.append(bytearray())
        head = len(record).to_bytes(2, "big")
        segments[-1] += head + record + zlib.crc32(head + record).to_bytes(4, "big")
    return [bytes(s) for s in segments]


def serve_segments(
    segments: list[bytes], first: int, offset: int, count: int, max_bytes: int
) -> StoredSegments:
    """Return what a Source answers for ``segments`` (as firmware.inspection.read_segments)."""
    lengths, parts = [], []
    for index in range(first, min(len(segments), first + count - 1) + 1):
        data = segments[index - 1][offset if index == first else 0 :]
        if index == first and offset > len(segments[index - 1]):
            raise ValueError("offset past the end")
        parts.append(data)
        lengths.append(len(data))
        if sum(lengths) >= max_bytes:
            break
    return StoredSegments(lengths, len(segments), b"".join(parts))


class MemorySource:
    """A Source over lists in memory that counts every call (to see what a retry re-ran)."""

    def __init__(self, records: list[bytes] | None = None) -> None:
        self.stored = (
            records if records is not None else [bytes([0x8A, n % 256]) * 20 for n in range(1, 101)]
        )
        self.files = {"2025-10.zip": bytes(range(256)) * 10, "empty.zip": b""}
        self.calls: list[tuple[Any, ...]] = []

    def identify(self) -> Identification:
        self.calls.append(("identify",))
        return Identification(
            "DEMO-0001",
            "FiscalTerm 0.1.0",
            bytes(32),
            [(1, 60), (8, 40)],
            len(self.stored),
            IDENTITY,
        )

    def records(self, from_seq: int, max_count: int) -> list[bytes]:
        self.calls.append(("records", from_seq, max_count))
        return self.stored[from_seq - 1 : from_seq - 1 + max_count]

    def segments(self, first: int, offset: int, count: int, max_bytes: int) -> StoredSegments:
        self.calls.append(("segments", first, offset, count))
        return serve_segments(segments_of(self.stored), first, offset, count, max_bytes)

    def head_statement(self, nonce: bytes) -> bytes:
        self.calls.append(("head", nonce))
        return b"HEAD" + len(self.stored).to_bytes(4, "big") + nonce

    def archives(self) -> list[tuple[str, int]]:
        return [(name, len(data)) for name, data in self.files.items()]

    def read_archive(self, name: str, offset: int, size: int) -> bytes:
        self.calls.append(("archive", name, offset, size))
        return self.files[name][offset : offset + size]


class Harness:
    """A LinkService on one end of a FakeSerialLink pair, a sans-I/O Client on the other."""

    def __init__(
        self, source: Any = None, versions: tuple[int, ...] = SUPPORTED_VERSIONS, **service: Any
    ) -> None:
        self.terminal_end, self.tool_end = FakeSerialLink.pair()
        self.source = source if source is not None else MemorySource()
        self.service = LinkService(self.terminal_end, self.source, versions=versions, **service)
        self.client = Client()
        self.served: list[Event | PortFailed] = []  # what the service reported

    def send(self, message: Message) -> bytes:
        """Send ``message`` from the client; return its bytes on the wire."""
        self.client.send(message)
        return self.inject(self.client.data_to_send())

    def inject(self, data: bytes) -> bytes:
        self.tool_end.write(data)
        return data

    def poll(self, times: int = 4) -> None:
        for _ in range(times):
            self.served += self.service.poll()

    def wire(self) -> bytes:
        """Return (and take) what the terminal has written since the last call."""
        return self.tool_end.read(1 << 24)

    def exchange(self, times: int = 4) -> list[Event]:
        """Poll the service, feed its answer to the client, return the client's events."""
        self.poll(times)
        self.client.receive_data(self.wire())
        return drain(self.client)

    def hello(self) -> None:
        self.send(Hello())
        (welcome,) = self.exchange()
        assert type(welcome).__name__ == "ServerHello"


def drain(connection: Any) -> list[Event]:
    events = []
    while (event := connection.next_event()) is not NEED_DATA:
        events.append(event)
    return events


def messages(data: bytes) -> list[Message | Dropped]:
    """Return what ``data`` holds as the terminal sent it: decoded messages, dropped chunks."""
    return [decode(item) if isinstance(item, bytes) else item for item in FrameDecoder().feed(data)]
