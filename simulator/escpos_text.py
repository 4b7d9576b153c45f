"""A small ESC/POS interpreter: the paper a receipt printer would give, as text.

Theory of operation. Bytes are read left to right. Printable bytes (0x20-0x7E,
0x80-0xFF) are decoded with the selected code page and go to the line buffer;
LF prints the buffer as one line (an empty buffer prints a blank line). A line
holds ``columns`` characters (half in double width): one character more
prints the full line first, as a printer does. The style of a line (align,
bold, size) is the one in force when its first character arrived, since
printers apply alignment at the start of a line only.

Commands understood (exactly the subset ``firmware/receipt.py`` emits, plus a
few neighbours); any other control byte or command raises EscposParseError
rather than print garbage:

- ``ESC @`` reset (discards the buffer; code page 0), ``ESC t n`` code page
  (0 = CP437, 19 = CP858), ``ESC a n`` align, ``ESC E n`` bold, ``ESC ! n``
  print mode (bold, double height, double width), ``GS ! n`` character size,
  ``ESC M n`` font (A only);
- ``LF``, ``ESC d n`` print and feed n lines (n LFs; ``ESC d 0`` prints the
  buffer if any);
- ``GS V m`` / ``GS V m n`` cut: a line of ``- - -`` marked ``cut``;
- ``ESC p m t1 t2`` drawer kick: no paper, ignored.
"""

from dataclasses import dataclass, replace

ESC = 0x1B
GS = 0x1D
LF = 0x0A

ALIGNS = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center", 50: "right"}
CODE_PAGES = {0: "cp437", 19: "cp858"}
COMMANDS = {(ESC, ord(c)): f"ESC {c}" for c in "@!EMadpt"} | {(GS, ord(c)): f"GS {c}" for c in "!V"}


class EscposParseError(ValueError):
    """The bytes hold something this interpreter does not know; ``offset`` says where."""

    code = "ESCPOS_PARSE"

    def __init__(self, offset: int, message: str) -> None:
        super().__init__(f"byte {offset}: {message}")
        self.offset = offset


@dataclass(frozen=True)
class PaperLine:
    """One printed line: its characters (without alignment padding) and its style."""

    text: str
    align: str = "left"
    bold: bool = False
    double_height: bool = False
    double_width: bool = False
    cut: bool = False
    columns: int = 42  # characters the line holds at its size

    def aligned(self) -> str:
        """Return the line as it sits on the paper, padded on the left by its alignment.

        A blank line is always ``""``, whatever its alignment.
        """
        if not self.text:
            return ""
        room = max(self.columns - len(self.text), 0)
        pad = {"left": 0, "center": room // 2, "right": room}[self.align]
        return " " * pad + self.text


class _Printer:
    """State of the emulated printer while the bytes are read."""

    def __init__(self, columns: int) -> None:
        self.columns = columns
        self.lines: list[PaperLine] = []
        self.reset()

    def reset(self) -> None:
        self.buffer: list[str] = []
        self.line_style: PaperLine | None = None
        self.align = "left"
        self.bold = False
        self.width = 1
        self.height = 1
        self.code_page = CODE_PAGES[0]

    def style(self) -> PaperLine:
        return PaperLine(
            "",
            self.align,
            self.bold,
            self.height > 1,
            self.width > 1,
            columns=self.columns // self.width,
        )

    def put(self, char: str) -> None:
        if self.line_style is None:
            self.line_style = self.style()
        elif len(self.buffer) >= self.line_style.columns:
            self.feed()
            self.line_style = self.style()
        self.buffer.append(char)

    def feed(self) -> None:
        style = self.line_style or self.style()
        self.lines.append(replace(style, text="".join(self.buffer)))
        self.buffer, self.line_style = [], None

    def cut(self) -> None:
        if self.buffer:
            self.feed()
        mark = ("- " * (self.columns // 2)).rstrip()
        self.lines.append(PaperLine(mark, cut=True, columns=self.columns))


class _Reader:
    """The bytes still to read, and where the reading is."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.offset = 0

    def done(self) -> bool:
        return self.offset >= len(self.data)

    def take(self, count: int) -> bytes:
        if self.offset + count > len(self.data):
            raise EscposParseError(self.offset, "truncated command at the end of the data")
        self.offset += count
        return self.data[self.offset - count : self.offset]


def render_lines(data: bytes, columns: int = 42) -> list[PaperLine]:
    """Return the printed lines of ESC/POS ``data`` with their style.

    Raises EscposParseError on an unknown or truncated command.
    """
    printer = _Printer(columns)
    reader = _Reader(data)
    while not reader.done():
        start = reader.offset
        byte = reader.take(1)[0]
        if byte == LF:
            printer.feed()
        elif 0x20 <= byte < 0x7F or byte >= 0x80:
            printer.put(bytes((byte,)).decode(printer.code_page))
        elif byte in (ESC, GS):
            _command(printer, reader, (byte, reader.take(1)[0]), start)
        else:
            raise EscposParseError(start, f"unknown control byte 0x{byte:02x}")
    if printer.buffer:
        printer.feed()
    return printer.lines


def _command(printer: _Printer, reader: _Reader, key: tuple[int, int], start: int) -> None:
    """Apply the ESC or GS command ``key`` (prefix, command byte), reading its arguments."""
    if key not in COMMANDS:
        prefix = "ESC" if key[0] == ESC else "GS"
        raise EscposParseError(start, f"unknown command {prefix} 0x{key[1]:02x}")
    if key == (ESC, ord("@")):
        printer.reset()
        return
    if key == (ESC, ord("p")):
        reader.take(3)  # drawer kick (pin, on time, off time): nothing on paper
        return
    n = reader.take(1)[0]
    if key == (GS, ord("V")) and n in (0, 1, 48, 49, 65, 66):
        if n in (65, 66):
            reader.take(1)  # feed before the cut, in dots
        printer.cut()
    elif key == (ESC, ord("a")) and n in ALIGNS:
        printer.align = ALIGNS[n]
    elif key == (ESC, ord("E")):
        printer.bold = bool(n & 1)
    elif key == (ESC, ord("!")) and not n & 0x01:  # bit 0 would be font B
        printer.bold = bool(n & 0x08)
        printer.height = 2 if n & 0x10 else 1
        printer.width = 2 if n & 0x20 else 1
    elif key == (GS, ord("!")) and n & 0x88 == 0:  # 1 to 8 times wide and high
        printer.width, printer.height = (n >> 4) + 1, (n & 0x0F) + 1
    elif key == (ESC, ord("M")) and n in (0, 48):
        pass  # font A, the only font whose line width is known
    elif key == (ESC, ord("d")):
        if printer.buffer:
            printer.feed()
            n -= 1
        for _ in range(n):
            printer.feed()
    elif key == (ESC, ord("t")) and n in CODE_PAGES:
        printer.code_page = CODE_PAGES[n]
    else:
        raise EscposParseError(start, f"unsupported argument {n} of {COMMANDS[key]}")


def render_text(data: bytes, columns: int = 42) -> list[str]:
    """Return the printed lines of ESC/POS ``data`` as text, alignment applied.

    Bold and size are dropped (a double-width line holds ``columns // 2``
    characters); a cut is a line of ``- - -``. Raises EscposParseError.
    """
    return [line.aligned() for line in render_lines(data, columns)]
