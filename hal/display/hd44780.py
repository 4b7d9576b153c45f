"""Hd44780Display: a 20 x 2 HD44780 character LCD behind a PCF8574 I2C backpack.

Theory of operation: the PCF8574 is an 8-bit port expander; each byte
written over I2C appears on its pins. The common backpacks wire P0 to RS,
P1 to RW (kept low: write only), P2 to E, P3 to the backlight and P4-P7 to
D4-D7, so the controller runs in 4-bit mode and each nibble is clocked in by
three bytes: E low (RS and data settle), E high, E low (latched on the fall).
At 100 kHz a byte takes ~90 us, longer than any instruction but clear, so
only the reset sequence needs explicit delays.

A line is sent as one I2C write: "set DDRAM address" then 20 characters;
a line equal to what is already shown is not sent again.

Runs on MicroPython with ``machine.I2C``; on the Pi with ``hal.machine.I2C``.
"""

import time

from hal.display.text import COLUMNS, fit_line, hd44780_char

TYPE_CHECKING = False  # MicroPython has no typing module; mypy reads this as True.
if TYPE_CHECKING:
    from collections.abc import Callable

    from hal.machine import I2CLike

DEFAULT_ADDRESS = 0x27  # PCF8574; 0x3F on the PCF8574A variant

_RS = 0x01  # register select: 1 = character data, 0 = instruction
_EN = 0x04
_BACKLIGHT = 0x08

_CLEAR = 0x01
_ENTRY_INCREMENT = 0x06
_DISPLAY_OFF = 0x08
_DISPLAY_ON = 0x0C  # display on, cursor off, blink off
_FUNCTION_4BIT_2LINES = 0x28
_SET_DDRAM = 0x80
_LINE_ADDRESSES = (0x00, 0x40)  # DDRAM address of each line's first column


def _sleep_ms(ms: int) -> None:
    time.sleep(ms / 1000)


class Hd44780Display:
    """A Display on an HD44780 LCD through a PCF8574 at ``address`` on ``i2c``."""

    def __init__(
        self,
        i2c: "I2CLike",
        address: int = DEFAULT_ADDRESS,
        *,
        backlight: bool = True,
        delay_ms: "Callable[[int], None] | None" = None,
    ) -> None:
        """Reset the controller into 4-bit, 2-line mode and clear it.

        ``delay_ms`` replaces the millisecond sleep (tests pass a recorder).
        Raises OSError when nothing answers at ``address``.
        """
        self._i2c = i2c
        self._address = address
        self._light = _BACKLIGHT if backlight else 0
        self._delay_ms = delay_ms or _sleep_ms
        blank = " " * COLUMNS
        self._shown = [blank, blank]
        self._reset()

    @property
    def lines(self) -> "tuple[str, str]":
        """Return the two lines as last sent to the LCD (ASCII, 20 columns)."""
        return (self._shown[0], self._shown[1])

    def show(self, line1: str, line2: str = "") -> None:
        """Show two lines, accents folded to ASCII; only changed lines are sent."""
        for row, text in enumerate((line1, line2)):
            fitted = fit_line(text, hd44780_char)
            if fitted == self._shown[row]:
                continue
            buf = self._byte(_SET_DDRAM | _LINE_ADDRESSES[row], 0)
            for ch in fitted:
                buf += self._byte(ord(ch), _RS)
            self._i2c.writeto(self._address, buf)
            self._shown[row] = fitted

    def _reset(self) -> None:
        # "Initialization by instruction" (HD44780 datasheet, figure 24): three
        # 8-bit function sets bring the controller to a known state whatever
        # mode it was left in, then a fourth switches it to 4 bits.
        self._delay_ms(50)  # > 40 ms after power rises
        for wait_ms in (5, 1, 1):
            self._i2c.writeto(self._address, self._nibble(0x3, 0))
            self._delay_ms(wait_ms)
        self._i2c.writeto(self._address, self._nibble(0x2, 0))
        for command in (_FUNCTION_4BIT_2LINES, _DISPLAY_OFF, _CLEAR, _ENTRY_INCREMENT, _DISPLAY_ON):
            self._i2c.writeto(self._address, self._byte(command, 0))
            if command == _CLEAR:
                self._delay_ms(2)  # clear takes 1.52 ms

    def _nibble(self, nibble: int, rs: int) -> bytes:
        bits = (nibble << 4) | self._light | rs
        return bytes((bits, bits | _EN, bits))

    def _byte(self, value: int, rs: int) -> bytes:
        return self._nibble(value >> 4, rs) + self._nibble(value & 0x0F, rs)
