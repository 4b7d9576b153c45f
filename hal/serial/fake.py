"""FakeSerialLink: two connected in-memory ends, for protocol tests without a port."""

from __future__ import annotations

import threading


class _Pipe:
    """One direction of the link: a byte buffer guarded by a lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.buffer = bytearray()


class FakeSerialLink:
    """One end of an in-memory link; make connected ends with ``FakeSerialLink.pair()``."""

    def __init__(self, inbox: _Pipe, outbox: _Pipe) -> None:
        self._inbox = inbox
        self._outbox = outbox
        self.closed = False
        self.written = bytearray()

    @classmethod
    def pair(cls) -> tuple[FakeSerialLink, FakeSerialLink]:
        """Return two ends: what one writes, the other reads (thread-safe)."""
        a_to_b, b_to_a = _Pipe(), _Pipe()
        return cls(inbox=b_to_a, outbox=a_to_b), cls(inbox=a_to_b, outbox=b_to_a)

    def read(self, max_bytes: int) -> bytes:
        """Return up to ``max_bytes`` written by the other end; b"" when none."""
        if max_bytes <= 0:
            return b""
        with self._inbox.lock:
            data = bytes(self._inbox.buffer[:max_bytes])
            del self._inbox.buffer[:max_bytes]
        return data

    def write(self, data: bytes) -> None:
        """Queue ``data`` for the other end. Raises OSError once this end is closed."""
        if self.closed:
            raise OSError("write on a closed FakeSerialLink")
        self.written += data
        with self._outbox.lock:
            self._outbox.buffer += data

    def close(self) -> None:
        """Close this end (idempotent); the other end can still read what was sent."""
        self.closed = True
