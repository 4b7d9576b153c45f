"""Test doubles of the hardware around the HAL: a key matrix, an HD44780, an ESC/POS printer.

Each models the device from its datasheet rather than from our driver, so a
driver bug shows up as a wrong picture of the device, not as a matching one.
"""

from __future__ import annotations

from collections.abc import Sequence

from escpos.printer import Dummy
from gpiozero.pins.mock import MockPin as GpioMockPin

from hal.machine import MockPin
from hal.ports import PRINTER_COVER_OPEN, PRINTER_OFFLINE, PRINTER_PAPER_OUT, PRINTER_READY

Position = tuple[int, int]


# ---------------------------------------------------------------------------
# Key matrix


class MatrixModel:
    """A key matrix: a column reads low when a held key joins it to a row driven low.

    Held keys are either set by hand (``held``) or follow a script of one
    held set per scan; a scan is counted each time row 0 is driven low.
    """

    def __init__(self, n_rows: int, n_cols: int, frames: Sequence[frozenset[Position]] = ()):
        self.n_rows = n_rows
        self.n_cols = n_cols
        self.row_levels = [1] * n_rows
        self.frames = list(frames)
        self.held: frozenset[Position] = frozenset()
        self.scans = 0

    @classmethod
    def typing(
        cls, n_rows: int, n_cols: int, presses: Sequence[Position], hold: int = 5, gap: int = 5
    ) -> MatrixModel:
        """Return a model where each key is held ``hold`` scans, then released ``gap`` scans."""
        frames: list[frozenset[Position]] = []
        for position in presses:
            frames += [frozenset({position})] * hold + [frozenset()] * gap
        return cls(n_rows, n_cols, frames)

    def row_driven(self, row: int, level: int) -> None:
        if row == 0 and level == 0 and self.row_levels[0] != 0:
            self.scans += 1
        self.row_levels[row] = level

    def current(self) -> frozenset[Position]:
        if not self.frames:
            return self.held
        index = self.scans - 1
        return self.frames[index] if 0 <= index < len(self.frames) else frozenset()

    def column_level(self, col: int) -> int:
        held = self.current()
        for row, level in enumerate(self.row_levels):
            if level == 0 and (row, col) in held:
                return 0
        return 1  # the column's pull-up

    def machine_pins(self) -> tuple[list[MockPin], list[MockPin]]:
        """Return (rows, cols) as hal.machine.MockPin wired to this model."""
        rows = [
            MockPin(f"row{r}", on_write=lambda level, r=r: self.row_driven(r, level))
            for r in range(self.n_rows)
        ]
        cols = [
            MockPin(f"col{c}", source=lambda c=c: self.column_level(c)) for c in range(self.n_cols)
        ]
        return rows, cols

    def wire_gpiozero(self, factory: object, row_gpios: Sequence[int], col_gpios: Sequence[int]):
        """Pre-create the factory's pins for the given GPIOs as this model's rows and columns."""
        for r, gpio in enumerate(row_gpios):
            factory.pin(gpio, pin_class=_GpioRowPin, model=self, row=r)  # type: ignore[attr-defined]
        for c, gpio in enumerate(col_gpios):
            factory.pin(gpio, pin_class=_GpioColumnPin, model=self, col=c)  # type: ignore[attr-defined]


class _GpioRowPin(GpioMockPin):
    """A gpiozero mock pin telling the matrix model the level it drives."""

    def __init__(self, factory, info, model: MatrixModel, row: int):
        super().__init__(factory, info)
        self._model = model
        self._row = row

    def _change_state(self, value):
        if self._function == "output":
            self._model.row_driven(self._row, 1 if value else 0)
        return super()._change_state(value)


class _GpioColumnPin(GpioMockPin):
    """A gpiozero mock pin whose level the matrix model computes."""

    def __init__(self, factory, info, model: MatrixModel, col: int):
        super().__init__(factory, info)
        self._model = model
        self._col = col

    def _get_state(self):
        return bool(self._model.column_level(self._col))


# ---------------------------------------------------------------------------
# HD44780 behind a PCF8574

_RS, _EN, _BACKLIGHT = 0x01, 0x04, 0x08


def a00_char(code: int) -> str:
    """Return what the HD44780's A00 (Japanese) ROM shows for ``code``."""
    if code == 0x5C:
        return "¥"
    if code == 0x7E:
        return "→"
    if code == 0x7F:
        return "←"
    if 0x20 <= code < 0x7E:
        return chr(code)
    return "\ufffd"


class Hd44780Model:
    """Decodes the bytes a PCF8574 receives into what an HD44780 does with them."""

    def __init__(self) -> None:
        self.ddram = bytearray(b" " * 0x80)
        self.address = 0
        self.four_bit = False
        self.display_on = False
        self.backlight = False
        self.instructions: list[int] = []
        self._previous = 0
        self._high: int | None = None

    def feed(self, data: bytes) -> None:
        for byte in data:
            self.backlight = bool(byte & _BACKLIGHT)
            if self._previous & _EN and not byte & _EN:  # latched on E falling
                self._nibble(self._previous >> 4, bool(self._previous & _RS))
            self._previous = byte

    def lines(self) -> tuple[str, str]:
        row = lambda start: "".join(a00_char(b) for b in self.ddram[start : start + 20])  # noqa: E731
        return row(0x00), row(0x40)

    def _nibble(self, nibble: int, rs: bool) -> None:
        if not self.four_bit:  # 8-bit mode: D0-D3 are not wired, read as 0
            self._execute(nibble << 4, rs)
            return
        if self._high is None:
            self._high = nibble
            return
        value, self._high = (self._high << 4) | nibble, None
        self._execute(value, rs)

    def _execute(self, value: int, rs: bool) -> None:
        if rs:
            self.ddram[self.address & 0x7F] = value
            self.address += 1
            return
        self.instructions.append(value)
        # An instruction is known by its highest set bit.
        if value & 0x80:  # set DDRAM address
            self.address = value & 0x7F
        elif value & 0x40:  # set CGRAM address: custom glyphs, unused
            pass
        elif value & 0x20:  # function set; DL (0x10) = 8-bit interface
            self.four_bit = not value & 0x10
        elif value & 0x10:  # cursor or display shift
            pass
        elif value & 0x08:  # display control; D (0x04) = display on
            self.display_on = bool(value & 0x04)
        elif value & 0x04:  # entry mode
            pass
        elif value & 0x02:  # return home
            self.address = 0
        elif value == 0x01:  # clear
            self.ddram[:] = b" " * 0x80
            self.address = 0


def hd44780_from_writes(writes: Sequence[tuple[int, bytes]], address: int = 0x27) -> Hd44780Model:
    """Return an HD44780 model fed with every I2C write made to ``address``."""
    model = Hd44780Model()
    for addr, data in writes:
        if addr == address:
            model.feed(data)
    return model


# ---------------------------------------------------------------------------
# ESC/POS printer answering real-time status


class StatusDummy(Dummy):
    """A python-escpos Dummy that answers DLE EOT 1, 2 and 4 like an Epson TM printer."""

    def __init__(self) -> None:
        super().__init__()
        self.silent = False  # off or unplugged: answers nothing
        self.offline = False
        self.cover_open = False
        self.paper_out = False
        self.queries: list[bytes] = []
        self.fail_writes = False
        self._reply = b""

    def set_state(self, state: str) -> None:
        self.silent = state == PRINTER_OFFLINE
        self.cover_open = state == PRINTER_COVER_OPEN
        self.paper_out = state == PRINTER_PAPER_OUT
        # A real printer stops (goes offline) with its cover open or paper out.
        self.offline = state != PRINTER_READY

    def _raw(self, msg: bytes) -> None:
        if msg[:2] == b"\x10\x04" and len(msg) == 3:
            self.queries.append(msg)
            self._reply = b"" if self.silent else bytes([self._answer(msg[2])])
            return
        if self.fail_writes:
            raise OSError("write failed: cable pulled")
        super()._raw(msg)

    def _read(self) -> bytes:
        reply, self._reply = self._reply, b""
        return reply

    def _answer(self, n: int) -> int:
        fixed = 0x12  # bits 1 and 4 are always set
        if n == 1:
            return fixed | (0x08 if self.offline else 0)
        if n == 2:
            return fixed | (0x04 if self.cover_open else 0) | (0x20 if self.paper_out else 0)
        if n == 4:
            return fixed | (0x60 if self.paper_out else 0)
        return fixed
