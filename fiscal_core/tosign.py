"""The data to sign of each document type: NF525 fields joined by commas.

Each string follows the field order of certified products (see
docs/SPEC.md, "Data to sign"), extended by one field, the record digest,
placed just before the flag: the base64url SHA-256 of the record's canonical
CBOR without its signature. The NF525 fields alone do not cover item lines,
payments, operator or offset; the digest covers every stored byte, so a
record cannot be altered anywhere without breaking its signature.

Free text is escaped: ``\\`` becomes ``\\\\`` and ``,`` becomes ``\\,``. The
string is encoded in UTF-8 before signing.
"""

from hashlib import sha256

from fiscal_core import codes
from fiscal_core.civil import compact_timestamp
from fiscal_core.ed25519 import b64url
from fiscal_core.records import JetBody, Record, TicketBody
from fiscal_core.vat import breakdown, breakdown_text


def escape(text: str) -> str:
    """Return free text made safe for a comma-separated field."""
    return text.replace("\\", "\\\\").replace(",", "\\,")


def record_digest(record: Record) -> str:
    """Return base64url(SHA-256(canonical CBOR of the record without signature))."""
    return b64url(sha256(record.unsigned_bytes()).digest())


def data_to_sign(record: Record, previous_signature: bytes) -> str:
    """Return the text signed for ``record``; ``previous_signature`` is b"" on a first record.

    Raises ValueError for a document type that has no data-to-sign layout.
    """
    flag = codes.FLAG_CHAINED if previous_signature else codes.FLAG_FIRST
    tail = [record_digest(record), flag, b64url(previous_signature)]
    body = record.body
    if record.doc_type == codes.DOC_TICKET and isinstance(body, TicketBody):
        fields = [
            breakdown_text(breakdown(body.lines)),
            str(body.total),
            compact_timestamp(record.time_utc),
            str(record.number),
            body.operation,
        ]
    elif record.doc_type == codes.DOC_JET and isinstance(body, JetBody):
        fields = [
            str(record.number),
            str(body.code),
            escape(body.text),
            compact_timestamp(record.time_utc),
            str(record.operator_id),
            escape(record.terminal_id),
        ]
    else:
        raise ValueError(f"no data-to-sign layout for document type {record.doc_type}")
    return ",".join(fields + tail)
