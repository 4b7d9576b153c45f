"""The terminal's hardware ports: what every backend of each part must do.

Each port is a ``typing.Protocol``. A backend (``Fake*`` for tests, ``Sim*``
for the desktop simulator, real ones such as ``GpioCashDrawer`` or
``EscposPrinter``) implements one port in one file. The firmware's runner is
the only code that talks to a port; nothing here imports the fiscal core.

Contracts are written on each method: "must" is part of the contract that
the shared contract suite (tests/hal/test_contracts.py) checks on every
backend.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

# ---------------------------------------------------------------------------
# Keypad


@runtime_checkable
class Keypad(Protocol):
    """Source of key presses, by key name (see docs/KEYS.md)."""

    def read_key(self) -> str | None:
        """Return the next pressed key's name, or None when none is waiting.

        Must never block: the runner polls it. Must return each press once,
        in the order the keys were pressed.
        """
        ...


# ---------------------------------------------------------------------------
# Display

DISPLAY_COLUMNS = 20
DISPLAY_ROWS = 2


@runtime_checkable
class Display(Protocol):
    """The operator-facing 2 x 20 character display."""

    def show(self, line1: str, line2: str = "") -> None:
        """Replace the whole display with two lines.

        Lines longer than DISPLAY_COLUMNS must be cut, shorter ones padded;
        characters outside the display's set must be replaced, never raise.
        """
        ...


# ---------------------------------------------------------------------------
# Cash drawer

DRAWER_PULSE_MS = 100


@runtime_checkable
class CashDrawer(Protocol):
    """A cash drawer opened by a solenoid pulse, with an optional sensor."""

    def open(self) -> None:
        """Pulse the solenoid once (DRAWER_PULSE_MS); must never leave it energised."""
        ...

    def is_open(self) -> bool | None:
        """Return the sensor state, or None when the drawer has no sensor."""
        ...


# ---------------------------------------------------------------------------
# Printer

PRINTER_READY = "ready"
PRINTER_OFFLINE = "offline"
PRINTER_PAPER_OUT = "paper-out"
PRINTER_COVER_OPEN = "cover-open"
# Every value Printer.status() may return.
PRINTER_STATES = (PRINTER_READY, PRINTER_OFFLINE, PRINTER_PAPER_OUT, PRINTER_COVER_OPEN)


class PrinterError(Exception):
    """The printer could not take the job; ``code`` is one of the PRINTER_* states."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@runtime_checkable
class Printer(Protocol):
    """An ESC/POS receipt printer; receipts arrive as ready-made ESC/POS bytes."""

    def status(self) -> str:
        """Return PRINTER_READY or the reason the printer cannot print now.

        Must be asked before every print (6.7.3.4): a receipt is never sent to
        a printer that did not answer ready.
        """
        ...

    def print_bytes(self, data: bytes) -> None:
        """Send one whole receipt (ESC/POS bytes, cut included).

        Must raise PrinterError when the printer is not ready.
        """
        ...


# ---------------------------------------------------------------------------
# Flash (block device)


class FlashGeometry:
    """Sizes of a NOR-like flash, in bytes, and its number of erase blocks."""

    __slots__ = ("block_count", "block_size", "prog_size", "read_size")

    def __init__(self, read_size: int, prog_size: int, block_size: int, block_count: int) -> None:
        if block_size % prog_size or block_size % read_size:
            raise ValueError("block_size must be a multiple of prog_size and read_size")
        self.read_size = read_size
        self.prog_size = prog_size
        self.block_size = block_size
        self.block_count = block_count

    @property
    def total_size(self) -> int:
        return self.block_size * self.block_count

    def __repr__(self) -> str:
        return (
            f"FlashGeometry(read_size={self.read_size}, prog_size={self.prog_size}, "
            f"block_size={self.block_size}, block_count={self.block_count})"
        )


ERASED_BYTE = 0xFF


class FlashContractError(Exception):
    """A caller broke the flash contract (misaligned access, program over unerased bytes)."""


@runtime_checkable
class Flash(Protocol):
    """A NOR-like block device, the fiscal memory's only way to the chip.

    Contract (checked by every backend and by the contract suite):
    - ``read``: ``off`` and ``size`` are multiples of ``read_size``; the range
      lies within one block.
    - ``read_blocks``: ``count`` whole blocks from ``first``, end to end, as
      ``read`` of each would return them (one transfer for a bulk reader);
      ``count`` >= 0 and the blocks within the chip.
    - ``program``: ``off`` and ``len(data)`` are multiples of ``prog_size``;
      the range lies within one block; every target byte must be erased
      (0xFF) beforehand, otherwise FlashContractError. Programming is not
      durable until ``sync`` returns.
    - ``erase``: sets every byte of the block to 0xFF.
    - ``sync``: returns only once everything programmed or erased before it is
      durable (survives a power cut).
    """

    @property
    def geometry(self) -> FlashGeometry: ...

    def read(self, block: int, off: int, size: int) -> bytes: ...

    def read_blocks(self, first: int, count: int) -> bytes: ...

    def program(self, block: int, off: int, data: bytes) -> None: ...

    def erase(self, block: int) -> None: ...

    def sync(self) -> None: ...


# ---------------------------------------------------------------------------
# Clock


@runtime_checkable
class Clock(Protocol):
    """Wall-clock time of the terminal (the real one is an RTC)."""

    def now_utc(self) -> int:
        """Return the current time, whole seconds since 1970-01-01 UTC."""
        ...

    def utc_offset_minutes(self) -> int:
        """Return the local offset from UTC in minutes, at now (e.g. 60 in winter in France)."""
        ...

    def monotonic_ms(self) -> int:
        """Return milliseconds from an arbitrary origin, never going back."""
        ...


# ---------------------------------------------------------------------------
# Monotonic counter (a secure element's or TPM's NV counter; a file in the simulator)
#
# A hash chain cannot show that records were cut off its end, nor that the
# whole journal was swapped for an older copy of itself: the terminal
# advances this counter, kept outside the journal's flash, with every
# commit and compares the two at boot (docs/POWERLOSS.md).

# The largest value a counter holds (stored on 8 bytes).
COUNTER_MAX = 2**64 - 1

# CounterError codes.
COUNTER_BACKWARDS = "COUNTER_BACKWARDS"  # advance_to below the current value
COUNTER_RANGE = "COUNTER_RANGE"  # advance_to outside 0..COUNTER_MAX
COUNTER_FAILED = "COUNTER_FAILED"  # the new value could not be made durable
COUNTER_UNREADABLE = "COUNTER_UNREADABLE"  # no valid value could be read back


class CounterError(Exception):
    """The counter refused or could not carry out an operation; ``code`` is stable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@runtime_checkable
class MonotonicCounter(Protocol):
    """A durable counter that never goes back (checked by tests/hal/test_hal_counter.py).

    Contract:
    - ``value()`` returns the last value ``advance_to`` returned for (0 for
      a new counter), also after a power cut or a restart: never less, and
      never a value that was not asked for.
    - ``advance_to(n)`` makes ``n`` the value and returns only once it is
      durable. ``n`` equal to the value changes nothing (a retry is safe).
      ``n`` below the value raises CounterError(COUNTER_BACKWARDS), outside
      0..COUNTER_MAX CounterError(COUNTER_RANGE); nothing changes then.
    - If the power fails or ``advance_to`` raises CounterError(COUNTER_FAILED)
      during ``advance_to(n)``, the value is then either the previous one or
      ``n``, nothing else.
    """

    def value(self) -> int: ...

    def advance_to(self, n: int) -> None: ...


# ---------------------------------------------------------------------------
# Serial link (USB CDC gadget or USB-serial adapter)


@runtime_checkable
class SerialLink(Protocol):
    """A byte stream to the inspector's laptop."""

    def read(self, max_bytes: int) -> bytes:
        """Return up to max_bytes already received; b"" when none. Must not block."""
        ...

    def write(self, data: bytes) -> None:
        """Queue all of data for sending."""
        ...

    def close(self) -> None: ...


# ---------------------------------------------------------------------------
# Removable storage (the USB stick a manager plugs in for backups)

STORAGE_ABSENT = "STORAGE_ABSENT"  # no medium plugged in (or not mounted)
STORAGE_NOT_FOUND = "STORAGE_NOT_FOUND"  # no file of that name on the medium
STORAGE_BAD_NAME = "STORAGE_BAD_NAME"  # a name with a path separator, or empty, or hidden
STORAGE_FAILED = "STORAGE_FAILED"  # the medium refused a read or a write


class StorageError(Exception):
    """The removable storage could not do what was asked; ``code`` is a STORAGE_* value."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def check_storage_name(name: str) -> None:
    """Raise StorageError(STORAGE_BAD_NAME) unless ``name`` is a plain file name."""
    if not name or "/" in name or "\\" in name or name.startswith(".") or "\x00" in name:
        raise StorageError(STORAGE_BAD_NAME, f"{name!r} is not a plain file name")


@runtime_checkable
class RemovableStorage(Protocol):
    """A flat directory of files on a removable medium (a USB stick's root, say).

    Contract (checked on every backend by the contract suite):
    - ``present()`` says whether a medium is there; every other method
      raises StorageError(STORAGE_ABSENT) when it is not.
    - ``names()`` returns the plain file names, sorted; never hidden ones
      (a leading ``.``: temporary files of an interrupted write).
    - ``read(name)`` returns the whole file, or raises STORAGE_NOT_FOUND.
    - ``write(name, data)`` is atomic and durable: when it returns, the
      file holds ``data`` and survives a power cut or the medium being
      pulled; if it raises (STORAGE_FAILED) or the power fails, the file is
      as it was before (absent, or its previous content), never partial.
    - Names are plain (no separator, not hidden): STORAGE_BAD_NAME otherwise.
    """

    def present(self) -> bool: ...

    def names(self) -> list[str]: ...

    def read(self, name: str) -> bytes: ...

    def write(self, name: str, data: bytes) -> None: ...
