"""The inspector's own view of fiscal records: plain typed values (docs/SPEC.md §2, §4).

Nothing here is shared with the terminal's code: these classes are built
by ``tools.inspect.decode`` from the bytes of the flash, following the
specification, so that a misreading on either side shows up as a failed
signature rather than being silently shared.

The record classes are values (compared and hashed by their fields) that
nothing modifies once built, but they are not ``frozen`` dataclasses: a
frozen dataclass's constructor sets each field through
``object.__setattr__``, four to six times slower than a plain one, and the
verifier builds every record twice (decoded in a worker, rebuilt from the
pickle in the verifier's process: ``shipping``), a few million objects for
a large journal.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FORMAT_VERSION = 1
IDENTITY_MAGIC = "nf525-fiscal-terminal"
PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64
TICKET_FIELDS = 9  # the GT_TICKET signature is the last one

# Document types (§4): each its own chain and numbering.
DOC_TICKET = 1
DOC_GT_TICKET = 2  # a chain of signatures inside each ticket, no record of its own
DOC_INVOICE = 3
DOC_DUPLICATE = 4
DOC_GT_PERIOD = 5
DOC_GT_MONTH = 6
DOC_GT_YEAR = 7
DOC_JET = 8
DOC_ARCHIVE = 9  # signs an archive file of a closed period through its SHA-256
DOC_TRAINING = 10
DOC_NOTE = 11  # note before payment (DOCUMENT PROVISOIRE), counted nowhere
DOC_NAMES = {
    DOC_TICKET: "TICKET",
    DOC_GT_TICKET: "GT_TICKET",
    DOC_INVOICE: "FACTURE",
    DOC_DUPLICATE: "DUPLICATA",
    DOC_GT_PERIOD: "GT_PERIODE",
    DOC_GT_MONTH: "GT_MOIS",
    DOC_GT_YEAR: "GT_EXERCICE",
    DOC_JET: "JET",
    DOC_ARCHIVE: "ARCHIVE",
    DOC_TRAINING: "FORMATION",
    DOC_NOTE: "NOTE",
}
CLOSURE_TYPES = (DOC_GT_PERIOD, DOC_GT_MONTH, DOC_GT_YEAR)
NOT_REPRINTABLE = (DOC_GT_TICKET, DOC_DUPLICATE, DOC_JET)

OPERATION_SALE = "VENTE"
OPERATION_RETURN = "RETOUR"
# A ticket body stores the operation as a small integer (docs/SPEC.md section 4).
OPERATION_BY_CODE = {1: OPERATION_SALE, 2: OPERATION_RETURN}
INVOICE_SALE = "FACTURE"
INVOICE_CREDIT = "AVOIR"
ARCHIVE_PERIOD = "PERIODE"  # a day or a month
ARCHIVE_YEAR = "EXERCICE"
ARCHIVE_DIR = "/fiscal/archives"
DIGEST_BYTES = 32  # SHA-256

PAY_CASH = 1
PAYMENT_MEANS = {1: "ESPECES", 2: "CARTE BANCAIRE", 3: "CHEQUE", 4: "BON D'ACHAT"}

# JET codes whose meaning the verifier uses (§6).
JET_TRAINING_ON = 100
JET_TRAINING_OFF = 105
JET_CASH_MOVE = 170
JET_CASH_FLOAT = 171
JET_SALE_ABANDONED = 320
JET_LINE_VOIDED = 323
JET_TICKET_REF = (901, 902, 904)  # events whose ``ref`` names a TICKET
JET_PERIOD_ARCHIVE = 20  # ``ref`` names the ARCHIVE
JET_YEAR_ARCHIVE = 30

# Bounds (§4).
MAX_TIME_UTC = 253402300799
MAX_UTC_OFFSET = 1080
MAX_VAT_RATE = 9999
MAX_LINES = 500
MAX_TEXT = 200
MAX_PERSONS = 99  # a note is shared by 1 to 99 persons
DAY_END_HOUR = 6  # a period takes documents until 06:00 local the next day (§4.1)

# Positions in a closure's counts (§4, closure body field 9).
COUNT_NAMES = (
    "ventes",
    "retours",
    "duplicatas",
    "factures",
    "ventes abandonnées",
    "lignes annulées",
)
COUNT_SALES, COUNT_RETURNS, COUNT_DUPLICATES, COUNT_INVOICES = 0, 1, 2, 3
COUNT_ABANDONED, COUNT_VOIDED = 4, 5


def doc_name(doc_type: int | None) -> str:
    """Return the name of a document type ("TICKET", "JET", "type 9", "?")."""
    if doc_type is None:
        return "?"
    return DOC_NAMES.get(doc_type, f"type {doc_type}")


@dataclass(frozen=True, slots=True)
class Identity:
    """The terminal identity file: format version, terminal id, Ed25519 public key."""

    version: int
    terminal_id: str
    public_key: bytes


@dataclass(slots=True, unsafe_hash=True)
class Line:
    """One ticket line; amounts in cents, VAT included, rate in percent x 100."""

    ref: str
    label: str
    quantity: int
    unit_price: int
    vat_rate: int

    @property
    def total(self) -> int:
        return self.quantity * self.unit_price

    @property
    def key(self) -> tuple[str, int, int]:
        """What matches a returned line to the sold one: (ref, unit_price, vat_rate)."""
        return self.ref, self.unit_price, self.vat_rate


@dataclass(slots=True, unsafe_hash=True)
class Payment:
    """One payment of a ticket: means code and amount in cents."""

    means: int
    amount: int


Pairs = tuple[tuple[int, int], ...]  # (rate, TTC) or (means, amount), as stored


@dataclass(slots=True, unsafe_hash=True)
class TicketBody:
    """Body of a TICKET (doc_type 1) or FORMATION ticket (doc_type 10)."""

    operation: str
    lines: tuple[Line, ...]
    payments: tuple[Payment, ...]
    change: int
    gt_real: int
    gt_absolute: int
    ref_number: int
    reason: str
    gt_signature: bytes
    # Worked out once from the fields above: the checks read them several times.
    total: int = field(init=False, compare=False, repr=False)
    absolute_total: int = field(init=False, compare=False, repr=False)
    paid: int = field(init=False, compare=False, repr=False)
    is_return: bool = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.is_return = self.operation == OPERATION_RETURN
        total = absolute = paid = 0
        for line in self.lines:
            amount = line.quantity * line.unit_price
            total += amount
            absolute += amount if amount >= 0 else -amount
        for payment in self.payments:
            paid += payment.amount
        self.total, self.absolute_total, self.paid = total, absolute, paid

    def vat(self) -> Pairs:
        """Return the (rate, TTC) pairs of the lines, highest rate first."""
        return _vat(self.lines)


def _vat(lines: tuple[Line, ...]) -> Pairs:
    """Return the (rate, TTC) pairs of ``lines``, highest rate first."""
    per_rate: dict[int, int] = {}
    for line in lines:  # the product written out: this runs for every ticket read
        rate = line.vat_rate
        per_rate[rate] = per_rate.get(rate, 0) + line.quantity * line.unit_price
    return tuple(sorted(per_rate.items(), reverse=True))  # rates are unique: by rate


@dataclass(slots=True, unsafe_hash=True)
class NoteBody:
    """Body of a NOTE (doc_type 11): the open sale's lines and the persons sharing it."""

    lines: tuple[Line, ...]
    persons: int

    @property
    def total(self) -> int:
        return sum(line.total for line in self.lines)

    def vat(self) -> Pairs:
        return _vat(self.lines)


@dataclass(slots=True, unsafe_hash=True)
class JetBody:
    """Body of a JET line (doc_type 8): event code, text, amount, ticket reference."""

    code: int
    text: str
    amount: int
    ref: int


@dataclass(slots=True, unsafe_hash=True)
class InvoiceBody:
    """Body of a FACTURE (doc_type 3): the ticket it enriches and the customer."""

    ticket_number: int
    kind: str
    customer: str
    postcode: str
    vat_number: str
    vat: Pairs
    total: int


@dataclass(slots=True, unsafe_hash=True)
class DuplicateBody:
    """Body of a DUPLICATA (doc_type 4): which document is reprinted, which reprint."""

    original_type: int
    original_number: int
    reprint: int


@dataclass(slots=True, unsafe_hash=True)
class ClosureBody:
    """Body of a closure (GT_PERIODE 5, GT_MOIS 6, GT_EXERCICE 7), fields in SPEC order."""

    label: str
    from_seq: int
    vat: Pairs
    total_real: int
    total_absolute: int
    previous_gt_real: int
    gt_real: int
    gt_absolute: int
    payments: Pairs
    counts: tuple[int, ...]
    cash_float: int
    cash_moves: int


@dataclass(slots=True, unsafe_hash=True)
class ArchiveBody:
    """Body of an ARCHIVE (doc_type 9): the closure archived and the file's SHA-256."""

    kind: str
    closure_type: int
    closure_number: int
    from_seq: int
    to_seq: int
    vat: Pairs
    total: int
    file_name: str
    file_digest: bytes


@dataclass(slots=True, unsafe_hash=True)
class OtherBody:
    """Body of a document type this inspector does not know: kept as decoded."""

    items: tuple[object, ...]


_Documents = InvoiceBody | DuplicateBody | ClosureBody | ArchiveBody
Body = TicketBody | NoteBody | JetBody | _Documents | OtherBody


@dataclass(slots=True, unsafe_hash=True)
class Record:
    """A decoded record; ``raw`` is its exact canonical bytes as stored."""

    version: int
    doc_type: int
    seq: int
    number: int
    time_utc: int
    utc_offset: int
    terminal_id: str
    operator_id: int
    body: Body
    signature: bytes
    raw: bytes

    @property
    def unsigned_bytes(self) -> bytes:
        """Return the canonical CBOR of the first 9 fields (what DIGEST covers): the stored
        bytes under a 9-array head (0x89, not 0x8A), without the signature (0x58 0x40 + 64)."""
        return unsigned_bytes(self.raw)

    @property
    def local_seconds(self) -> int:
        """Return the local time of the record, in seconds since 1970-01-01 local."""
        return self.time_utc + self.utc_offset * 60


def unsigned_bytes(raw: bytes) -> bytes:
    """Return what DIGEST covers of a record stored as ``raw`` (see ``Record.unsigned_bytes``)."""
    return b"\x89" + raw[1 : -(SIGNATURE_BYTES + 2)]
