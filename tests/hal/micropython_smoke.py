"""Run hal's MicroPython drivers under a real MicroPython (not collected by pytest).

    micropython tests/hal/micropython_smoke.py   # from the project root

It proves MatrixKeypad, Hd44780Display and the display text helpers import
and run without typing, __future__, abc or unicodedata. The pins and the bus
are minimal stand-ins written here, as the real ``machine`` module is absent
on the unix port. Prints "micropython smoke: ok" on success.
"""

import sys

sys.path.insert(0, ".")

from hal.display.hd44780 import Hd44780Display
from hal.display.text import fit_line, hd44780_char, latin_char
from hal.keypad.matrix import MatrixKeypad


class Pin:
    IN = 0
    OUT = 1
    PULL_UP = 1
    PULL_DOWN = 2

    def __init__(self, matrix, row=None, col=None):
        self.matrix, self.row, self.col, self.level = matrix, row, col, 1

    def init(self, mode=-1, pull=-1, value=None):
        if value is not None:
            self.level = value

    def value(self, x=None):
        if x is not None:
            self.level = x
            return None
        for r, pin in enumerate(self.matrix["rows"]):
            if pin.level == 0 and (r, self.col) in self.matrix["held"]:
                return 0
        return 1


class I2C:
    def __init__(self):
        self.sent = 0

    def writeto(self, addr, buf, stop=True):
        self.sent += len(buf)
        return len(buf)


matrix = {"rows": [], "held": set()}
rows = [Pin(matrix, row=r) for r in range(2)]
matrix["rows"] = rows
cols = [Pin(matrix, col=c) for c in range(2)]
keypad = MatrixKeypad(rows, cols, [["1", "2"], ["3", "ENTER"]], debounce_scans=2)
matrix["held"] = {(1, 1)}
keys = [keypad.read_key() for _ in range(3)]
assert keys == [None, "ENTER", None], keys

assert fit_line("Crème brûlée 5€", hd44780_char) == "Creme brulee 5EUR   "
assert fit_line("Crème", latin_char) == "Crème" + " " * 15

bus = I2C()
lcd = Hd44780Display(bus, delay_ms=lambda ms: None)
lcd.show("Bonjour", "Total 12,50€")
assert lcd.lines[1] == "Total 12,50EUR      ", lcd.lines
assert bus.sent > 0
print("micropython smoke: ok")
