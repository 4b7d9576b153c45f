"""The data to sign of a record, rebuilt from docs/SPEC.md §5 alone.

The text is the document type's fields joined by ``,`` and encoded in
UTF-8, ending with ``DIGEST,FLAG,PREV`` (except GT_TICKET, which has no
digest)::

    TICKET, FORMATION  VAT,TOTAL,TIMESTAMP,NUMBER,OPERATION
    GT_TICKET          VAT,TOTAL,GT_REAL,TIMESTAMP,NUMBER,FLAG,PREV
    FACTURE            VAT,TOTAL,TIMESTAMP,NUMBER,KIND,CUSTOMER,POSTCODE,VAT_NUMBER
    DUPLICATA          NUMBER,ORIGINAL_TYPE,REPRINT,OPERATOR,TIMESTAMP,ORIGINAL_NUMBER
    closures           VAT,TOTAL,GT_REAL,TIMESTAMP,NUMBER
    ARCHIVE            VAT,TOTAL,TIMESTAMP,TERMINAL,KIND
    NOTE               VAT,TOTAL,TIMESTAMP,NUMBER,PERSONS
    JET                NUMBER,CODE,TEXT,TIMESTAMP,OPERATOR,TERMINAL

Escaped (``\\`` → ``\\\\``, then ``,`` → ``\\,``): the JET text, the terminal
(JET, ARCHIVE), the invoice's customer, postcode and VAT number; nothing else.
``VAT`` is ``RATE:TTC|…`` with RATE on 4 digits: from the lines for a ticket,
from the body as stored (highest rate first is a rule checked elsewhere) for
an invoice, a closure or an archive. An archive's file is covered by DIGEST
(its SHA-256 is in the body). ``FLAG`` is ``N`` with an empty ``PREV`` on the first
record of a chain (number 1), ``O`` with the previous signature otherwise.
"""

from __future__ import annotations

from binascii import b2a_base64
from datetime import date, timedelta
from functools import lru_cache
from hashlib import sha256

from tools.inspect.model import (
    DOC_DUPLICATE,
    DOC_INVOICE,
    DOC_JET,
    DOC_NOTE,
    DOC_TICKET,
    DOC_TRAINING,
    MAX_VAT_RATE,
    ArchiveBody,
    ClosureBody,
    DuplicateBody,
    InvoiceBody,
    JetBody,
    NoteBody,
    Pairs,
    Record,
    TicketBody,
    doc_name,
)

EPOCH = date(1970, 1, 1)
DAY = 86400
_URL_SAFE = bytes.maketrans(b"+/", b"-_")  # base64 to base64url (RFC 4648 §5)
FLAG_FIRST = "N"
FLAG_CHAINED = "O"
_TWO_DIGITS = [f"{n:02d}" for n in range(60)]  # hours, minutes, seconds: written for every record


class LayoutError(Exception):
    """The record has no data to sign (unknown type) or a value the layout cannot write."""


def b64url(data: bytes) -> str:
    """Return base64url text of ``data`` without padding."""
    return b2a_base64(data, newline=False).translate(_URL_SAFE).rstrip(b"=").decode("ascii")


def escape(text: str) -> str:
    """Return ``text`` with ``\\`` and ``,`` escaped for a comma-separated field."""
    return text.replace("\\", "\\\\").replace(",", "\\,")


def timestamp(time_utc: int) -> str:
    """Return ``YYYYMMDDHHMMSS`` in UTC; raise LayoutError beyond year 9999."""
    day, second = divmod(time_utc, DAY)
    try:
        day_text = _date_text(day)
    except (OverflowError, OSError, ValueError):
        raise LayoutError(f"horodatage {time_utc} hors des dates représentables") from None
    hour, second = divmod(second, 3600)
    minute, second = divmod(second, 60)
    return day_text + _TWO_DIGITS[hour] + _TWO_DIGITS[minute] + _TWO_DIGITS[second]


@lru_cache(maxsize=1024)
def _date_text(day: int) -> str:
    """Return ``YYYYMMDD`` of a day since 1970-01-01 (kept: a journal's records share few days)."""
    d = EPOCH + timedelta(days=day)
    return f"{d.year:04d}{d.month:02d}{d.day:02d}"


def vat_field(pairs: Pairs) -> str:
    """Return ``RATE:TTC|RATE:TTC…`` of (rate, TTC) pairs in the given order."""
    parts = []
    for rate, amount in pairs:
        prefix = _RATE_PREFIX.get(rate)
        if prefix is None:
            if rate > MAX_VAT_RATE:
                raise LayoutError(f"taux de TVA {rate} non représentable sur 4 chiffres")
            prefix = _RATE_PREFIX[rate] = f"{rate:04d}:"
        parts.append(prefix + str(amount))
    return "|".join(parts)


_RATE_PREFIX: dict[int, str] = {}  # rate -> "RATE:", written for every ticket (rates are few)


def digest(record: Record) -> str:
    """Return base64url(SHA-256(canonical CBOR of the record's first 9 fields))."""
    return b64url(sha256(record.unsigned_bytes).digest())


def _tail(previous_signature: bytes | None) -> list[str]:
    if previous_signature is None:
        return [FLAG_FIRST, ""]
    return [FLAG_CHAINED, b64url(previous_signature)]


def data_to_sign(record: Record, previous_signature: bytes | None) -> bytes:
    """Return the UTF-8 data to sign of ``record``.

    ``previous_signature`` is the signature of the same chain's record
    ``number - 1``, None for the first record of the chain. Raises
    LayoutError for a document type without a layout or an unwritable value.
    """
    body = record.body
    kind = record.doc_type
    number = str(record.number)
    if kind in (DOC_TICKET, DOC_TRAINING) and isinstance(body, TicketBody):
        when = timestamp(record.time_utc)
        fields = [vat_field(body.vat()), str(body.total), when, number, body.operation]
    elif kind == DOC_JET and isinstance(body, JetBody):
        fields = [
            number,
            str(body.code),
            escape(body.text),
            timestamp(record.time_utc),
            str(record.operator_id),
            escape(record.terminal_id),
        ]
    elif kind == DOC_INVOICE and isinstance(body, InvoiceBody):
        fields = [
            vat_field(body.vat),
            str(body.total),
            timestamp(record.time_utc),
            number,
            body.kind,
            escape(body.customer),
            escape(body.postcode),
            escape(body.vat_number),
        ]
    elif kind == DOC_DUPLICATE and isinstance(body, DuplicateBody):
        fields = [
            number,
            doc_name(body.original_type).removeprefix("type "),
            str(body.reprint),
            str(record.operator_id),
            timestamp(record.time_utc),
            str(body.original_number),
        ]
    elif isinstance(body, ClosureBody):
        total, gt_real = str(body.total_real), str(body.gt_real)
        fields = [vat_field(body.vat), total, gt_real, timestamp(record.time_utc), number]
    elif kind == DOC_NOTE and isinstance(body, NoteBody):
        when = timestamp(record.time_utc)
        fields = [vat_field(body.vat()), str(body.total), when, number, str(body.persons)]
    elif isinstance(body, ArchiveBody):
        when = timestamp(record.time_utc)
        terminal = escape(record.terminal_id)
        fields = [vat_field(body.vat), str(body.total), when, terminal, body.kind]
    else:
        raise LayoutError(f"pas de données à signer définies pour le type {kind}")
    return ",".join([*fields, digest(record), *_tail(previous_signature)]).encode("utf-8")


def grand_total_to_sign(record: Record, previous_gt_signature: bytes | None) -> bytes:
    """Return the GT_TICKET data to sign of a TICKET ``record``.

    ``previous_gt_signature`` is the GT_TICKET signature of TICKET
    ``number - 1``, None for the first ticket. Raises LayoutError if the
    record is not a ticket or holds an unwritable value.
    """
    body = record.body
    if not isinstance(body, TicketBody):
        raise LayoutError("pas de signature GT_TICKET hors d'un ticket")
    fields = [
        vat_field(body.vat()),
        str(body.total),
        str(body.gt_real),
        timestamp(record.time_utc),
        str(record.number),
    ]
    return ",".join(fields + _tail(previous_gt_signature)).encode("utf-8")


def ticket_to_sign(
    record: Record, previous_signature: bytes | None, previous_gt: bytes | None, gt: bool
) -> tuple[bytes, bytes | None]:
    """Return what ``data_to_sign`` and (if ``gt``) ``grand_total_to_sign`` return for a TICKET.

    Their common fields (VAT, total, timestamp, number) are written once:
    the verifier's workers rebuild both for every ticket. Raises LayoutError
    as they do.
    """
    body = record.body
    if record.doc_type != DOC_TICKET or not isinstance(body, TicketBody):
        raise LayoutError("pas de signature GT_TICKET hors d'un ticket")
    return ticket_texts(
        body.vat(),
        body.total,
        record.time_utc,
        record.number,
        body.operation,
        record.unsigned_bytes,
        body.gt_real,
        previous_signature,
        previous_gt,
        gt,
    )


def ticket_texts(
    vat: Pairs,
    total: int,
    time_utc: int,
    number: int,
    operation: str,
    unsigned: bytes,
    gt_real: int,
    previous_signature: bytes | None,
    previous_gt: bytes | None,
    gt: bool,
) -> tuple[bytes, bytes | None]:
    """Return what ``ticket_to_sign`` returns, from a ticket's values: what it and the
    workers' sales (``sales``) both write. ``unsigned``: the bytes DIGEST covers."""
    when = timestamp(time_utc)
    vat_text, total_text, number_text = vat_field(vat), str(total), str(number)
    digest_text = b64url(sha256(unsigned).digest())
    tail = _tail(previous_signature)
    message = ",".join([vat_text, total_text, when, number_text, operation, digest_text, *tail])
    if not gt:
        return message.encode("utf-8"), None
    gt_tail = _tail(previous_gt)
    grand_total = ",".join([vat_text, total_text, str(gt_real), when, number_text, *gt_tail])
    return message.encode("utf-8"), grand_total.encode("utf-8")
