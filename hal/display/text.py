"""Fitting text to the 2 x 20 display: one character set per kind of display, one fitter.

``fit_line`` maps each character through a charset function, then cuts or
pads to the display's width; the map runs first because a folding such as
"€" -> "EUR" changes the length. Two charsets:

- ``latin_char`` (simulator and fake): keeps the French text as written
  (printable Latin-1 plus the Latin-9 / CP1252 extras: €, œ, Ÿ, typographic
  quotes), like a customer VFD with a Latin code page;
- ``hd44780_char``: the HD44780's A00 ROM has plain ASCII only (and ¥ and
  arrows where ASCII has \\ and ~), so accented letters fold to ASCII.

Anything else becomes "?": a display must never raise on text.
This module runs on MicroPython too (no typing or unicodedata at run time).
"""

TYPE_CHECKING = False  # MicroPython has no typing module; mypy reads this as True.
if TYPE_CHECKING:
    from collections.abc import Callable

# Equal to hal.ports.DISPLAY_COLUMNS (a test holds them equal); not imported
# from there because hal.ports needs typing, which MicroPython lacks.
COLUMNS = 20
REPLACEMENT = "?"

# Whitespace that must not move the cursor: shown as a plain space.
_SPACES = "\t\n\r\x0b\x0c\xa0\u2007\u202f"

# Outside Latin-1 but on a French receipt (Latin-9 / CP1252 additions).
_LATIN_EXTRAS = "€ŒœŸŠšŽž‘’‚“”„…–—•"

_ASCII_FOLD = {"æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ß": "ss", "€": "EUR", "…": "..."}
for _letters, _ascii in (
    ("àâäáãå", "a"),
    ("ÀÂÄÁÃÅ", "A"),
    ("ç", "c"),
    ("Ç", "C"),
    ("éèêë", "e"),
    ("ÉÈÊË", "E"),
    ("îïíì", "i"),
    ("ÎÏÍÌ", "I"),
    ("ôöóòõø", "o"),
    ("ÔÖÓÒÕØ", "O"),
    ("ùûüú", "u"),
    ("ÙÛÜÚ", "U"),
    ("ÿý", "y"),
    ("ŸÝ", "Y"),
    ("ñ", "n"),
    ("Ñ", "N"),
    ("š", "s"),
    ("Š", "S"),
    ("ž", "z"),
    ("Ž", "Z"),
    ("«»“”„", '"'),
    ("‘’‚´", "'"),
    ("–—•\xad", "-"),
    ("°", "o"),
    ("\\", "/"),  # 0x5C is ¥ in the A00 ROM
    ("~", "-"),  # 0x7E is an arrow in the A00 ROM
):
    for _letter in _letters:
        _ASCII_FOLD[_letter] = _ascii


def latin_char(ch: str) -> str:
    """Return ``ch`` as the simulator / fake display shows it (accents kept)."""
    if ch in _SPACES:
        return " "
    code = ord(ch)
    if code == 0xAD:  # a soft hyphen is invisible in print; show it as one
        return "-"
    if 0x20 <= code < 0x7F or 0xA0 < code <= 0xFF or ch in _LATIN_EXTRAS:
        return ch
    return REPLACEMENT


def hd44780_char(ch: str) -> str:
    """Return ``ch`` in the HD44780 A00 ROM's ASCII (accents folded; may be 2-3 letters)."""
    if ch in _SPACES:
        return " "
    folded = _ASCII_FOLD.get(ch)
    if folded is not None:
        return folded
    if 0x20 <= ord(ch) < 0x7F:
        return ch
    return REPLACEMENT


def fit_line(text: str, charset: "Callable[[str], str]", columns: int = COLUMNS) -> str:
    """Return ``text`` mapped through ``charset``, cut or space-padded to exactly ``columns``."""
    shown = "".join([charset(ch) for ch in text])[:columns]
    return shown + " " * (columns - len(shown))
