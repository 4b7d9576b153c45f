"""The data to sign of a record, rebuilt from docs/SPEC.md §5 alone.

The text is the document type's fields joined by ``,`` and encoded in
UTF-8::

    TICKET  VAT,TOTAL,TIMESTAMP,NUMBER,OPERATION,DIGEST,FLAG,PREV
    JET     NUMBER,CODE,TEXT,TIMESTAMP,OPERATOR,TERMINAL,DIGEST,FLAG,PREV

Text taken from the record (JET text, terminal id, operation type) is
escaped: ``\\`` becomes ``\\\\``, then ``,`` becomes ``\\,``. The SPEC says
"free text"; the terminal escapes the JET text and the terminal id, and the
operation type is a fixed word without either character, so escaping all
three agrees with it on every record it can write.
"""

from __future__ import annotations

from base64 import urlsafe_b64encode
from datetime import UTC, datetime
from hashlib import sha256

from tools.inspect.model import DOC_JET, DOC_TICKET, JetBody, Line, Record, TicketBody

FLAG_FIRST = "N"
FLAG_CHAINED = "O"
MAX_VAT_RATE = 9999  # RATE is written on 4 digits


class LayoutError(Exception):
    """The record has no data to sign (unknown type) or a value the layout cannot write."""


def b64url(data: bytes) -> str:
    """Return base64url text of ``data`` without padding."""
    return urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def escape(text: str) -> str:
    """Return ``text`` with ``\\`` and ``,`` escaped for a comma-separated field."""
    return text.replace("\\", "\\\\").replace(",", "\\,")


def timestamp(time_utc: int) -> str:
    """Return ``YYYYMMDDHHMMSS`` in UTC; raise LayoutError beyond year 9999."""
    try:
        t = datetime.fromtimestamp(time_utc, UTC)
    except (OverflowError, OSError, ValueError):
        raise LayoutError(f"horodatage {time_utc} hors des dates représentables") from None
    return f"{t.year:04d}{t.month:02d}{t.day:02d}{t.hour:02d}{t.minute:02d}{t.second:02d}"


def vat_field(lines: tuple[Line, ...]) -> str:
    """Return ``RATE:TTC|RATE:TTC…``, highest rate first; raise LayoutError on a rate > 9999."""
    per_rate: dict[int, int] = {}
    for line in lines:
        if line.vat_rate > MAX_VAT_RATE:
            raise LayoutError(f"taux de TVA {line.vat_rate} non représentable sur 4 chiffres")
        per_rate[line.vat_rate] = per_rate.get(line.vat_rate, 0) + line.total
    return "|".join(f"{rate:04d}:{per_rate[rate]}" for rate in sorted(per_rate, reverse=True))


def digest(record: Record) -> str:
    """Return base64url(SHA-256(canonical CBOR of the record's first 9 fields))."""
    return b64url(sha256(record.unsigned_bytes).digest())


def data_to_sign(record: Record, previous_signature: bytes | None) -> bytes:
    """Return the UTF-8 data to sign of ``record``.

    ``previous_signature`` is the signature of the same chain's record
    ``number - 1``, None for the first record of the chain. Raises
    LayoutError for a document type without a layout or an unwritable value.
    """
    if previous_signature is None:
        tail = [digest(record), FLAG_FIRST, ""]
    else:
        tail = [digest(record), FLAG_CHAINED, b64url(previous_signature)]
    body = record.body
    if record.doc_type == DOC_TICKET and isinstance(body, TicketBody):
        fields = [
            vat_field(body.lines),
            str(body.total),
            timestamp(record.time_utc),
            str(record.number),
            escape(body.operation),
        ]
    elif record.doc_type == DOC_JET and isinstance(body, JetBody):
        fields = [
            str(record.number),
            str(body.code),
            escape(body.text),
            timestamp(record.time_utc),
            str(record.operator_id),
            escape(record.terminal_id),
        ]
    else:
        raise LayoutError(f"pas de données à signer définies pour le type {record.doc_type}")
    return ",".join(fields + tail).encode("utf-8")
