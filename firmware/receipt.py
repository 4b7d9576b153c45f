"""Printed documents as ESC/POS bytes: the sale ticket and short non-fiscal slips.

Commands become bytes here and only here, through python-escpos's ``Dummy``
printer, imported lazily by ``_Paper`` (the import costs ~300 ms and must stay
off the boot path). The functions are pure: the same inputs give the same bytes.

Bytes of every document:

- ``ESC @`` (reset), then ``ESC t 19``: code page **CP858** (CP850 with the euro
  sign at 0xD5). It has every French accented letter, ``°`` and ``€``. Text is
  encoded by this module with Python's ``cp858`` codec, never by python-escpos's
  automatic code-page switching, so the bytes are exact: a character outside
  CP858 or a control character prints as ``?`` (``œ`` as ``oe``, ``’`` as ``'``).
- Font A, ``config.paper_columns`` characters a line (42 on 80 mm paper),
  half as many in double width; longer text is word-wrapped here, never by the
  printer. Styles: ``ESC a n`` (align), ``ESC E n`` (bold), ``GS ! n`` (size),
  sent only when they change, before the text of a line; each line ends in LF.
- ``ESC d 6`` (feed) and ``GS V 1`` (partial cut) at the end.

``simulator/escpos_text.py`` reads these bytes back as text;
``tests/golden/ticket_sale.txt`` shows a whole ticket as printed.
"""

import textwrap

from firmware import version
from firmware.config import Merchant, TerminalConfig
from firmware.text import format_cents
from fiscal_core import codes
from fiscal_core.civil import local_date_time
from fiscal_core.ed25519 import b64url, signature_extract
from fiscal_core.records import SIGNATURE_BYTES, Line, Record, TicketBody
from fiscal_core.vat import VatLine, breakdown

CODE_PAGE = "cp858"  # Python codec of the ESC/POS code page selected below
CODE_PAGE_NAME = "CP858"  # python-escpos's name for ESC t 19

# Sizes as (width, height) multipliers of font A, sent with GS ! n.
NORMAL = (1, 1)
TALL = (1, 2)
LARGE = (2, 2)

_CP858_REPERTOIRE = frozenset(
    bytes(range(0x20, 0x7F)).decode(CODE_PAGE) + bytes(range(0x80, 0x100)).decode(CODE_PAGE)
)
_FALLBACK = {"œ": "oe", "Œ": "OE", "’": "'", "‘": "'", "\u202f": " ", "\u2009": " "}


def format_amount(cents: int) -> str:
    """Return ``cents`` as printed, with a decimal comma: ``1250`` -> ``"12,50 €"``."""
    return f"{format_cents(cents)} €"


def format_rate(rate: int) -> str:
    """Return a VAT rate (percent x 100) as printed: ``2000`` -> ``20 %``, ``550`` -> ``5,5 %``."""
    whole, hundredths = divmod(rate, 100)
    if hundredths == 0:
        return f"{whole} %"
    return f"{whole},{hundredths:02d}".rstrip("0") + " %"


def printable(text: str) -> str:
    """Return ``text`` with what CP858 cannot print replaced (see the module docstring)."""
    chars = (_FALLBACK.get(ch, ch) for ch in text)  # a fallback may be two letters ("oe")
    return "".join(ch if len(ch) > 1 or ch in _CP858_REPERTOIRE else "?" for ch in chars)


class _Paper:
    """A document being laid out line by line over a python-escpos Dummy printer."""

    def __init__(self, columns: int) -> None:
        from escpos.printer import Dummy  # lazy: ~300 ms, off the boot path

        if columns < 16:
            raise ValueError(f"paper_columns {columns} is too narrow for a receipt")
        self.columns = columns
        self._printer = Dummy()
        self._printer.hw("INIT")  # ESC @
        self._printer.charcode(CODE_PAGE_NAME)  # ESC t 19
        self._style: tuple[str, bool, tuple[int, int]] = ("left", False, NORMAL)

    def line(
        self,
        text: str = "",
        *,
        align: str = "left",
        bold: bool = False,
        size: tuple[int, int] = NORMAL,
    ) -> None:
        """Print ``text`` (wrapped to the width of ``size``) on one or more lines."""
        for piece in _wrap(printable(text), self.columns // size[0]):
            self._set_style(align, bold, size)
            # Dummy's _raw is its transport sink: pre-encoded text bypasses python-escpos's
            # automatic code-page switching, so these bytes are exactly cp858.
            self._printer._raw(piece.encode(CODE_PAGE) + b"\n")

    def pair(
        self, left: str, right: str, *, bold: bool = False, size: tuple[int, int] = NORMAL
    ) -> None:
        """Print ``left`` and ``right`` flush to the margins, on two lines if they do not fit."""
        width = self.columns // size[0]
        left, right = printable(left), printable(right)
        if len(left) + 1 + len(right) <= width:
            self.line(left + right.rjust(width - len(left)), bold=bold, size=size)
        else:
            self.line(left, bold=bold, size=size)
            self.line(right.rjust(width), bold=bold, size=size)

    def rule(self) -> None:
        self.line("-" * self.columns)

    def finish(self) -> bytes:
        """Feed, cut partially and return the whole document's bytes."""
        self._printer.cut(mode="PART")  # ESC d 6, GS V 1
        return bytes(self._printer.output)

    def _set_style(self, align: str, bold: bool, size: tuple[int, int]) -> None:
        old_align, old_bold, old_size = self._style
        changes: dict[str, object] = {}
        if size != old_size:
            changes.update(custom_size=True, width=size[0], height=size[1])  # GS ! n
        if bold != old_bold:
            changes["bold"] = bold  # ESC E n
        if align != old_align:
            changes["align"] = align  # ESC a n
        if changes:
            self._printer.set(**changes)
            self._style = (align, bold, size)


def _wrap(text: str, width: int) -> list[str]:
    if len(text) <= width:
        return [text]
    return textwrap.wrap(text, width, break_on_hyphens=False) or [""]


def _merchant_block(paper: _Paper, merchant: Merchant) -> None:
    paper.line(merchant.name, align="center", bold=True, size=TALL)
    for address_line in merchant.address:
        paper.line(address_line, align="center")
    paper.line(f"SIRET {merchant.siret}", align="center")
    paper.line(f"NAF {merchant.naf}", align="center")
    paper.line(f"TVA intracom. {merchant.vat_number}", align="center")
    paper.rule()


def _software_block(paper: _Paper) -> None:
    paper.line(f"Logiciel : {version.SOFTWARE_NAME} {version.SOFTWARE_VERSION}")
    paper.line(
        f"Certificat : catégorie {version.CERTIFICATE_CATEGORY} n° {version.CERTIFICATE_NUMBER}"
    )


def vat_codes(config: TerminalConfig, lines: list[Line]) -> dict[int, str]:
    """Return the VAT code letter of each rate: ``A``, ``B``... in ``config.vat_rates`` order.

    Rates of ``lines`` missing from the configuration follow, highest first.
    """
    rates = list(config.vat_rates)
    rates += sorted({line.vat_rate for line in lines} - set(rates), reverse=True)
    return {rate: chr(ord("A") + i) if i < 26 else "?" for i, rate in enumerate(rates)}


def _vat_table(paper: _Paper, vat_lines: list[VatLine], letters: dict[int, str]) -> None:
    """Print HT, TVA and TTC per rate and in all; amounts lose `` €`` if it cannot fit."""
    rows = [(f"{letters[v.rate]} {format_rate(v.rate)}", v.base, v.tax, v.total) for v in vat_lines]
    totals = (sum(v.base for v in vat_lines), sum(v.tax for v in vat_lines))
    rows.append(("Total", *totals, sum(v.total for v in vat_lines)))
    names = ["Taux", *(row[0] for row in rows)]
    for suffix in (" €", ""):
        cells = [["HT", "TVA", "TTC"]]
        cells += [[format_amount(a).removesuffix(" €") + suffix for a in row[1:]] for row in rows]
        cell = max((paper.columns - 9) // 3, *(len(c) + 1 for r in cells for c in r))
        if max(map(len, names)) + 3 * cell <= paper.columns:
            break
    for name, row_cells in zip(names, cells, strict=True):
        paper.line(name.ljust(paper.columns - 3 * cell) + "".join(c.rjust(cell) for c in row_cells))


def ticket_receipt(record: Record, config: TerminalConfig, *, reprint: int = 0) -> bytes:
    """Return the ESC/POS bytes of the customer receipt of a sealed sale ticket.

    ``reprint`` is the reprint number: 0 on the original, n on the n-th
    duplicate (printed ``DUPLICATA n° n``). Perpetual totals are not printed.
    Raises ValueError if ``record`` is not a signed ticket or ``reprint`` < 0.
    """
    body = record.body
    if record.doc_type != codes.DOC_TICKET or not isinstance(body, TicketBody):
        raise ValueError(f"{record!r} is not a sale ticket")
    if len(record.signature) != SIGNATURE_BYTES:
        raise ValueError(f"{record!r} is not signed")
    if reprint < 0:
        raise ValueError("the reprint number cannot be negative")
    operator = config.operator(record.operator_id)
    letters = vat_codes(config, body.lines)

    paper = _Paper(config.paper_columns)
    _merchant_block(paper, config.merchant)
    paper.pair("TICKET DE VENTE", f"N° {record.number:06d}", bold=True)
    paper.line(f"Date : {local_date_time(record.time_utc, record.utc_offset)}")
    paper.line(f"Terminal : {record.terminal_id}")
    name = f" - {operator.name}" if operator is not None else ""
    paper.line(f"Opérateur : {record.operator_id}{name}")
    paper.rule()
    for line in body.lines:
        paper.line(line.label)
        paper.pair(
            f"  {line.quantity} x {format_amount(line.unit_price)}",
            f"{format_amount(line.total)} {letters[line.vat_rate]}",
        )
    paper.rule()
    paper.line(f"Nombre de lignes : {len(body.lines)}")
    paper.pair("TOTAL TTC", format_amount(body.total), bold=True, size=LARGE)
    paper.rule()
    _vat_table(paper, breakdown(body.lines), letters)
    paper.rule()
    for payment in body.payments:
        means = codes.PAYMENT_NAMES.get(payment.means, f"MOYEN {payment.means}")
        paper.pair(means, format_amount(payment.amount))
    paper.pair("RENDU", format_amount(body.change))
    paper.rule()
    if reprint:
        paper.line(f"DUPLICATA n° {reprint}", align="center", bold=True)
    else:
        paper.line("Réimpression : 0", bold=True)
    _software_block(paper)
    paper.line(f"Signature : {signature_extract(b64url(record.signature))}")
    return paper.finish()


def text_slip(title: str, lines: list[str], config: TerminalConfig) -> bytes:
    """Return the ESC/POS bytes of a short non-fiscal slip (an error, the version...).

    Merchant header, ``title`` centered in bold, then ``lines`` left-aligned
    (each printed as is when it fits, word-wrapped otherwise), then the
    terminal and software identity.
    """
    paper = _Paper(config.paper_columns)
    _merchant_block(paper, config.merchant)
    paper.line(title, align="center", bold=True)
    paper.rule()
    for text in lines:
        paper.line(text)
    paper.rule()
    paper.line(f"Terminal : {config.terminal_id}")
    _software_block(paper)
    paper.line("DOCUMENT NON FISCAL", align="center")
    return paper.finish()
