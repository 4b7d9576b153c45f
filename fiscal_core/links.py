"""What later documents say about one document: its reprints, its invoice, what was returned of it.

A duplicate, an invoice and a return each name an earlier document, and
each depends on those that named it before: a duplicate is numbered after
the reprints made before it, a ticket takes one invoice, and a sale's lines
are returned up to what was sold. The ledger state does not keep these
facts: it would grow with every document ever reprinted, invoiced or
returned, for the terminal's whole life. They are in the journal, after the
document they name, so the firmware reads the records that follow the
document (firmware/links.py) and ``DocumentLinks.take`` folds them; the
ledger's ``seal_duplicate``, ``seal_invoice`` and ``seal_return`` take the
result.
"""

from fiscal_core import codes
from fiscal_core.documents import DuplicateBody, InvoiceBody
from fiscal_core.sales import TicketBody

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

    from fiscal_core.cbor import CborValue
    from fiscal_core.records import Record


_RETURN_CODE = codes.OPERATION_CODES[codes.OP_RETURN]  # a ticket body's first item


class DocumentLinks:
    """The documents recorded after document ``number`` of ``doc_type`` that name it."""

    __slots__ = ("doc_type", "invoice", "number", "reprints", "returned")

    def __init__(self, doc_type: int, number: int) -> None:
        self.doc_type = doc_type
        self.number = number
        self.reprints = 0  # the last reprint number made of it (0: never reprinted)
        self.invoice = 0  # the number of its invoice (0: none)
        self.returned: dict[str, int] = {}  # line key -> quantity returned so far

    @classmethod
    def after(cls, original: "Record", records: "Iterable[Record]") -> "DocumentLinks":
        """Return the links of ``original`` found in ``records`` (those after it)."""
        links = cls(original.doc_type, original.number)
        for record in records:
            links.take(record)
        return links

    def names(self, record: "Record") -> bool:
        """True when these are the links of ``record``."""
        return (record.doc_type, record.number) == (self.doc_type, self.number)

    def may_name(self, items: "list[CborValue]") -> bool:
        """Whether a record, as its undecoded CBOR items (docs/SPEC.md section 4), may name this.

        A sieve for the records read after the document: the ones it keeps
        are decoded in full and given to ``take``; the ones it drops
        (most, the sales) cannot name it. Items of an unexpected shape are
        kept: the full decoding says what they are.
        """
        try:
            doc_type, body = items[1], items[8]
            if doc_type == codes.DOC_DUPLICATE:
                return body[0] == self.doc_type and body[1] == self.number  # type: ignore[index]
            if self.doc_type != codes.DOC_TICKET:
                return False
            if doc_type == codes.DOC_INVOICE:
                return body[0] == self.number  # type: ignore[index]
            if doc_type == codes.DOC_TICKET:
                return body[0] == _RETURN_CODE and body[6] == self.number  # type: ignore[index]
        except (IndexError, KeyError, TypeError):
            return True
        return False

    def take(self, record: "Record") -> None:
        """Count ``record`` when it names this document; ignore it otherwise."""
        body = record.body
        if isinstance(body, DuplicateBody):
            if (body.original_type, body.original_number) == (self.doc_type, self.number):
                self.reprints = max(self.reprints, body.reprint)
        elif self.doc_type != codes.DOC_TICKET:
            return  # only a ticket is invoiced or returned
        elif isinstance(body, InvoiceBody):
            if body.ticket_number == self.number and not self.invoice:
                self.invoice = record.number
        elif (
            isinstance(body, TicketBody)
            and record.doc_type == codes.DOC_TICKET  # as the sieve: no training return counts
            and body.is_return
            and body.ref_number == self.number
        ):
            for line in body.lines:
                key = line_key(line.ref, line.unit_price, line.vat_rate)
                self.returned[key] = self.returned.get(key, 0) - line.quantity


def line_key(ref: str, unit_price: int, vat_rate: int) -> str:
    """Return the key matching a returned line to the line it returns."""
    return f"{ref}|{unit_price}|{vat_rate}"
