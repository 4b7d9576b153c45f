"""Tickets as ESC/POS bytes (sale, return, training; original or late) and short slips.

The bytes every document shares (reset, CP858, styles, feed and cut) and the
blocks they are made of are in ``firmware/print_layout.py``; the other
documents (duplicate, invoice, reports, notes...) are in
``firmware/printouts.py``. The functions are pure: the same inputs give the
same bytes. ``tests/golden/ticket_sale.txt`` shows a whole ticket as printed.

Layout of a ticket: the training mention (training only), the merchant, the
duplicate banner (a reprint only), then ``ticket_content`` (heading, late
mark, what a return refers to, lines, total, VAT table, payments, reprint
number, software), the signature extract, and the training mention again.
"""

from firmware.config import TerminalConfig
from firmware.print_layout import (
    CODE_PAGE,
    CODE_PAGE_NAME,
    LARGE,
    NORMAL,
    TALL,
    Paper,
    duplicate_banner,
    format_amount,
    format_rate,
    heading,
    item_lines,
    merchant_block,
    payment_lines,
    printable,
    rate_letters,
    reprint_line,
    require_signed,
    signature_line,
    slip_footer,
    software_block,
    training_mention,
    vat_table,
)
from fiscal_core import codes
from fiscal_core.records import Line, Record, TicketBody
from fiscal_core.vat import breakdown

__all__ = [
    "CODE_PAGE",
    "CODE_PAGE_NAME",
    "LARGE",
    "NORMAL",
    "TALL",
    "format_amount",
    "format_rate",
    "printable",
    "text_slip",
    "ticket_body",
    "ticket_content",
    "ticket_receipt",
    "ticket_title",
    "vat_codes",
]

LATE_MARK = "IMPRESSION DIFFEREE"


def vat_codes(config: TerminalConfig, lines: list[Line]) -> dict[int, str]:
    """Return the VAT code letter of each rate of ``lines`` (see ``rate_letters``)."""
    return rate_letters(config, [line.vat_rate for line in lines])


def ticket_body(record: Record) -> TicketBody:
    """Return the body of a ticket or training ticket; raise ValueError for another record."""
    body = record.body
    if record.doc_type not in (codes.DOC_TICKET, codes.DOC_TRAINING) or not isinstance(
        body, TicketBody
    ):
        raise ValueError(f"{record!r} is not a sale ticket")
    return body


def ticket_title(record: Record) -> str:
    """Return the printed document type of a ticket: sale, return or training."""
    if record.doc_type == codes.DOC_TRAINING:
        return "TICKET DE FORMATION"
    return "TICKET DE RETOUR" if ticket_body(record).is_return else "TICKET DE VENTE"


def ticket_content(
    paper: Paper, record: Record, config: TerminalConfig, *, reprint: int = 0, late: bool = False
) -> None:
    """Lay out a ticket from its heading to the software identity (no merchant, no signature)."""
    body = ticket_body(record)
    letters = vat_codes(config, body.lines)
    heading(paper, ticket_title(record), record, config)
    if late:
        paper.line(LATE_MARK, align="center", bold=True)
    if body.is_return:
        paper.line(f"Retour du ticket N° {body.ref_number:06d}")
        paper.line(f"Motif : {body.reason}")
    paper.rule()
    item_lines(paper, body.lines, letters)
    paper.rule()
    paper.line(f"Nombre de lignes : {len(body.lines)}")
    paper.pair("TOTAL TTC", format_amount(body.total), bold=True, size=LARGE)
    paper.rule()
    vat_table(paper, breakdown(body.lines), letters)
    paper.rule()
    payment_lines(paper, body.payments, body.change, refund=body.is_return)
    paper.rule()
    reprint_line(paper, reprint)
    software_block(paper)


def ticket_receipt(
    record: Record, config: TerminalConfig, *, reprint: int = 0, late: bool = False
) -> bytes:
    """Return the ESC/POS bytes of the customer receipt of a sealed ticket.

    A sale, a return (``TICKET DE RETOUR``: the ticket it compensates, the
    reason, negative lines and refunds) or a training ticket (``FORMATION`` /
    ``NON VALABLE POUR ENCAISSEMENT`` in bold double size at the top and the
    bottom). ``reprint`` is the reprint number: 0 on the original, n on the
    n-th duplicate (banner ``DUPLICATA N° n``; a signed duplicate record is
    printed with ``printouts.duplicate_receipt``). ``late`` marks a ticket
    recorded earlier and printed now (``IMPRESSION DIFFEREE``). Perpetual
    totals are not printed. Raises ValueError if ``record`` is not a signed
    ticket or ``reprint`` < 0.
    """
    ticket_body(record)
    require_signed(record)
    if reprint < 0:
        raise ValueError("the reprint number cannot be negative")
    training = record.doc_type == codes.DOC_TRAINING
    paper = Paper(config.paper_columns)
    if training:
        training_mention(paper)
    merchant_block(paper, config.merchant)
    if reprint:
        duplicate_banner(paper, reprint)
    ticket_content(paper, record, config, reprint=reprint, late=late)
    signature_line(paper, record)
    if training:
        training_mention(paper)
    return paper.finish()


def text_slip(title: str, lines: list[str], config: TerminalConfig) -> bytes:
    """Return the ESC/POS bytes of a short non-fiscal slip (an error, the version...).

    Merchant header, ``title`` centered in bold, then ``lines`` left-aligned
    (each printed as is when it fits, word-wrapped otherwise), then the
    terminal and software identity.
    """
    paper = Paper(config.paper_columns)
    merchant_block(paper, config.merchant)
    paper.line(title, align="center", bold=True)
    paper.rule()
    for text in lines:
        paper.line(text)
    slip_footer(paper, config)
    return paper.finish()
