"""The receipts folder: each printed job kept as ``NNNNNN.bin`` (ESC/POS) and ``NNNNNN.txt``.

Numbers continue after the highest one already in the folder, so the
receipts of successive runs accumulate. A file is never overwritten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from simulator.escpos_text import render_text

NUMBER_DIGITS = 6
_NAME = re.compile(r"^(\d{6})\.(?:bin|txt)$")


@dataclass(frozen=True)
class SavedReceipt:
    """One receipt as written to the folder, with its text as the paper shows it."""

    number: int
    bin_path: Path
    txt_path: Path
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


class ReceiptStore:
    """Writes printed jobs into ``directory`` (made on the first save)."""

    def __init__(self, directory: Path, columns: int = 42) -> None:
        self.directory = directory
        self.columns = columns

    def next_number(self) -> int:
        """Return the number the next receipt gets: one after the highest there, or 1."""
        if not self.directory.is_dir():
            return 1
        numbers = [
            int(match.group(1))
            for path in self.directory.iterdir()
            if (match := _NAME.match(path.name))
        ]
        return max(numbers, default=0) + 1

    def save(self, data: bytes) -> SavedReceipt:
        """Write ``data`` and its rendered text under the next number; return what was written.

        Raises OSError when the folder cannot be written (FileExistsError
        rather than overwrite a receipt).
        """
        lines = tuple(render_text(data, self.columns))
        self.directory.mkdir(parents=True, exist_ok=True)
        number = self.next_number()
        stem = f"{number:0{NUMBER_DIGITS}d}"
        saved = SavedReceipt(
            number, self.directory / f"{stem}.bin", self.directory / f"{stem}.txt", lines
        )
        with saved.bin_path.open("xb") as f:
            f.write(data)
        with saved.txt_path.open("x", encoding="utf-8") as f:
            f.write(saved.text)
        return saved
