"""QueuedLink: a SerialLink whose writes go to a transmit queue that a thread sends.

A serial port's driver sends from its own buffer (a UART's DMA, a USB
gadget's request queue) while the CPU does something else. The ports here
write synchronously (``PtyLink`` waits for the peer, pyserial waits for the
kernel's buffer), so the terminal's main loop would wait for the
inspector's laptop to take each piece of a dump before it reads the next
segments from flash or handles a key. QueuedLink gives it the driver's
buffer: ``write`` queues (waiting only while the queue is full, at most
``stall_s``), a thread hands the queue to the port in order, and the main
loop goes on. The port's own ``write`` releases the GIL while it waits.

A failure of the port (the peer stalled, the cable pulled) drops what was
queued and is raised once, by the next ``write`` or ``read``, as the
OSError the port itself raised: the link service reports it and the cash
register goes on; later writes are sent again (an inspector may plug in
again).
"""

from __future__ import annotations

import threading
from collections import deque

from hal.ports import SerialLink

TRANSMIT_BYTES = 1024 * 1024  # two of the link's largest replies (512 KiB of segments)
STALL_S = 1.0  # as PtyLink's: a peer that takes nothing for this long has stalled


class QueuedLink:
    """``line`` with its writes queued (at most ``capacity`` bytes) and sent by a thread."""

    def __init__(
        self, line: SerialLink, capacity: int = TRANSMIT_BYTES, stall_s: float = STALL_S
    ) -> None:
        self.line = line
        self.capacity = capacity
        self.stall_s = stall_s
        self._queue: deque[bytes] = deque()
        self._queued = 0  # bytes queued and not yet taken by the line
        self._failure: OSError | None = None
        self._closed = False
        self._changed = threading.Condition()
        self._sender = threading.Thread(target=self._send, name="serial-transmit", daemon=True)
        self._sender.start()

    def read(self, max_bytes: int) -> bytes:
        """Return up to ``max_bytes`` already received; b"" when none. Never blocks."""
        with self._changed:
            self._raise_failure()
        return self.line.read(max_bytes)

    def write(self, data: bytes) -> None:
        """Queue all of ``data``; wait while the queue is full, at most ``stall_s``.

        Raises the port's failure (an OSError) if sending has failed, and
        TimeoutError when the queue stays full for ``stall_s``.
        """
        if not data:
            return
        with self._changed:
            self._raise_failure()
            size = len(data)
            if self._full(size) and not self._changed.wait_for(
                lambda: not self._full(size) or self._failure is not None, self.stall_s
            ):
                raise TimeoutError("the inspector's side does not read")
            self._raise_failure()
            self._queue.append(bytes(data))
            self._queued += len(data)
            self._changed.notify_all()

    def drain(self, timeout_s: float | None = None) -> bool:
        """Wait until everything queued was taken by the line; False on timeout or failure."""
        with self._changed:
            self._changed.wait_for(lambda: not self._queued or self._failure is not None, timeout_s)
            return not self._queued and self._failure is None

    def close(self) -> None:
        """Send what is queued (at most ``stall_s`` more), stop the thread, close the line."""
        self.drain(self.stall_s)
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        self._sender.join(self.stall_s)
        self.line.close()

    def _full(self, size: int) -> bool:
        """True when ``size`` more bytes would not fit (one write always fits an empty queue)."""
        return bool(self._queued) and self._queued + size > self.capacity

    def _raise_failure(self) -> None:
        failure, self._failure = self._failure, None
        if failure is not None:
            raise failure

    def _send(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._queue or self._closed)
                if not self._queue:
                    return  # closed, and nothing left
                data = self._queue[0]
            try:
                self.line.write(data)  # waits for the port, the GIL released
            except OSError as exc:  # what was queued is lost with the session: said once
                with self._changed:
                    self._failure = exc
                    self._queue.clear()
                    self._queued = 0
                    self._changed.notify_all()
                continue
            with self._changed:
                self._queue.popleft()
                self._queued -= len(data)
                self._changed.notify_all()
