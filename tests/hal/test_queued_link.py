"""QueuedLink: a serial port's transmit queue, sent by a thread; failures said once."""

from __future__ import annotations

import os
import threading

import pytest

from hal.serial.pty_link import PtyLink
from hal.serial.queued import QueuedLink


class HeldLine:
    """A line whose writes wait until ``release`` is set, then keep what they were given."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.sent: list[bytes] = []
        self.fail_next: OSError | None = None
        self.closed = False

    def read(self, max_bytes: int) -> bytes:
        return b""

    def write(self, data: bytes) -> None:
        self.release.wait()
        if self.fail_next is not None:
            failure, self.fail_next = self.fail_next, None
            raise failure
        self.sent.append(data)

    def close(self) -> None:
        self.closed = True


def test_a_reply_larger_than_the_pty_holds_is_queued_at_once_and_arrives_whole() -> None:
    pty = PtyLink()
    link = QueuedLink(pty)
    reply = os.urandom(256 * 1024)  # far more than a pty buffers: PtyLink alone would wait
    link.write(reply[:100_000])
    link.write(reply[100_000:])  # returned at once: nobody has read anything yet
    slave = os.open(pty.path, os.O_RDONLY)
    received = bytearray()
    while len(received) < len(reply):
        received += os.read(slave, 65536)
    assert bytes(received) == reply
    assert link.drain(5.0)
    os.close(slave)
    link.close()


def test_a_failed_send_is_raised_once_then_the_link_sends_again() -> None:
    line = HeldLine()
    link = QueuedLink(line)
    line.fail_next = OSError(5, "Input/output error")
    link.write(b"lost")
    line.release.set()
    assert not link.drain(5.0)  # the failure dropped what was queued
    with pytest.raises(OSError, match="Input/output"):
        link.write(b"refused")
    link.write(b"sent")  # said once: an inspector may plug in again
    assert link.drain(5.0) and line.sent == [b"sent"]
    link.close()
    assert line.closed


def test_a_full_queue_waits_for_room_then_says_the_peer_stalled() -> None:
    line = HeldLine()
    link = QueuedLink(line, capacity=10, stall_s=0.05)
    link.write(b"x" * 8)  # taken by the sender, held in the line
    link.write(b"y" * 2)
    with pytest.raises(TimeoutError, match="does not read"):
        link.write(b"z" * 5)  # 10 queued, 15 would not fit
    line.release.set()
    assert link.drain(5.0) and line.sent == [b"x" * 8, b"y" * 2]
    link.close()
