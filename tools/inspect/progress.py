"""The progress of a copy: a bar on a terminal, a line every tenth of the way otherwise.

A bar (``\\r`` redraws) would fill a log file or a pipe with noise, so when
the stream is not a terminal a plain line is written at each tenth.
"""

from __future__ import annotations

import time
from typing import TextIO


class Progress:
    """A bar on a terminal, a line every tenth of the way otherwise."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total, self.stream = max(total, 1), stream
        self.tty = stream.isatty()
        self.start = time.monotonic()
        self.shown = -1

    def update(self, done: int, nbytes: int) -> None:
        ratio = min(done / self.total, 1.0)
        speed = nbytes / max(time.monotonic() - self.start, 1e-6) / 1024
        if self.tty:
            bar = "#" * int(ratio * 30)
            self.stream.write(
                f"\r  [{bar:<30}] {done}/{self.total} enregistrements {speed:.0f} kio/s"
            )
        elif int(ratio * 10) > self.shown:
            self.shown = int(ratio * 10)
            self.stream.write(f"enregistrements : {done}/{self.total} ({ratio:.0%})\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.tty:
            self.stream.write("\n")
