"""Documents about another record, as ESC/POS bytes: the invoice and the duplicate.

An invoice (FACTURE) or credit note (AVOIR) enriches a recorded ticket:
issuer (the merchant block: name, address, SIRET, NAF, VAT number), kind
and number, customer (name and postcode mandatory, VAT number when given,
6.7.6.2), the ticket it enriches, the ticket's lines, totals HT / TVA / TTC
and the VAT table from the invoice record, the payments, the software and
the invoice's own signature extract. A duplicate reprints a signed
ticket, training ticket, invoice or closure under its banner, with its own
number and signature extract (the duplicate chain). Pure functions.
"""

from firmware.config import TerminalConfig
from firmware.print_layout import (
    LARGE,
    Paper,
    duplicate_banner,
    format_amount,
    heading,
    item_lines,
    merchant_block,
    payment_lines,
    rate_letters,
    reprint_line,
    require_signed,
    signature_line,
    software_block,
    training_mention,
    vat_table,
)
from firmware.print_reports import CLOSURE_TITLES, closure_content
from firmware.receipt import ticket_body, ticket_content, ticket_title
from fiscal_core import codes
from fiscal_core.civil import local_date_time
from fiscal_core.records import DuplicateBody, InvoiceBody, Record
from fiscal_core.vat import VatLine


def invoice_body(record: Record) -> InvoiceBody:
    """Return the body of an invoice record; raise ValueError for another record."""
    body = record.body
    if record.doc_type != codes.DOC_INVOICE or not isinstance(body, InvoiceBody):
        raise ValueError(f"{record!r} is not an invoice")
    return body


def invoice_content(
    paper: Paper, invoice: Record, ticket: Record, config: TerminalConfig, *, reprint: int = 0
) -> None:
    """Lay out an invoice from its heading to the software identity (no merchant, no signature).

    Raises ValueError unless ``ticket`` is the sale or return ticket ``invoice`` enriches.
    """
    body = invoice_body(invoice)
    sale = ticket_body(ticket)
    if ticket.doc_type != codes.DOC_TICKET or body.ticket_number != ticket.number:
        raise ValueError(f"{invoice!r} does not enrich {ticket!r}")
    heading(paper, body.kind, invoice, config)
    paper.rule()
    paper.line("Client", bold=True)
    paper.line(f"Nom : {body.customer}")
    paper.line(f"Code postal : {body.postcode}")
    if body.vat_number:
        paper.line(f"TVA intracom. client : {body.vat_number}")
    paper.rule()
    paper.pair(ticket_title(ticket), f"N° {ticket.number:06d}")
    paper.line(f"Date du ticket : {local_date_time(ticket.time_utc, ticket.utc_offset)}")
    paper.rule()
    rates = [line.vat_rate for line in sale.lines] + [rate for rate, _ in body.vat]
    letters = rate_letters(config, rates)
    item_lines(paper, sale.lines, letters)
    paper.rule()
    paper.line(f"Nombre de lignes : {len(sale.lines)}")
    vat_lines = [VatLine(rate, ttc) for rate, ttc in body.vat]
    paper.pair("TOTAL HT", format_amount(sum(v.base for v in vat_lines)))
    paper.pair("TOTAL TVA", format_amount(sum(v.tax for v in vat_lines)))
    paper.pair("TOTAL TTC", format_amount(body.total), bold=True, size=LARGE)
    paper.rule()
    vat_table(paper, vat_lines, letters)
    paper.rule()
    paper.line("Règlement", bold=True)
    payment_lines(paper, sale.payments, sale.change, refund=sale.is_return)
    paper.rule()
    reprint_line(paper, reprint)
    software_block(paper)


def invoice_document(invoice: Record, ticket: Record, config: TerminalConfig) -> bytes:
    """Return the ESC/POS bytes of a signed invoice (FACTURE) or credit note (AVOIR).

    ``ticket`` is the recorded ticket the invoice enriches (its lines and
    payments are printed). Raises ValueError if ``invoice`` is not a signed
    invoice of ``ticket``.
    """
    invoice_body(invoice)
    require_signed(invoice)
    paper = Paper(config.paper_columns)
    merchant_block(paper, config.merchant)
    invoice_content(paper, invoice, ticket, config)
    signature_line(paper, invoice)
    return paper.finish()


def duplicate_receipt(
    duplicate: Record, original: Record, config: TerminalConfig, *, ticket: Record | None = None
) -> bytes:
    """Return the ESC/POS bytes of a signed duplicate: the original reprinted under a banner.

    ``DUPLICATA N° n`` (bold, double height), the duplicate's own number,
    date, terminal and operator, then the original as first printed (a
    ticket, training ticket, invoice or closure) with its reprint number, the
    original's signature extract and the duplicate's own. An invoice needs
    its ``ticket``. Raises ValueError when the records do not match.
    """
    body = duplicate.body
    if duplicate.doc_type != codes.DOC_DUPLICATE or not isinstance(body, DuplicateBody):
        raise ValueError(f"{duplicate!r} is not a duplicate")
    if (body.original_type, body.original_number) != (original.doc_type, original.number):
        raise ValueError(f"{duplicate!r} is not a duplicate of {original!r}")
    require_signed(duplicate)
    require_signed(original)
    training = original.doc_type == codes.DOC_TRAINING
    paper = Paper(config.paper_columns)
    if training:
        training_mention(paper)
    merchant_block(paper, config.merchant)
    duplicate_banner(paper, body.reprint)
    heading(paper, "Duplicata", duplicate, config)
    name = codes.DOC_NAMES.get(original.doc_type, str(original.doc_type))
    paper.line(f"Original : {name} N° {original.number:06d}")
    paper.line(f"Date de l'original : {local_date_time(original.time_utc, original.utc_offset)}")
    paper.rule()
    if original.doc_type in (codes.DOC_TICKET, codes.DOC_TRAINING):
        ticket_content(paper, original, config, reprint=body.reprint)
    elif original.doc_type == codes.DOC_INVOICE:
        if ticket is None:
            raise ValueError("the duplicate of an invoice needs the ticket it enriches")
        invoice_content(paper, original, ticket, config, reprint=body.reprint)
    elif original.doc_type in CLOSURE_TITLES:
        closure_content(paper, original, config, reprint=body.reprint)
    else:
        raise ValueError(f"{original!r} cannot be reprinted")
    signature_line(paper, original, "Signature de l'original")
    signature_line(paper, duplicate, "Signature du duplicata", bold=True)
    if training:
        training_mention(paper)
    return paper.finish()
