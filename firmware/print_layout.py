"""Layout of every printed document: the paper, its styles and the blocks documents share.

Commands become bytes here and only here, through python-escpos's ``Dummy``
printer, imported lazily by ``Paper`` (the import costs ~300 ms and must stay
off the boot path). Everything is pure: the same inputs give the same bytes.

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

``simulator/escpos_text.py`` reads these bytes back as text.
"""

import textwrap

from firmware import version
from firmware.config import Merchant, TerminalConfig
from firmware.text import format_cents
from fiscal_core import codes
from fiscal_core.civil import local_date_time
from fiscal_core.ed25519 import b64url, signature_extract
from fiscal_core.records import SIGNATURE_BYTES, Line, Payment, Record
from fiscal_core.vat import VatLine

CODE_PAGE = "cp858"  # Python codec of the ESC/POS code page selected below
CODE_PAGE_NAME = "CP858"  # python-escpos's name for ESC t 19

# Sizes as (width, height) multipliers of font A, sent with GS ! n.
NORMAL = (1, 1)
TALL = (1, 2)
LARGE = (2, 2)

TRAINING_TITLE = "FORMATION"
NOT_FOR_PAYMENT = "NON VALABLE POUR ENCAISSEMENT"

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


class Paper:
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
        indent: int = 0,
    ) -> None:
        """Print ``text`` (wrapped to the width of ``size``) on one or more lines."""
        for piece in _wrap(printable(text), self.columns // size[0], indent):
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
        """Print a dashed line across the paper."""
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


def _wrap(text: str, width: int, indent: int = 0) -> list[str]:
    if len(text) <= width:
        return [text]
    pad = " " * min(indent, width // 2)
    return textwrap.wrap(text, width, subsequent_indent=pad, break_on_hyphens=False) or [""]


def require_signed(record: Record) -> None:
    """Raise ValueError unless ``record`` carries a 64-byte signature."""
    if len(record.signature) != SIGNATURE_BYTES:
        raise ValueError(f"{record!r} is not signed")


def merchant_block(paper: Paper, merchant: Merchant) -> None:
    """Print the issuer: name, address, SIRET, NAF and VAT number, then a rule."""
    paper.line(merchant.name, align="center", bold=True, size=TALL)
    for address_line in merchant.address:
        paper.line(address_line, align="center")
    paper.line(f"SIRET {merchant.siret}", align="center")
    paper.line(f"NAF {merchant.naf}", align="center")
    paper.line(f"TVA intracom. {merchant.vat_number}", align="center")
    paper.rule()


def software_block(paper: Paper) -> None:
    """Print the software name and version, the certificate category and number."""
    paper.line(f"Logiciel : {version.SOFTWARE_NAME} {version.SOFTWARE_VERSION}")
    paper.line(
        f"Certificat : catégorie {version.CERTIFICATE_CATEGORY} n° {version.CERTIFICATE_NUMBER}"
    )


def signature_line(
    paper: Paper, record: Record, label: str = "Signature", bold: bool = False
) -> None:
    """Print ``label : XXXX``, the extract (characters 3, 7, 13, 19) of the record's signature."""
    paper.line(f"{label} : {signature_extract(b64url(record.signature))}", bold=bold)


def reprint_line(paper: Paper, reprint: int) -> None:
    """Print the reprint number in bold: 0 on an original, n on the n-th duplicate."""
    paper.line(f"Réimpression : {reprint}", bold=True)


def duplicate_banner(paper: Paper, reprint: int) -> None:
    """Print ``DUPLICATA N° n`` in bold double height, centred."""
    paper.line(f"DUPLICATA N° {reprint}", align="center", bold=True, size=TALL)


def slip_footer(paper: Paper, config: TerminalConfig) -> None:
    """Print the end of a non-fiscal slip: terminal, software identity, DOCUMENT NON FISCAL."""
    paper.rule()
    paper.line(f"Terminal : {config.terminal_id}")
    software_block(paper)
    paper.line("DOCUMENT NON FISCAL", align="center")


def training_mention(paper: Paper) -> None:
    """Print FORMATION / NON VALABLE POUR ENCAISSEMENT in bold, as large as anything printed."""
    paper.line(TRAINING_TITLE, align="center", bold=True, size=LARGE)
    paper.line(NOT_FOR_PAYMENT, align="center", bold=True, size=LARGE)


def operator_text(config: TerminalConfig, operator_id: int) -> str:
    """Return ``Opérateur : 1 - Camille`` (the id alone when the operator is not configured)."""
    operator = config.operator(operator_id)
    name = f" - {operator.name}" if operator is not None else ""
    return f"Opérateur : {operator_id}{name}"


def heading(paper: Paper, title: str, record: Record, config: TerminalConfig) -> None:
    """Print a record's title and number in bold, its local date and time, terminal, operator."""
    paper.pair(title, f"N° {record.number:06d}", bold=True)
    paper.line(f"Date : {local_date_time(record.time_utc, record.utc_offset)}")
    paper.line(f"Terminal : {record.terminal_id}")
    paper.line(operator_text(config, record.operator_id))


def rate_letters(config: TerminalConfig, rates: list[int]) -> dict[int, str]:
    """Return the VAT code letter of each rate: ``A``, ``B``... in ``config.vat_rates`` order.

    Rates of ``rates`` missing from the configuration follow, highest first.
    """
    known = list(config.vat_rates)
    known += sorted(set(rates) - set(known), reverse=True)
    return {rate: chr(ord("A") + i) if i < 26 else "?" for i, rate in enumerate(known)}


def item_lines(paper: Paper, lines: list[Line], letters: dict[int, str]) -> None:
    """Print each line's label, then quantity x unit price, line total and VAT code."""
    for line in lines:
        paper.line(line.label)
        paper.pair(
            f"  {line.quantity} x {format_amount(line.unit_price)}",
            f"{format_amount(line.total)} {letters[line.vat_rate]}",
        )


def payment_lines(paper: Paper, payments: list[Payment], change: int, refund: bool) -> None:
    """Print each payment by means (``REMBOURSEMENT ...`` on a refund), then the change."""
    for payment in payments:
        means = codes.PAYMENT_NAMES.get(payment.means, f"MOYEN {payment.means}")
        if refund or payment.amount < 0:
            means = f"REMBOURSEMENT {means}"
        paper.pair(means, format_amount(payment.amount))
    if not refund:
        paper.pair("RENDU", format_amount(change))


def vat_table(paper: Paper, vat_lines: list[VatLine], letters: dict[int, str]) -> None:
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
