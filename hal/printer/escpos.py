"""EscposPrinter: a real ESC/POS printer through python-escpos (serial, USB or TCP).

Receipts arrive as finished ESC/POS bytes and go out unchanged with the
transport's ``_raw``; python-escpos is used only as a transport and for its
status queries, and imported only when a printer is built from a URL (its
import costs ~300 ms).

Status follows the real-time DLE EOT queries, online first: on a serial
line a printer that is off does not answer, python-escpos then reads "not
online" but "paper OK" (an empty answer to the paper query means paper in
its code). The online query is done by hand, with the same test as
``Escpos.is_online()``, so a silent printer costs one read timeout, not two,
and an answering-but-offline one can be asked why (DLE EOT 2: cover open,
or stopped at paper end). Then ``paper_status()`` tells paper out.
"""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import parse_qsl

from hal.ports import (
    PRINTER_COVER_OPEN,
    PRINTER_OFFLINE,
    PRINTER_PAPER_OUT,
    PRINTER_READY,
    PrinterError,
)

_QUERY_PRINTER = b"\x10\x04\x01"  # DLE EOT 1 (python-escpos RT_STATUS_ONLINE)
_QUERY_OFFLINE_CAUSE = b"\x10\x04\x02"  # DLE EOT 2
_OFFLINE_BIT = 0x08  # in the DLE EOT 1 answer (python-escpos RT_MASK_ONLINE)
_COVER_OPEN_BIT = 0x04  # in the DLE EOT 2 answer
_PAPER_END_STOP_BIT = 0x20  # in the DLE EOT 2 answer
_NO_PAPER = 0  # paper_status(): 2 plenty, 1 near end (still prints), 0 none

DEFAULT_TCP_PORT = 9100


class EscposDevice(Protocol):
    """The part of a python-escpos printer object (``escpos.escpos.Escpos``) used here."""

    def _raw(self, msg: bytes) -> None: ...

    def query_status(self, mode: bytes) -> bytes: ...

    def paper_status(self) -> int: ...

    def close(self) -> None: ...


class EscposPrinter:
    """A Printer over a python-escpos printer object (``Serial``, ``Usb``, ``Network``)."""

    def __init__(self, device: EscposDevice) -> None:
        """Wrap ``device``; it opens itself on first use (python-escpos does that lazily)."""
        self._device = device
        errors: tuple[type[BaseException], ...] = (OSError,)
        try:
            from escpos.exceptions import Error as EscposError  # light: not the printer classes
        except ImportError:
            pass
        else:
            errors = (OSError, EscposError)
        # Failing to reach the printer (pyserial, socket, pyusb errors are all
        # OSError; python-escpos's "device not found" is its own Error) means offline.
        self._io_errors = errors

    @classmethod
    def from_url(cls, url: str) -> EscposPrinter:
        """Build from a URL: ``serial:/dev/ttyUSB0?baudrate=19200``, ``usb:0x04b8:0x0202``, ...

        ... or ``tcp:192.168.1.50:9100`` (see ``parse_printer_url`` for options).
        Raises ValueError for a malformed URL, ImportError naming the package
        to install (python-escpos, or pyusb for USB) when it is missing.
        """
        kind, options = parse_printer_url(url)
        try:
            import escpos.printer
        except ImportError as exc:
            raise ImportError(
                "EscposPrinter needs python-escpos: pip install python-escpos"
            ) from exc
        device: Any
        if kind == "serial":
            device = escpos.printer.Serial(**options)
        elif kind == "usb":
            # Without pyusb python-escpos builds the object, then fails in
            # open() and in __del__ -> close(): refuse early and clearly.
            if not escpos.printer.usb.is_usable():
                raise ImportError("a USB printer needs pyusb: pip install pyusb")
            device = escpos.printer.Usb(**options)
        else:
            device = escpos.printer.Network(**options)
        return cls(device)

    def status(self) -> str:
        """Return PRINTER_READY, or offline / cover-open / paper-out; never raises for I/O."""
        try:
            answer = self._query(_QUERY_PRINTER)
            if not answer:
                return PRINTER_OFFLINE  # no answer at all: off or unplugged
            if answer[0] & _OFFLINE_BIT:
                cause = self._query(_QUERY_OFFLINE_CAUSE)
                if cause and cause[0] & _COVER_OPEN_BIT:
                    return PRINTER_COVER_OPEN
                if cause and cause[0] & _PAPER_END_STOP_BIT:
                    return PRINTER_PAPER_OUT
                return PRINTER_OFFLINE
            self._drop_stale_input()
            if self._device.paper_status() == _NO_PAPER:
                return PRINTER_PAPER_OUT
            return PRINTER_READY
        except self._io_errors:
            return PRINTER_OFFLINE

    def print_bytes(self, data: bytes) -> None:
        """Send one receipt's bytes. Raises PrinterError when not ready or the write fails."""
        state = self.status()
        if state != PRINTER_READY:
            raise PrinterError(state, f"printer is {state}: job refused")
        try:
            self._device._raw(bytes(data))
        except self._io_errors as exc:
            raise PrinterError(PRINTER_OFFLINE, f"printer write failed: {exc}") from exc

    def close(self) -> None:
        """Close the transport."""
        self._device.close()

    def _query(self, request: bytes) -> bytes:
        self._drop_stale_input()
        return bytes(self._device.query_status(request))

    def _drop_stale_input(self) -> None:
        # A late answer to an earlier query may still sit in a serial port's
        # input buffer and would be read as the next one's: drop it first.
        port = getattr(self._device, "device", None)
        reset = getattr(port, "reset_input_buffer", None)
        if callable(reset):
            reset()


def parse_printer_url(url: str) -> tuple[str, dict[str, Any]]:
    """Return (kind, keyword arguments of the python-escpos class) for a printer URL.

    Raises ValueError naming what is wrong.
    """
    scheme, sep, rest = url.partition(":")
    rest, _, query = rest.removeprefix("//").partition("?")
    params = dict(parse_qsl(query, keep_blank_values=True)) if query else {}
    if not sep or not rest:
        raise ValueError(f"printer URL {url!r}: expected serial:, usb: or tcp: and a target")
    if scheme == "serial":
        options: dict[str, Any] = {"devfile": rest}
    elif scheme == "usb":
        vendor, _, product = rest.partition(":")
        options = {"idVendor": _int(vendor, url, 16), "idProduct": _int(product, url, 16)}
    elif scheme == "tcp":
        host, port = _host_port(rest, url)
        options = {"host": host, "port": port}
    else:
        raise ValueError(f"printer URL {url!r}: unknown kind {scheme!r} (serial, usb or tcp)")
    allowed = _PARAMS[scheme]
    for name, text in params.items():
        if name not in allowed:
            raise ValueError(
                f"printer URL {url!r}: unknown option {name!r}; known: {sorted(allowed)}"
            )
        options[name] = allowed[name](text, url)
    return scheme, options


def _int(text: str, url: str, base: int = 0) -> int:
    try:
        return int(text, base)
    except ValueError:
        raise ValueError(f"printer URL {url!r}: {text!r} is not a number") from None


def _float(text: str, url: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"printer URL {url!r}: {text!r} is not a number") from None


def _bool(text: str, url: str) -> bool:
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    if text.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"printer URL {url!r}: {text!r} is not a yes/no value")


def _host_port(rest: str, url: str) -> tuple[str, int]:
    if rest.startswith("["):  # [IPv6]:port
        host, _, tail = rest[1:].partition("]")
        port_text = tail.removeprefix(":")
    elif rest.count(":") == 1:
        host, _, port_text = rest.partition(":")
    else:
        host, port_text = rest, ""
    if not host:
        raise ValueError(f"printer URL {url!r}: no host")
    return host, _int(port_text, url, 10) if port_text else DEFAULT_TCP_PORT


_PARAMS: dict[str, dict[str, Any]] = {
    "serial": {
        "baudrate": lambda t, u: _int(t, u, 10),
        "timeout": _float,
        "bytesize": lambda t, u: _int(t, u, 10),
        "stopbits": lambda t, u: _int(t, u, 10),
        "parity": lambda t, u: t,
        "xonxoff": _bool,
        "dsrdtr": _bool,
    },
    "usb": {"in_ep": _int, "out_ep": _int, "timeout": _float},
    "tcp": {"timeout": _float},
}
