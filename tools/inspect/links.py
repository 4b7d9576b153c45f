"""Documents that refer to others: returns, invoices, duplicates, JET lines (docs/SPEC.md §4).

- A return names an earlier sale (``ref_number`` below its own number);
  per line key (ref, unit price, VAT rate) the quantities returned over all
  returns of the sale never exceed what was sold.
- An invoice enriches an earlier TICKET, one invoice per ticket: FACTURE
  for a sale, AVOIR for a return, with the ticket's VAT and total.
- A duplicate reprints an earlier document (not a JET line nor a
  duplicate); the reprints of one original are numbered 1, 2, 3, …
- JET 901, 902 and 904 name an earlier TICKET.

The journal is followed in order and only trusted records are remembered
(decoded, signature valid). A reference to a document whose number was
seen but which cannot be trusted (altered, unreadable, missing: reported on
its own) is not checked further. Once something was lost, a reprint number
may skip (the skipped duplicate may be the lost record) but never repeat.
"""

from __future__ import annotations

from array import array

from tools.inspect.chains import Entry
from tools.inspect.condense import Run
from tools.inspect.formats import euros, rate_text
from tools.inspect.model import (
    CLOSURE_TYPES,
    DOC_ARCHIVE,
    DOC_DUPLICATE,
    DOC_INVOICE,
    DOC_NAMES,
    DOC_TICKET,
    INVOICE_CREDIT,
    INVOICE_SALE,
    JET_TICKET_REF,
    NOT_REPRINTABLE,
    DuplicateBody,
    InvoiceBody,
    JetBody,
    Line,
    Record,
    TicketBody,
    doc_name,
)
from tools.inspect.tosign import vat_field

LineKey = tuple[str, int, int]
KEPT = (*CLOSURE_TYPES, DOC_ARCHIVE)  # besides tickets, the only records later ones look into


class Tickets:
    """The trusted tickets by number, kept decoded (the first trusted of each number)."""

    def __init__(self) -> None:
        self.records: dict[int, Record] = {}

    def keep(self, e: Entry, record: Record) -> None:
        self.records.setdefault(record.number, record)

    def get(self, number: int) -> Record | None:
        return self.records.get(number)

    def keep_run(self, first: int, places: array[int]) -> None:
        """Keep tickets ``first``… of a run by their places: only ``stream.FrameTickets`` can."""
        raise TypeError("the tickets of a run are kept by their places in the journal")


class Links:
    """What earlier documents said, as far as later ones refer to it.

    ``tickets`` holds the trusted tickets that a return or an invoice may
    name (``Tickets``, or one that reads them again from the journal); of
    the other records only closures and archives are kept, as the only ones
    looked into later (a duplicate's original only has to have been seen).
    """

    def __init__(self, tickets: Tickets | None = None) -> None:
        self.highest: dict[int, int] = {}  # doc_type -> highest number seen so far
        self.tickets = tickets or Tickets()
        self.records: dict[tuple[int, int], Record] = {}  # trusted closures and archives
        self.returned: dict[int, dict[LineKey, int]] = {}  # sale -> key -> quantity returned
        self.invoiced: dict[int, int] = {}  # ticket number -> invoice number
        self.reprints: dict[tuple[int, int], int] = {}  # original -> last reprint number
        self.lossy = False

    def see(self, e: Entry) -> None:
        """Note an entry that later documents may name (call after checking it)."""
        doc_type, number = e.header.doc_type, e.header.number
        if doc_type is None or number is None:
            return
        self.highest[doc_type] = max(self.highest.get(doc_type, 0), number)
        if e.trusted and e.record is not None:
            if doc_type == DOC_TICKET:
                self.tickets.keep(e, e.record)
            elif doc_type in KEPT:
                self.records.setdefault((doc_type, number), e.record)
            self._remember(e.record)

    def add_run(self, run: Run) -> None:
        """Note a run of trusted sales and JET lines (``condense``): no return, invoice or
        duplicate among them, so only the numbers seen and where the tickets are."""
        for doc_type, (_, last) in run.numbers.items():
            self.highest[doc_type] = max(self.highest.get(doc_type, 0), last)
        if run.places:
            self.tickets.keep_run(run.numbers[DOC_TICKET][0], run.places)

    def _original(self, doc_type: int, number: int, what: str) -> tuple[Record | None, list[str]]:
        """Return the trusted earlier record named, or the problem if it never existed."""
        if doc_type == DOC_TICKET:
            record = self.tickets.get(number)
        else:
            record = self.records.get((doc_type, number))
        if record is not None:
            return record, []
        if 1 <= number <= self.highest.get(doc_type, 0):
            return None, []  # seen, but not trusted: reported on its own
        return None, [f"{what} {doc_name(doc_type)} n°{number} absent du journal avant lui"]

    def ticket(self, record: Record, body: TicketBody) -> list[str]:
        """Return the problems of a return with the sale it compensates."""
        if not body.is_return:
            return []
        if not 0 < body.ref_number < record.number:
            return [f"retour du ticket n°{body.ref_number}, qui ne le précède pas"]
        sale, problems = self._original(DOC_TICKET, body.ref_number, "retour du")
        if sale is None or not isinstance(sale.body, TicketBody):
            return problems
        if sale.body.is_return:
            return [f"retour du ticket n°{body.ref_number}, qui est lui-même un retour"]
        sold = _quantities(sale.body.lines, +1)
        done = self.returned.get(body.ref_number, {})
        for key, quantity in _quantities(body.lines, -1).items():
            where = f"article {key[0]} à {euros(key[1])} (TVA {rate_text(key[2])})"
            if key not in sold:
                problems.append(f"{where} absent du ticket n°{body.ref_number}")
            elif done.get(key, 0) + quantity > sold[key]:
                before = done.get(key, 0)
                problems.append(
                    f"{where} : {before + quantity} retourné(s) en tout (dont {before} "
                    f"avant) pour {sold[key]} vendu(s) sur le ticket n°{body.ref_number}"
                )
        return problems

    def invoice(self, body: InvoiceBody) -> list[str]:
        """Return the problems of an invoice with the ticket it enriches."""
        number = body.ticket_number
        ticket, problems = self._original(DOC_TICKET, number, "facture du")
        if number in self.invoiced:
            problems.append(
                f"deuxième facture du ticket n°{number} (déjà FACTURE n°{self.invoiced[number]})"
            )
        if ticket is None or not isinstance(ticket.body, TicketBody):
            return problems
        kind = INVOICE_CREDIT if ticket.body.is_return else INVOICE_SALE
        if body.kind != kind:
            problems.append(f"« {body.kind} » au lieu de « {kind} » pour le ticket n°{number}")
        vat = ticket.body.vat()
        if body.vat != vat:
            problems.append(
                f"TVA {vat_field(body.vat)} au lieu de {vat_field(vat)} (ticket n°{number})"
            )
        if body.total != ticket.body.total:
            problems.append(
                f"total {euros(body.total)} au lieu de {euros(ticket.body.total)} "
                f"(ticket n°{number})"
            )
        return problems

    def duplicate(self, body: DuplicateBody) -> list[str]:
        """Return the problems of a duplicate with its original and earlier reprints."""
        kind, number = body.original_type, body.original_number
        original = f"{doc_name(kind)} n°{number}"
        if kind in NOT_REPRINTABLE or kind not in DOC_NAMES:
            return [f"duplicata de {original}, document non réimprimable"]
        _, problems = self._original(kind, number, "duplicata du")
        expected = self.reprints.get((kind, number), 0) + 1
        if body.reprint != expected and not (self.lossy and body.reprint > expected):
            problems.append(f"réimpression n°{body.reprint} au lieu de n°{expected} de {original}")
        return problems

    def jet(self, body: JetBody) -> list[str]:
        """Return the problems of a JET line naming a ticket (901, 902, 904)."""
        if body.code not in JET_TICKET_REF:
            return []
        if body.ref < 1:
            return [f"JET {body.code} sans ticket concerné"]
        if body.ref > self.highest.get(DOC_TICKET, 0):
            return [f"JET {body.code} : ticket n°{body.ref} absent du journal avant lui"]
        return []

    def _remember(self, record: Record) -> None:
        body = record.body
        if record.doc_type == DOC_TICKET and isinstance(body, TicketBody) and body.is_return:
            done = self.returned.setdefault(body.ref_number, {})
            for key, quantity in _quantities(body.lines, -1).items():
                done[key] = done.get(key, 0) + quantity
        elif record.doc_type == DOC_INVOICE and isinstance(body, InvoiceBody):
            self.invoiced.setdefault(body.ticket_number, record.number)
        elif record.doc_type == DOC_DUPLICATE and isinstance(body, DuplicateBody):
            original = (body.original_type, body.original_number)
            self.reprints[original] = max(self.reprints.get(original, 0), body.reprint)


def _quantities(lines: tuple[Line, ...], sign: int) -> dict[LineKey, int]:
    """Return the quantity per line key, times ``sign`` (-1: returned quantities > 0)."""
    quantities: dict[LineKey, int] = {}
    for line in lines:
        quantities[line.key] = quantities.get(line.key, 0) + sign * line.quantity
    return quantities
