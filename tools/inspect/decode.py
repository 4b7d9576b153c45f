"""Records and identity decoded from bytes (docs/SPEC.md §2, §4).

Written from the specification alone, independently of the terminal's own
code, so that each checks the other. Decoding is strict: a value must be
exactly the canonical CBOR of what it decodes to (re-encoding it must give
the same bytes), contain only integers, text, byte strings and arrays, and
have the field types of the specification. Whatever fails is reported, with
as much of the record header as can still be read (``Header``) so that the
verifier can resynchronise on it.
"""

from __future__ import annotations

from dataclasses import dataclass

import cbor2

from tools.inspect.model import (
    DOC_JET,
    DOC_TICKET,
    IDENTITY_MAGIC,
    PUBLIC_KEY_BYTES,
    SIGNATURE_BYTES,
    Body,
    Identity,
    JetBody,
    Line,
    OtherBody,
    Payment,
    Record,
    TicketBody,
)

CborValue = int | str | bytes | list["CborValue"]

_MAX_DEPTH = 6
_INT_RANGE = range(-(2**64), 2**64)  # beyond it cbor2 would need a bignum tag


class DecodeError(Exception):
    """Bytes that are not what the specification says; ``header`` is what could be read."""

    def __init__(self, problem: str, header: Header | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.header = header


@dataclass(frozen=True, slots=True)
class Header:
    """What a damaged record still tells: each field None when unreadable."""

    seq: int | None
    doc_type: int | None
    number: int | None
    signature: bytes | None


def loads_canonical(data: bytes) -> CborValue:
    """Return the value encoded by ``data``; raise DecodeError unless canonical and allowed."""
    try:
        value = cbor2.loads(data, max_depth=_MAX_DEPTH + 2, allow_indefinite=False)
    except Exception as exc:  # cbor2 raises several error types on bad input
        raise DecodeError(f"CBOR illisible ({exc})") from None
    problem = _disallowed(value, 0)
    if problem:
        raise DecodeError(problem)
    if cbor2.dumps(value, canonical=True) != data:
        raise DecodeError("encodage CBOR non canonique (ou octets en trop)")
    return value  # type: ignore[no-any-return]


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
        items = _array(loads_canonical(data), 10, "l'enregistrement")
        return _record(items, data)
    except DecodeError as exc:
        raise DecodeError(exc.problem, read_header(data)) from None


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

    signature = items[9]
    if not (isinstance(signature, bytes) and len(signature) == SIGNATURE_BYTES):
        signature = None
    return Header(field(2), field(1), field(3), signature)


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
    version = _uint(items[1], "version")
    terminal_id = _text(items[2], "identifiant du terminal")
    key = _bytes(items[3], PUBLIC_KEY_BYTES, "clé publique")
    return Identity(version, terminal_id, key)


def _record(items: list[CborValue], raw: bytes) -> Record:
    doc_type = _uint(items[1], "doc_type")
    return Record(
        version=_uint(items[0], "version"),
        doc_type=doc_type,
        seq=_uint(items[2], "seq"),
        number=_uint(items[3], "number"),
        time_utc=_uint(items[4], "time_utc"),
        utc_offset=_int(items[5], "utc_offset"),
        terminal_id=_text(items[6], "terminal_id"),
        operator_id=_uint(items[7], "operator_id"),
        body=_body(doc_type, items[8]),
        signature=_bytes(items[9], SIGNATURE_BYTES, "signature"),
        raw=raw,
    )


def _body(doc_type: int, value: CborValue) -> Body:
    if doc_type == DOC_TICKET:
        items = _array(value, 6, "corps du ticket")
        lines = tuple(_line(item) for item in _array(items[1], -1, "lignes"))
        payments = tuple(_payment(item) for item in _array(items[2], -1, "paiements"))
        return TicketBody(
            operation=_text(items[0], "type d'opération"),
            lines=lines,
            payments=payments,
            change=_uint(items[3], "rendu monnaie"),
            gt_real=_int(items[4], "grand total perpétuel réel"),
            gt_absolute=_uint(items[5], "grand total perpétuel absolu"),
        )
    if doc_type == DOC_JET:
        items = _array(value, 2, "corps de la ligne JET")
        return JetBody(_uint(items[0], "code d'événement"), _text(items[1], "texte"))
    return OtherBody(tuple(_array(value, -1, "corps")))


def _line(value: CborValue) -> Line:
    f = _array(value, 5, "ligne")
    return Line(
        _text(f[0], "référence"),
        _text(f[1], "libellé"),
        _int(f[2], "quantité"),
        _int(f[3], "prix unitaire"),
        _uint(f[4], "taux de TVA"),
    )


def _payment(value: CborValue) -> Payment:
    f = _array(value, 2, "paiement")
    return Payment(_uint(f[0], "moyen de paiement"), _int(f[1], "montant du paiement"))


def _array(value: CborValue, length: int, what: str) -> list[CborValue]:
    if not isinstance(value, list):
        raise DecodeError(f"{what} n'est pas un tableau CBOR")
    if length >= 0 and len(value) != length:
        raise DecodeError(f"{what} a {len(value)} champs au lieu de {length}")
    return value


def _int(value: CborValue, what: str) -> int:
    if not isinstance(value, int):
        raise DecodeError(f"champ {what} : entier attendu")
    return value


def _uint(value: CborValue, what: str) -> int:
    if _int(value, what) < 0:
        raise DecodeError(f"champ {what} : entier positif ou nul attendu")
    return value  # type: ignore[return-value]


def _text(value: CborValue, what: str) -> str:
    if not isinstance(value, str):
        raise DecodeError(f"champ {what} : texte attendu")
    return value


def _bytes(value: CborValue, length: int, what: str) -> bytes:
    if not isinstance(value, bytes) or len(value) != length:
        raise DecodeError(f"champ {what} : {length} octets attendus")
    return value
