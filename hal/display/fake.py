"""FakeDisplay: records every screen shown, for firmware tests."""

from __future__ import annotations

from hal.display.text import fit_line, latin_char


class FakeDisplay:
    """Keeps the current two lines and the history of every ``show``, fitted to 20 columns."""

    def __init__(self) -> None:
        blank = fit_line("", latin_char)
        self.lines: tuple[str, str] = (blank, blank)
        self.history: list[tuple[str, str]] = []

    def show(self, line1: str, line2: str = "") -> None:
        """Fit both lines (cut/pad to 20, unknown characters to "?") and record them."""
        self.lines = (fit_line(line1, latin_char), fit_line(line2, latin_char))
        self.history.append(self.lines)

    @property
    def text(self) -> tuple[str, str]:
        """Return the current lines without their padding, for readable assertions."""
        return (self.lines[0].rstrip(), self.lines[1].rstrip())
