"""A CPython stand-in for MicroPython's ``machine`` module: ``Pin`` and ``I2C``.

Drivers in ``hal`` (``MatrixKeypad``, ``Hd44780Display``) are written against
the MicroPython API and take their pins / bus in the constructor, so the
same file runs on a microcontroller with the real ``machine``. Here:

- ``Pin`` drives a Raspberry Pi GPIO through gpiozero devices (imported
  lazily; any gpiozero pin factory, including ``MockFactory``, can be given);
- ``I2C`` writes to ``/dev/i2c-N`` through the Linux i2c-dev interface;
- ``MockPin`` and ``MockI2C`` are pure-Python doubles that record what a
  driver did, for tests (like gpiozero's ``MockFactory``).

``PinLike`` and ``I2CLike`` are the parts of the API the drivers use.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from typing import Any, ClassVar, Protocol, overload

# Same values as MicroPython's ports (rp2, esp32) so code may compare them.
_IN = 0
_OUT = 1
_OPEN_DRAIN = 2
_PULL_UP = 1
_PULL_DOWN = 2
_KEEP = -1  # MicroPython's "leave unchanged" for mode and pull

_I2C_SLAVE = 0x0703  # ioctl request from <linux/i2c-dev.h>


class PinLike(Protocol):
    """The subset of ``machine.Pin`` used by hal's drivers."""

    IN: ClassVar[int]
    OUT: ClassVar[int]
    PULL_UP: ClassVar[int]
    PULL_DOWN: ClassVar[int]

    def init(self, mode: int = _KEEP, pull: int = _KEEP, *, value: int | None = None) -> None: ...

    @overload
    def value(self) -> int: ...
    @overload
    def value(self, x: int) -> None: ...


class I2CLike(Protocol):
    """The subset of ``machine.I2C`` used by hal's drivers."""

    def writeto(self, addr: int, buf: bytes, stop: bool = True) -> int: ...


class Pin:
    """A Pi GPIO with MicroPython's ``machine.Pin`` API, backed by gpiozero devices."""

    IN: ClassVar[int] = _IN
    OUT: ClassVar[int] = _OUT
    OPEN_DRAIN: ClassVar[int] = _OPEN_DRAIN
    PULL_UP: ClassVar[int] = _PULL_UP
    PULL_DOWN: ClassVar[int] = _PULL_DOWN

    def __init__(
        self,
        id: int | str,
        mode: int = _KEEP,
        pull: int = _KEEP,
        *,
        value: int | None = None,
        pin_factory: Any = None,
    ) -> None:
        """Name a GPIO (BCM number or gpiozero pin name); configure it if ``mode`` is given.

        ``pin_factory`` is a gpiozero pin factory (default: gpiozero's choice).
        Raises ImportError naming gpiozero when it is missing.
        """
        self.id = id
        self._factory = pin_factory
        self._device: Any = None
        self._mode = _KEEP
        self._pull: int | None = None
        self._out_value = 0
        if mode != _KEEP or value is not None:
            self.init(mode, pull, value=value)

    def init(self, mode: int = _KEEP, pull: int = _KEEP, *, value: int | None = None) -> None:
        """(Re)configure the pin; -1 keeps the current mode or pull.

        Raises ValueError for open-drain (gpiozero has no such mode) or an unknown mode.
        """
        if value is not None:
            self._out_value = 1 if value else 0
        if pull != _KEEP:
            self._pull = pull
        mode = self._mode if mode == _KEEP else mode
        if mode == _KEEP:
            return
        if mode not in (_IN, _OUT):
            raise ValueError(f"pin mode {mode} is not supported on the Pi stand-in")
        gpiozero = _import_gpiozero()
        if self._device is not None:
            self._device.close()
            self._device = None
        if mode == _OUT:
            self._device = gpiozero.DigitalOutputDevice(
                self.id, initial_value=bool(self._out_value), pin_factory=self._factory
            )
        else:
            pull_up = {_PULL_UP: True, _PULL_DOWN: False}.get(self._pull or 0)
            self._device = gpiozero.DigitalInputDevice(
                self.id,
                pull_up=pull_up,
                # gpiozero wants the active level spelled out for a floating input.
                active_state=True if pull_up is None else None,
                pin_factory=self._factory,
            )
        self._mode = mode

    @overload
    def value(self) -> int: ...
    @overload
    def value(self, x: int) -> None: ...
    def value(self, x: int | None = None) -> int | None:
        """Read the pin's level, or set an output's level (on an input, kept for later)."""
        if x is None:
            if self._device is None:
                raise ValueError(f"pin {self.id} is not configured: call init(mode) first")
            return 1 if self._device.pin.state else 0
        self._out_value = 1 if x else 0
        if self._mode == _OUT:
            self._device.pin.state = self._out_value
        return None

    def on(self) -> None:
        """Drive the output high."""
        self.value(1)

    def off(self) -> None:
        """Drive the output low."""
        self.value(0)

    def close(self) -> None:
        """Release the GPIO (CPython only: MicroPython pins need no release)."""
        if self._device is not None:
            self._device.close()
            self._device = None
        self._mode = _KEEP


class MockPin:
    """A pure-Python ``machine.Pin`` double: records written levels, reads a settable source."""

    IN: ClassVar[int] = _IN
    OUT: ClassVar[int] = _OUT
    OPEN_DRAIN: ClassVar[int] = _OPEN_DRAIN
    PULL_UP: ClassVar[int] = _PULL_UP
    PULL_DOWN: ClassVar[int] = _PULL_DOWN

    def __init__(
        self,
        id: int | str = "mock",
        mode: int = _KEEP,
        pull: int = _KEEP,
        *,
        value: int | None = None,
        source: Callable[[], int] | None = None,
        on_write: Callable[[int], None] | None = None,
    ) -> None:
        """Make a pin; ``source`` supplies the level an input reads, ``on_write`` hears outputs."""
        self.id = id
        self.mode = _KEEP
        self.pull = _KEEP
        self.source = source
        self.on_write = on_write
        self.driven: int | None = None  # level forced from outside, None: follow the pull
        self.out_value = 0
        self.history: list[int] = []  # every level driven as an output, in order
        self.init(mode, pull, value=value)

    def init(self, mode: int = _KEEP, pull: int = _KEEP, *, value: int | None = None) -> None:
        """(Re)configure the pin; -1 keeps the current mode or pull."""
        was_output = self.mode == _OUT
        if pull != _KEEP:
            self.pull = pull
        if mode != _KEEP:
            self.mode = mode
        if value is not None:
            self.out_value = 1 if value else 0
        # Becoming an output drives the pin: record that level too.
        if self.mode == _OUT and (value is not None or not was_output):
            self._drive()

    @overload
    def value(self) -> int: ...
    @overload
    def value(self, x: int) -> None: ...
    def value(self, x: int | None = None) -> int | None:
        """Read the level, or set the output level (recorded in ``history``)."""
        if x is not None:
            self.out_value = 1 if x else 0
            if self.mode == _OUT:
                self._drive()
            return None
        if self.mode == _OUT:
            return self.out_value
        if self.source is not None:
            return 1 if self.source() else 0
        if self.driven is not None:
            return self.driven
        return 1 if self.pull == _PULL_UP else 0

    def on(self) -> None:
        """Drive the output high."""
        self.value(1)

    def off(self) -> None:
        """Drive the output low."""
        self.value(0)

    def _drive(self) -> None:
        self.history.append(self.out_value)
        if self.on_write is not None:
            self.on_write(self.out_value)


class I2C:
    """A Linux I2C bus (``/dev/i2c-<id>``) with MicroPython's ``machine.I2C`` API."""

    def __init__(self, id: int = 1, *, freq: int | None = None) -> None:
        """Open bus ``id`` (1 on a Pi's header). ``freq`` is ignored: Linux sets it at boot.

        Raises OSError saying how to enable the bus when the device is missing.
        """
        import fcntl  # Linux only: imported here so hal.machine's mocks run anywhere

        self._ioctl = fcntl.ioctl
        path = f"/dev/i2c-{id}"
        try:
            self._fd = os.open(path, os.O_RDWR)
        except FileNotFoundError as exc:
            raise OSError(
                errno.ENODEV,
                f"{path} does not exist: enable I2C (raspi-config, or dtparam=i2c_arm=on)",
            ) from exc
        self.id = id
        self.freq = freq

    def writeto(self, addr: int, buf: bytes, stop: bool = True) -> int:
        """Write ``buf`` to the device at ``addr``; return the bytes acknowledged.

        Raises OSError when the device does not answer.
        """
        self._ioctl(self._fd, _I2C_SLAVE, addr)
        return os.write(self._fd, buf)

    def readfrom(self, addr: int, nbytes: int, stop: bool = True) -> bytes:
        """Read ``nbytes`` from the device at ``addr``."""
        self._ioctl(self._fd, _I2C_SLAVE, addr)
        return os.read(self._fd, nbytes)

    def deinit(self) -> None:
        """Close the bus (idempotent)."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


class MockI2C:
    """An I2C double: devices at ``addresses`` acknowledge, every write is recorded."""

    def __init__(self, addresses: tuple[int, ...] = (0x27,)) -> None:
        self.addresses = addresses
        self.writes: list[tuple[int, bytes]] = []

    def writeto(self, addr: int, buf: bytes, stop: bool = True) -> int:
        """Record ``buf`` for ``addr``. Raises OSError(ENODEV) when nothing is at ``addr``."""
        if addr not in self.addresses:
            raise OSError(errno.ENODEV, f"no I2C device at 0x{addr:02x}")
        self.writes.append((addr, bytes(buf)))
        return len(buf)


def _import_gpiozero() -> Any:
    try:
        import gpiozero
    except ImportError as exc:
        raise ImportError(
            "hal.machine.Pin needs gpiozero: pip install gpiozero (plus lgpio on a Pi 5)"
        ) from exc
    return gpiozero
