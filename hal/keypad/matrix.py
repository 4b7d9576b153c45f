"""MatrixKeypad: a row/column key matrix scanned through ``machine.Pin``-style pins.

Theory of operation: rows are outputs idling high, columns are inputs with
pull-ups. A scan drives one row low at a time and reads every column; a
column reads low where a held key joins it to the driven row. A key set is
taken as real only once ``debounce_scans`` consecutive scans agree (contact
bounce lasts a few ms, so at the runner's ~10 ms poll 3 scans is ~30 ms).
Keys that appear in a newly stable set are queued as presses, in row-major
order when several appear together; releases are not reported.

Each ``read_key`` call does exactly one scan, so it never blocks and the
poll rate sets the debounce time. Without diodes, three held keys on a
rectangle's corners "ghost" a fourth: the firmware only needs single presses.

This module runs unchanged on MicroPython with the real ``machine.Pin``:
no typing or __future__ import at run time, pins handed in by the caller.
"""

TYPE_CHECKING = False  # MicroPython has no typing module; mypy reads this as True.
if TYPE_CHECKING:
    from collections.abc import Sequence

    from hal.machine import PinLike


class MatrixKeypad:
    """A Keypad reading a key matrix; ``keymap[r][c]`` names the key at row r, column c."""

    def __init__(
        self,
        rows: "Sequence[PinLike]",
        cols: "Sequence[PinLike]",
        keymap: "Sequence[Sequence[str]]",
        debounce_scans: int = 3,
    ) -> None:
        """Configure the pins (rows: outputs high; columns: inputs with pull-ups).

        An empty name in ``keymap`` marks an unwired position. Raises
        ValueError when ``keymap`` is not len(rows) x len(cols) or
        ``debounce_scans`` < 1.
        """
        if len(keymap) != len(rows) or any(len(line) != len(cols) for line in keymap):
            raise ValueError(f"keymap must be {len(rows)} rows of {len(cols)} key names")
        if debounce_scans < 1:
            raise ValueError("debounce_scans must be at least 1")
        self._rows = list(rows)
        self._cols = list(cols)
        self._names = [name for line in keymap for name in line]
        self._debounce_scans = debounce_scans
        self._stable: list[int] = []
        self._candidate: list[int] = []
        self._agreeing_scans = 0
        self._pending: list[str] = []
        for row in self._rows:
            row.init(row.OUT, value=1)
        for col in self._cols:
            col.init(col.IN, col.PULL_UP)

    def scan(self) -> "list[int]":
        """Return the indices (row * columns + column) of the keys held now, row-major."""
        held: list[int] = []
        width = len(self._cols)
        for r, row in enumerate(self._rows):
            row.value(0)
            try:
                for c, col in enumerate(self._cols):
                    if col.value() == 0 and self._names[r * width + c]:
                        held.append(r * width + c)
            finally:
                # Never leave a row low: it would read as a held key forever.
                row.value(1)
        return held

    def read_key(self) -> "str | None":
        """Scan once, then return the oldest unread press, or None."""
        self._update(self.scan())
        return self._pending.pop(0) if self._pending else None

    def _update(self, held: "list[int]") -> None:
        if held == self._candidate:
            self._agreeing_scans += 1
        else:
            self._candidate = held
            self._agreeing_scans = 1
        if self._agreeing_scans >= self._debounce_scans and held != self._stable:
            for index in held:
                if index not in self._stable:
                    self._pending.append(self._names[index])
            self._stable = held
