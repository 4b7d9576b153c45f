"""Fiscal records: the one shape every document takes on flash and in signatures.

A record is a header common to every document type plus a body specific to
its type. On flash it is the canonical CBOR array (docs/SPEC.md, "Record")::

    [version, doc_type, seq, number, time_utc, utc_offset_min,
     terminal_id, operator_id, body, signature]

``seq`` numbers every record of the terminal (all types together, from 1,
no gap): it fixes the journal order, so that swapping two records of
different chains is seen. ``number`` numbers the records of one document type
(from 1, no gap). The previous signature of the chain is not stored: it is
the signature of the record with the same type and ``number - 1``.
"""

from fiscal_core import codes
from fiscal_core.cbor import append_item, decode, encode
from fiscal_core.closures import ClosureBody
from fiscal_core.documents import ArchiveBody, DuplicateBody, InvoiceBody
from fiscal_core.errors import FormatError
from fiscal_core.events import JetBody
from fiscal_core.fields import integer, text, uint
from fiscal_core.sales import Line, NoteBody, Payment, TicketBody

__all__ = [
    "ArchiveBody",
    "ClosureBody",
    "DuplicateBody",
    "InvoiceBody",
    "JetBody",
    "Line",
    "NoteBody",
    "Payment",
    "Record",
    "TicketBody",
]

TYPE_CHECKING = False
if TYPE_CHECKING:
    from fiscal_core.cbor import CborValue

SIGNATURE_BYTES = 64

if TYPE_CHECKING:
    Body = TicketBody | JetBody | ClosureBody | DuplicateBody | InvoiceBody | ArchiveBody | NoteBody


_BODY_TYPES: "dict[int, type[Body]]" = {
    codes.DOC_TICKET: TicketBody,
    codes.DOC_TRAINING: TicketBody,
    codes.DOC_JET: JetBody,
    codes.DOC_GT_PERIOD: ClosureBody,
    codes.DOC_GT_MONTH: ClosureBody,
    codes.DOC_GT_YEAR: ClosureBody,
    codes.DOC_DUPLICATE: DuplicateBody,
    codes.DOC_INVOICE: InvoiceBody,
    codes.DOC_ARCHIVE: ArchiveBody,
    codes.DOC_NOTE: NoteBody,
}


class Record:
    """A signed fiscal record (see the module docstring for its layout)."""

    __slots__ = (
        "body",
        "doc_type",
        "number",
        "operator_id",
        "seq",
        "signature",
        "terminal_id",
        "time_utc",
        "utc_offset",
        "version",
    )

    def __init__(
        self,
        doc_type: int,
        seq: int,
        number: int,
        time_utc: int,
        utc_offset: int,
        terminal_id: str,
        operator_id: int,
        body: "Body",
        signature: bytes = b"",
        version: int = codes.FORMAT_VERSION,
    ) -> None:
        self.version = version
        self.doc_type = doc_type
        self.seq = seq
        self.number = number
        self.time_utc = time_utc
        self.utc_offset = utc_offset
        self.terminal_id = terminal_id
        self.operator_id = operator_id
        self.body = body
        self.signature = signature

    def unsigned_array(self) -> "list[CborValue]":
        """Return the record's array without its signature (what the digest covers)."""
        return [
            self.version,
            self.doc_type,
            self.seq,
            self.number,
            self.time_utc,
            self.utc_offset,
            self.terminal_id,
            self.operator_id,
            self.body.to_array(),
        ]

    def unsigned_bytes(self) -> bytes:
        return encode(self.unsigned_array())

    def encode(self) -> bytes:
        """Return the record as stored on flash (canonical CBOR, signature last)."""
        return encode([*self.unsigned_array(), self.signature])

    def signed_bytes(self, unsigned: bytes) -> bytes:
        """Return ``encode()``'s bytes from ``unsigned``, this record's ``unsigned_bytes()``.

        The sealing path digests the unsigned bytes, signs, then stores the
        record: its items are reused, not encoded a second time.
        """
        return append_item(unsigned, self.signature)

    @classmethod
    def decode(cls, data: bytes) -> "Record":
        """Return the record encoded in ``data``; raise FormatError if it is not one."""
        items = decode(data)
        seq = items[2] if len(items) > 2 and isinstance(items[2], int) else 0
        doc_type = items[1] if len(items) > 1 and isinstance(items[1], int) else 0
        try:
            return cls._from_items(items)
        except FormatError as exc:
            raise FormatError(seq, doc_type, exc.message) from None

    @classmethod
    def _from_items(cls, items: "list[CborValue]") -> "Record":
        if len(items) != 10:
            raise FormatError(0, 0, f"a record has 10 fields, found {len(items)}")
        version = uint(items[0])
        if version != codes.FORMAT_VERSION:
            raise FormatError(0, 0, f"unknown format version {version}")
        doc_type = uint(items[1])
        body_type = _BODY_TYPES.get(doc_type)
        if body_type is None:
            raise FormatError(0, doc_type, f"unknown document type {doc_type}")
        signature = items[9]
        if not isinstance(signature, bytes) or len(signature) != SIGNATURE_BYTES:
            raise FormatError(0, doc_type, "signature is not 64 bytes")
        return cls(
            doc_type=doc_type,
            seq=uint(items[2]),
            number=uint(items[3]),
            time_utc=uint(items[4]),
            utc_offset=integer(items[5]),
            terminal_id=text(items[6]),
            operator_id=uint(items[7]),
            body=body_type.from_array(items[8]),
            signature=signature,
            version=version,
        )

    def __repr__(self) -> str:
        name = codes.DOC_NAMES.get(self.doc_type, str(self.doc_type))
        return f"<Record seq={self.seq} {name} no={self.number}>"
