"""PySerialLink: a SerialLink over pyserial (a tty, a USB CDC gadget, ``loop://``, ``socket://``)."""

from __future__ import annotations

from typing import Any


class PySerialLink:
    """A non-blocking byte stream opened with ``serial.serial_for_url``."""

    def __init__(self, url: str, baudrate: int = 115200) -> None:
        """Open ``url`` (a device path or a pyserial URL) with reads that never wait.

        Raises ImportError naming pyserial when it is missing, and
        serial.SerialException (an OSError) when the port cannot be opened.
        """
        try:
            import serial  # pyserial; imported here so boards without a link skip it
        except ImportError as exc:
            raise ImportError("PySerialLink needs pyserial: pip install pyserial") from exc
        # timeout=0: read() returns at once with what has arrived (the runner polls).
        self._port: Any = serial.serial_for_url(url, baudrate=baudrate, timeout=0)
        self.url = url

    def read(self, max_bytes: int) -> bytes:
        """Return up to ``max_bytes`` already received; b"" when none. Never blocks."""
        if max_bytes <= 0:
            return b""
        return bytes(self._port.read(max_bytes))

    def write(self, data: bytes) -> None:
        """Send all of ``data`` (pyserial hands it to the driver's buffer)."""
        self._port.write(data)

    def close(self) -> None:
        """Close the port (idempotent)."""
        self._port.close()
