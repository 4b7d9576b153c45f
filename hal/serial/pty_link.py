"""PtyLink: the simulator's serial port, a pseudo-terminal pair it makes itself.

Like an emulator's ``-serial pty``: the simulated terminal holds the master
side and the inspector's tool opens the slave by its path (``path``) with
pyserial, exactly as it would open the USB gadget of a real terminal.
"""

from __future__ import annotations

import os
import select
import tty

WRITE_STALL_S = 1.0


class PtyLink:
    """A SerialLink on the master side of a fresh pty; ``path`` names the slave."""

    def __init__(self) -> None:
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # before anything is written: no echo, no line editing
        os.set_blocking(self._master, False)
        self.path = os.ttyname(self._slave)

    def read(self, max_bytes: int) -> bytes:
        """Return up to ``max_bytes`` already received; b"" when none. Never blocks."""
        if max_bytes <= 0 or self._master < 0:
            return b""
        try:
            return os.read(self._master, max_bytes)
        except BlockingIOError:
            return b""
        except OSError:  # EIO: nobody holds the slave open (the tool is not connected yet)
            return b""

    def write(self, data: bytes) -> None:
        """Send all of ``data``, waiting at most WRITE_STALL_S for the peer to read.

        Raises TimeoutError (an OSError) when the peer stops reading: the
        link service reports it as a failed port, and the sale goes on.
        """
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(self._master, view) :]
            except BlockingIOError:
                _, writable, _ = select.select([], [self._master], [], WRITE_STALL_S)
                if not writable:
                    raise TimeoutError("the inspector's side does not read") from None

    def close(self) -> None:
        """Close both sides (idempotent)."""
        for fd in (self._master, self._slave):
            if fd >= 0:
                os.close(fd)
        self._master = self._slave = -1
