"""Bodies of the documents that refer to another: duplicate, invoice, archive."""

from fiscal_core.fields import array, blob, integer, pairs, text, uint

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


class ArchiveBody:
    """A fiscal archive of a closed period, made on the terminal (5.4.4-5.4.6).

    The archive file itself (a zip of CSV files and a manifest) is not in
    the journal; its SHA-256 is, so this record's signature signs the file.
    """

    __slots__ = (
        "closure_number",
        "closure_type",
        "file_digest",
        "file_name",
        "from_seq",
        "kind",
        "to_seq",
        "total",
        "vat",
    )

    def __init__(
        self,
        kind: str,
        closure_type: int,
        closure_number: int,
        from_seq: int,
        to_seq: int,
        vat: "list[tuple[int, int]]",
        total: int,
        file_name: str,
        file_digest: bytes,
    ) -> None:
        self.kind = kind  # codes.ARCHIVE_PERIOD or codes.ARCHIVE_YEAR
        self.closure_type = closure_type  # GT_PERIODE, GT_MOIS or GT_EXERCICE
        self.closure_number = closure_number
        self.from_seq = from_seq  # the journal records archived: from_seq .. to_seq
        self.to_seq = to_seq  # the closure's own seq
        self.vat = vat  # the closure's (rate, TTC) totals
        self.total = total  # the closure's period total (real)
        self.file_name = file_name
        self.file_digest = file_digest  # SHA-256 of the archive file

    def to_array(self) -> "list[CborValue]":
        return [
            self.kind,
            self.closure_type,
            self.closure_number,
            self.from_seq,
            self.to_seq,
            [[rate, amount] for rate, amount in self.vat],
            self.total,
            self.file_name,
            self.file_digest,
        ]

    @classmethod
    def from_array(cls, value: "CborValue") -> "ArchiveBody":
        f = array(value, 9, "archive body")
        return cls(
            text(f[0]),
            uint(f[1]),
            uint(f[2]),
            uint(f[3]),
            uint(f[4]),
            pairs(f[5], "archive VAT"),
            integer(f[6]),
            text(f[7]),
            blob(f[8]),
        )


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
