"""The rows of ``fiscal-inspect export``, from the inspector's own decoded records.

One ``Tables`` is filled record by record, in journal order, with the
columns of ``columns.COLUMNS`` (those of docs/ARCHIVE.md): amounts in
integer cents, VAT rates percent x 100, ISO 8601 dates. The data to sign of
``records.csv`` and the GT_TICKET chain of ``tickets.csv`` are rebuilt by
``tosign`` with the previous signature of the same chain, found by number.

VAT per ticket and rate: ``HT = round_half_away(TTC x 10000 / (10000 +
rate))``, ``VAT = TTC - HT`` (docs/SPEC.md §4); per line the same formula,
for information.
"""

from __future__ import annotations

from tools.inspect.columns import COLUMNS, jet_meaning
from tools.inspect.formats import iso_local, iso_utc
from tools.inspect.model import (
    DOC_GT_TICKET,
    DOC_TICKET,
    DOC_TRAINING,
    PAYMENT_MEANS,
    ArchiveBody,
    ClosureBody,
    DuplicateBody,
    InvoiceBody,
    JetBody,
    Record,
    TicketBody,
    doc_name,
)
from tools.inspect.tosign import LayoutError, b64url, data_to_sign, grand_total_to_sign, vat_field

Row = list[str | int]


def round_half_away(numerator: int, denominator: int) -> int:
    """Return numerator / denominator rounded half away from zero (denominator > 0)."""
    quotient, remainder = divmod(abs(numerator), denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return quotient if numerator >= 0 else -quotient


def vat_split(rate: int, ttc: int) -> tuple[int, int]:
    """Return (HT, VAT) of a VAT-inclusive amount at ``rate`` (percent x 100)."""
    base = round_half_away(ttc * 10000, 10000 + rate)
    return base, ttc - base


def signature_extract(signature: str) -> str:
    """Return characters 3, 7, 13 and 19 (1-based) of a signature's text, as printed."""
    return "".join(signature[i] for i in (2, 6, 12, 18) if i < len(signature))


def _name(doc_type: int) -> str:
    return doc_name(doc_type).removeprefix("type ")


class Tables:
    """The rows of every CSV of the export, filled in journal order by ``add``."""

    def __init__(self, records: tuple[Record, ...]) -> None:
        self.rows: dict[str, list[Row]] = {name: [] for name in COLUMNS}
        self.signatures: dict[tuple[int, int], bytes] = {}
        for r in records:  # the chains' signatures, by number, for the data to sign
            self.signatures.setdefault((r.doc_type, r.number), r.signature)
            if r.doc_type == DOC_TICKET and isinstance(r.body, TicketBody):
                self.signatures.setdefault((DOC_GT_TICKET, r.number), r.body.gt_signature)
        for r in records:
            self.add(r)

    def _signed(self, record: Record) -> str:
        """Return the data to sign of ``record``; "" when its predecessor is missing."""
        previous = self.signatures.get((record.doc_type, record.number - 1))
        if record.number > 1 and previous is None:
            return ""
        try:
            return data_to_sign(record, previous if record.number > 1 else None).decode()
        except (LayoutError, UnicodeDecodeError):
            return ""

    def _gt_signed(self, record: Record) -> str:
        previous = self.signatures.get((DOC_GT_TICKET, record.number - 1))
        if record.doc_type != DOC_TICKET or (record.number > 1 and previous is None):
            return ""
        try:
            return grand_total_to_sign(record, previous if record.number > 1 else None).decode()
        except (LayoutError, UnicodeDecodeError):
            return ""

    def add(self, record: Record) -> None:
        """Add the rows of ``record`` to its table and to ``records.csv``."""
        doc = self._doc(record)
        body = record.body
        signature = b64url(record.signature)
        if isinstance(body, TicketBody):
            self._ticket(record, body, doc)
        elif isinstance(body, ClosureBody):
            row = [*doc, body.label, body.from_seq, vat_field(body.vat), body.total_real]
            row += [body.total_absolute, body.previous_gt_real, body.gt_real, body.gt_absolute]
            payments = "|".join(f"{means}:{amount}" for means, amount in body.payments)
            row += [payments, *body.counts, body.cash_float, body.cash_moves, signature]
            self.rows["closures.csv"].append(row)
        elif isinstance(body, InvoiceBody):
            row = [*doc, body.ticket_number, body.kind, body.customer, body.postcode]
            row += [body.vat_number, vat_field(body.vat), body.total, signature]
            self.rows["invoices.csv"].append(row)
        elif isinstance(body, DuplicateBody):
            row = [*doc, _name(body.original_type), body.original_number, body.reprint]
            self.rows["duplicates.csv"].append([*row, signature])
        elif isinstance(body, ArchiveBody):
            closure = _name(body.closure_type)
            row = [*doc, body.kind, closure, body.closure_number, body.from_seq, body.to_seq]
            row += [vat_field(body.vat), body.total, body.file_name, body.file_digest.hex()]
            self.rows["archives.csv"].append([*row, signature])
        elif isinstance(body, JetBody):
            meaning = jet_meaning(body.code)
            row = [*doc, body.code, meaning, body.text, body.amount, body.ref, signature]
            self.rows["jet.csv"].append(row)
        row = [record.seq, record.doc_type, *doc[1:6], self._signed(record), signature]
        self.rows["records.csv"].append([*row, record.raw.hex()])

    def _doc(self, record: Record) -> Row:
        return [
            record.seq,
            _name(record.doc_type),
            record.number,
            iso_local(record.time_utc, record.utc_offset),
            iso_utc(record.time_utc),
            record.operator_id,
            "",  # the operator's name is in the configuration, not in the journal
        ]

    def _ticket(self, record: Record, body: TicketBody, doc: Row) -> None:
        vat = [(rate, ttc, *vat_split(rate, ttc)) for rate, ttc in body.vat()]
        signature = b64url(record.signature)
        row = [*doc[:3], int(record.doc_type == DOC_TRAINING), *doc[3:], body.operation]
        row += [len(body.lines), body.total, sum(v[2] for v in vat), sum(v[3] for v in vat)]
        row += [body.absolute_total, body.change, body.gt_real, body.gt_absolute]
        row += [body.ref_number, body.reason, signature, signature_extract(signature)]
        row += [self._gt_signed(record), b64url(body.gt_signature)]
        self.rows["tickets.csv"].append(row)
        parent: Row = [record.seq, doc[1], record.number]
        for index, line in enumerate(body.lines, 1):
            row = [*parent, index, line.ref, line.label, line.quantity, line.unit_price]
            row += [line.vat_rate, line.total, *vat_split(line.vat_rate, line.total)]
            self.rows["lines.csv"].append(row)
        for index, payment in enumerate(body.payments, 1):
            means = PAYMENT_MEANS.get(payment.means, str(payment.means))
            self.rows["payments.csv"].append([*parent, index, payment.means, means, payment.amount])
        for rate, ttc, base, tax in vat:
            self.rows["vat.csv"].append([*parent, rate, ttc, base, tax])
