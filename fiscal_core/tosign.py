"""The data to sign of each document type: NF525 fields joined by commas.

Each string follows the field order of certified products (see
docs/SPEC.md, "Data to sign"), extended by one field, the record digest,
placed just before the flag: the base64url SHA-256 of the record's canonical
CBOR without its signature. The NF525 fields alone do not cover item lines,
payments, operator or offset; the digest covers every stored byte, so a
record cannot be altered anywhere without breaking its signature.

The grand-total-ticket chain is the exception: its signature is stored in
the ticket's body, so its data to sign has no digest (the ticket's own
signature, whose digest covers the body, covers it in turn).

Free text is escaped: ``\\`` becomes ``\\\\`` and ``,`` becomes ``\\,``. The
string is encoded in UTF-8 before signing.
"""

from hashlib import sha256

from fiscal_core import codes
from fiscal_core.civil import compact_timestamp
from fiscal_core.closures import ClosureBody
from fiscal_core.documents import ArchiveBody, DuplicateBody, InvoiceBody
from fiscal_core.ed25519 import b64url
from fiscal_core.events import JetBody
from fiscal_core.records import Record
from fiscal_core.sales import NoteBody, TicketBody
from fiscal_core.vat import breakdown, breakdown_text


def escape(text: str) -> str:
    """Return free text made safe for a comma-separated field."""
    return text.replace("\\", "\\\\").replace(",", "\\,")


def vat_text(pairs: "list[tuple[int, int]]") -> str:
    """Return ``RATE:TTC|RATE:TTC`` from (rate, TTC) pairs already ordered highest rate first."""
    # %-formatting and a list: faster than f-strings in a generator (twice per sale).
    return "|".join(["%04d:%d" % pair for pair in pairs])  # noqa: UP031


def record_digest(record: Record, unsigned: bytes | None = None) -> str:
    """Return base64url(SHA-256(canonical CBOR of the record without signature)).

    ``unsigned``: those bytes when the caller already has them.
    """
    if unsigned is None:
        unsigned = record.unsigned_bytes()
    return b64url(sha256(unsigned).digest())


def _tail(previous_signature: bytes) -> "list[str]":
    flag = codes.FLAG_CHAINED if previous_signature else codes.FLAG_FIRST
    return [flag, b64url(previous_signature)]


def grand_total_ticket_to_sign(record: Record, previous_gt_signature: bytes) -> str:
    """Return the text signed in the grand-total-ticket chain for a ticket ``record``."""
    body = record.body
    if not isinstance(body, TicketBody):
        raise ValueError("only a ticket has a grand-total-ticket signature")
    head, when = _ticket_pieces(record, body)
    flag = codes.FLAG_CHAINED if previous_gt_signature else codes.FLAG_FIRST
    # One %-format: every sale signs this text and its own (see _ticket_pieces).
    return "%s,%d,%s,%s,%s" % (  # noqa: UP031
        head,
        body.gt_real,
        when,
        flag,
        b64url(previous_gt_signature),
    )


def _ticket_pieces(record: Record, body: TicketBody) -> "tuple[str, str]":
    """Return ("VAT,TOTAL", "TIMESTAMP,NUMBER"), the pieces both texts of a ticket share.

    A sale's two texts are made one after the other (the grand-total text,
    then the ticket's, whose digest covers the first signature), and a
    verifier checks them together: the pieces are kept for the second one,
    under the values they are made of (never under the body's identity: a
    body changed in between gets its own pieces).
    """
    global _last_ticket
    key = (tuple(body.vat), body.total, record.time_utc, record.number)
    last = _last_ticket  # one read: a tuple replaced whole, safe between threads
    if last[0] == key:
        return last[1], last[2]
    head = "%s,%d" % (vat_text(body.vat), body.total)  # noqa: UP031
    when = "%s,%d" % (compact_timestamp(record.time_utc), record.number)  # noqa: UP031
    _last_ticket = (key, head, when)
    return head, when


_last_ticket: "tuple[object, str, str]" = (None, "", "")


def data_to_sign(record: Record, previous_signature: bytes, unsigned: bytes | None = None) -> str:
    """Return the text signed for ``record``; ``previous_signature`` is b"" on a first record.

    ``unsigned``: the record's ``unsigned_bytes()`` when the caller already has them.

    Raises ValueError for a document type that has no data-to-sign layout.
    """
    body = record.body
    if isinstance(body, TicketBody):
        head, when = _ticket_pieces(record, body)
        flag = codes.FLAG_CHAINED if previous_signature else codes.FLAG_FIRST
        return "%s,%s,%s,%s,%s,%s" % (  # noqa: UP031
            head,
            when,
            body.operation,
            record_digest(record, unsigned),
            flag,
            b64url(previous_signature),
        )
    timestamp = compact_timestamp(record.time_utc)
    number = str(record.number)
    if isinstance(body, JetBody):
        fields = [
            number,
            str(body.code),
            escape(body.text),
            timestamp,
            str(record.operator_id),
            escape(record.terminal_id),
        ]
    elif isinstance(body, ClosureBody):
        fields = [vat_text(body.vat), str(body.total_real), str(body.gt_real), timestamp, number]
    elif isinstance(body, DuplicateBody):
        fields = [
            number,
            codes.DOC_NAMES.get(body.original_type, str(body.original_type)),
            str(body.reprint),
            str(record.operator_id),
            timestamp,
            str(body.original_number),
        ]
    elif isinstance(body, InvoiceBody):
        fields = [
            vat_text(body.vat),
            str(body.total),
            timestamp,
            number,
            body.kind,
            escape(body.customer),
            escape(body.postcode),
            escape(body.vat_number),
        ]
    elif isinstance(body, NoteBody):
        fields = [
            breakdown_text(breakdown(body.lines)),
            str(body.total),
            timestamp,
            number,
            str(body.persons),
        ]
    elif isinstance(body, ArchiveBody):
        fields = [
            vat_text(body.vat),
            str(body.total),
            timestamp,
            escape(record.terminal_id),
            body.kind,
        ]
    else:
        raise ValueError(f"no data-to-sign layout for document type {record.doc_type}")
    return ",".join([*fields, record_digest(record, unsigned), *_tail(previous_signature)])
