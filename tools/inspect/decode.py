"""Records and identity decoded from bytes (docs/SPEC.md §2, §4).

Written from the specification alone, independently of the terminal's own
code, so that each checks the other. Decoding is strict: a value must be
exactly the canonical CBOR of what it decodes to (re-encoding it must give
the same bytes), contain only integers, text, byte strings and arrays, and
have the field types of the specification. Whatever fails is reported, with
as much of the record header as can still be read (``Header``) so that the
verifier can resynchronise on it.

A record of a known document type is decoded by its typed fields first
(``bodies``: exact types, integers within the format's range): when they
all hold, the value has nothing but the format's types and the walk of
``_disallowed`` would find nothing, so only the canonical encoding is left
to check. Anything else takes the full path, in the order above, so that
a record is refused with the same problem either way.
"""

from __future__ import annotations

from dataclasses import dataclass

import cbor2

from tools.inspect.bodies import (
    INT_LIMIT,
    KNOWN_BODIES,
    CborValue,
    FieldError,
    array,
    blob,
    decode_body,
    integer,
    text,
    uint,
)
from tools.inspect.model import (
    IDENTITY_MAGIC,
    PUBLIC_KEY_BYTES,
    SIGNATURE_BYTES,
    TICKET_FIELDS,
    Identity,
    Record,
)

_MAX_DEPTH = 6
_INT_RANGE = range(-(2**64), 2**64)  # beyond it cbor2 would need a bignum tag (bodies.py too)


class DecodeError(Exception):
    """Bytes that are not what the specification says; ``header`` is what could be read."""

    def __init__(self, problem: str, header: Header | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.header = header


@dataclass(slots=True, unsafe_hash=True)  # not frozen: built for every record (see model)
class Header:
    """What a damaged record still tells: each field None when unreadable.

    ``gt_signature`` is a ticket's GT_TICKET signature (body field 8), which
    the next ticket's GT_TICKET data to sign needs.
    """

    seq: int | None
    doc_type: int | None
    number: int | None
    signature: bytes | None
    gt_signature: bytes | None = None


def loads_canonical(data: bytes) -> CborValue:
    """Return the value encoded by ``data``; raise DecodeError unless canonical and allowed."""
    return _canonical(loads_value(data), data)


def loads_value(data: bytes) -> object:
    """Return the value encoded by ``data``, not checked yet; raise DecodeError if unreadable."""
    try:
        return cbor2.loads(data, max_depth=_MAX_DEPTH + 2, allow_indefinite=False)
    except Exception as exc:  # cbor2 raises several error types on bad input
        raise DecodeError(f"CBOR illisible ({exc})") from None


def _canonical(value: object, data: bytes) -> CborValue:
    """Return ``value`` (decoded from ``data``); raise DecodeError unless canonical and allowed."""
    problem = _disallowed(value, 0)
    if problem:
        raise DecodeError(problem)
    if not is_canonical(value, data):
        raise DecodeError("encodage CBOR non canonique (ou octets en trop)")
    return value  # type: ignore[return-value]


def is_canonical(value: object, data: bytes) -> bool:
    """True when ``data`` is exactly the canonical CBOR of ``value`` (nothing more)."""
    return cbor2.dumps(value, canonical=True) == data


def _disallowed(value: object, depth: int) -> str | None:
    """Return why ``value`` is not made of the format's types only, or None.

    Compares exact types (``type(x) is int``): a bool is an int subclass, and
    cbor2 returns its own types for tags, simple values and the like.
    """
    kind = type(value)
    if kind is int:
        return None if value in _INT_RANGE else "entier hors format (étiquette bignum)"
    if kind is str or kind is bytes:
        return None
    if kind is list:
        if depth >= _MAX_DEPTH:
            return "CBOR trop imbriqué"
        for item in value:  # type: ignore[attr-defined]
            problem = _disallowed(item, depth + 1)
            if problem:
                return problem
        return None
    if kind is bool or value is None:
        return "booléen ou null interdit par le format"
    return f"type CBOR {kind.__name__} interdit par le format"


def decode_record(data: bytes) -> Record:
    """Return the record encoded in ``data``; raise DecodeError (with a Header) if not one."""
    try:
        value = loads_value(data)
        if type(value) is list and len(value) == 10 and _known(value[1]):
            try:
                record = _record(value, data)
            except DecodeError:
                pass  # the full path below says why, as it would have
            else:
                if is_canonical(value, data):
                    return record
        items = _array(_canonical(value, data), 10, "l'enregistrement")
        return _record(items, data)
    except DecodeError as exc:
        raise DecodeError(exc.problem, read_header(data)) from None


def _known(doc_type: object) -> bool:
    return type(doc_type) is int and doc_type in KNOWN_BODIES


def read_header(data: bytes) -> Header:
    """Return the header fields still readable in a damaged record (leniently).

    The whole record is tried first; if it does not even parse, the first
    fields are read one by one where a canonical record has them (array
    head, then version, doc_type, seq, number), so that one damaged byte
    loses one field, and the signature is taken from the record's end.
    """
    try:
        items = cbor2.loads(data, max_depth=_MAX_DEPTH + 2, str_errors="replace")
    except Exception:  # unparseable: fall back on the fixed layout
        return _positional_header(data)
    if not isinstance(items, list) or len(items) != 10:
        return _positional_header(data)

    def field(index: int) -> int | None:
        value = items[index]
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def signature(value: object) -> bytes | None:
        return value if isinstance(value, bytes) and len(value) == SIGNATURE_BYTES else None

    body = items[8]
    ticket = isinstance(body, list) and len(body) == TICKET_FIELDS
    gt_signature = signature(body[TICKET_FIELDS - 1]) if ticket else None
    return Header(field(2), field(1), field(3), signature(items[9]), gt_signature)


def _positional_header(data: bytes) -> Header:
    fields: list[int | None] = []
    position = 1  # after the array head, whatever it has become
    for _ in range(4):  # version, doc_type, seq, number
        value, size = _uint_head(data, position)
        fields.append(value)
        position += size
    tail = data[-(SIGNATURE_BYTES + 2) :]
    signature = tail[2:] if len(tail) == SIGNATURE_BYTES + 2 and tail[:2] == b"\x58\x40" else None
    return Header(fields[2], fields[1], fields[3], signature)


def _uint_head(data: bytes, position: int) -> tuple[int | None, int]:
    """Return the unsigned integer whose CBOR head is at ``position`` and its size.

    (None, 1) when there is no unsigned integer head there.
    """
    if position >= len(data):
        return None, 1
    initial = data[position]
    if initial < 24:
        return initial, 1
    size = {24: 1, 25: 2, 26: 4, 27: 8}.get(initial)
    if size is None or position + 1 + size > len(data):
        return None, 1
    return int.from_bytes(data[position + 1 : position + 1 + size], "big"), 1 + size


def decode_identity(data: bytes) -> Identity:
    """Return the terminal identity in ``data``; raise DecodeError if it is not one."""
    items = _array(loads_canonical(data), 4, "l'identité")
    if items[0] != IDENTITY_MAGIC:
        raise DecodeError("identité : marque « nf525-fiscal-terminal » absente")
    try:
        version = uint(items[1], "version")
        terminal_id = text(items[2], "identifiant du terminal")
        key = blob(items[3], "clé publique", PUBLIC_KEY_BYTES)
    except FieldError as exc:
        raise DecodeError(exc.problem) from None
    return Identity(version, terminal_id, key)


def _record(items: list[CborValue], raw: bytes) -> Record:
    version, doc_type, seq, number, time_utc, utc_offset, terminal, operator = items[:8]
    if (
        type(version) is int
        and type(doc_type) is int
        and type(seq) is int
        and type(number) is int
        and type(time_utc) is int
        and type(utc_offset) is int
        and type(terminal) is str
        and type(operator) is int
        and min(version, doc_type, seq, number, time_utc, operator) >= 0
        and max(version, doc_type, seq, number, time_utc, operator) < INT_LIMIT
        and -INT_LIMIT <= utc_offset < INT_LIMIT
    ):  # the header's types at once; else field by field below, to say which is wrong
        try:
            body = decode_body(doc_type, items[8])
            signature = blob(items[9], "signature", SIGNATURE_BYTES)
        except FieldError as exc:
            raise DecodeError(exc.problem) from None
        return Record(
            version,
            doc_type,
            seq,
            number,
            time_utc,
            utc_offset,
            terminal,
            operator,
            body,
            signature,
            raw,
        )
    try:
        doc_type = uint(items[1], "doc_type")
        return Record(
            version=uint(items[0], "version"),
            doc_type=doc_type,
            seq=uint(items[2], "seq"),
            number=uint(items[3], "number"),
            time_utc=uint(items[4], "time_utc"),
            utc_offset=integer(items[5], "utc_offset"),
            terminal_id=text(items[6], "terminal_id"),
            operator_id=uint(items[7], "operator_id"),
            body=decode_body(doc_type, items[8]),
            signature=blob(items[9], "signature", SIGNATURE_BYTES),
            raw=raw,
        )
    except FieldError as exc:
        raise DecodeError(exc.problem) from None


def _array(value: CborValue, length: int, what: str) -> list[CborValue]:
    try:
        return array(value, length, what)
    except FieldError as exc:
        raise DecodeError(exc.problem) from None
