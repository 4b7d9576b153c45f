"""Bodies of the documents that refer to a ticket: duplicate (reprint) and invoice."""

from fiscal_core.fields import array, integer, pairs, text, uint

TYPE_CHECKING = False
if TYPE_CHECKING:
    from fiscal_core.cbor import CborValue


class DuplicateBody:
    """A reprint of a document: its type and number, and which reprint this is (1, 2, ...)."""

    __slots__ = ("original_number", "original_type", "reprint")

    def __init__(self, original_type: int, original_number: int, reprint: int) -> None:
        self.original_type = original_type
        self.original_number = original_number
        self.reprint = reprint

    def to_array(self) -> "list[CborValue]":
        return [self.original_type, self.original_number, self.reprint]

    @classmethod
    def from_array(cls, value: "CborValue") -> "DuplicateBody":
        f = array(value, 3, "duplicate body")
        return cls(uint(f[0]), uint(f[1]), uint(f[2]))


class InvoiceBody:
    """An invoice enriching a recorded ticket (6.3.6.1): FACTURE for a sale, AVOIR for a return."""

    __slots__ = ("customer", "kind", "postcode", "ticket_number", "total", "vat", "vat_number")

    def __init__(
        self,
        ticket_number: int,
        kind: str,
        customer: str,
        postcode: str,
        vat_number: str,
        vat: "list[tuple[int, int]]",
        total: int,
    ) -> None:
        self.ticket_number = ticket_number
        self.kind = kind  # codes.INVOICE_KINDS
        self.customer = customer  # name (natural person) or company name
        self.postcode = postcode
        self.vat_number = vat_number  # optional: ""
        self.vat = vat  # (rate, TTC) of the ticket, highest rate first
        self.total = total  # TTC of the ticket

    def to_array(self) -> "list[CborValue]":
        return [
            self.ticket_number,
            self.kind,
            self.customer,
            self.postcode,
            self.vat_number,
            [[rate, amount] for rate, amount in self.vat],
            self.total,
        ]

    @classmethod
    def from_array(cls, value: "CborValue") -> "InvoiceBody":
        f = array(value, 7, "invoice body")
        return cls(
            uint(f[0]),
            text(f[1]),
            text(f[2]),
            text(f[3]),
            text(f[4]),
            pairs(f[5], "invoice VAT"),
            integer(f[6]),
        )
