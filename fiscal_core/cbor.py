"""Deterministic CBOR for fiscal records: one record, one byte string, forever.

Records are CBOR arrays of integers, text strings, byte strings and nested
arrays only (no maps, so no key order; no floats, no tags). cbor2 writes
integers and lengths in their shortest form, which makes the encoding of
such a value unique (RFC 8949 section 4.2.1).

Decoding is strict: the bytes must decode to an allowed value *and* encode
back to exactly the same bytes. This one check rejects trailing bytes
(cbor2's ``loads`` ignores them), non-shortest integers, indefinite lengths,
tags and floats without listing each case.
"""

import cbor2

from fiscal_core.errors import FormatError

TYPE_CHECKING = False
if TYPE_CHECKING:
    CborValue = int | str | bytes | list["CborValue"]

_MAX_DEPTH = 6
# Beyond these bounds cbor2 would use a bignum tag, and tags are not in the format.
_INT_MIN = -(2**64)
_INT_LIMIT = 2**64


def encode(value: "CborValue") -> bytes:
    """Return the canonical CBOR encoding of ``value``."""
    _check_value(value, 0)
    return cbor2.dumps(value, canonical=True)


def decode(data: bytes) -> "list[CborValue]":
    """Return the array encoded by ``data``.

    Raises FormatError when ``data`` is not the canonical encoding of an
    array of allowed values.
    """
    try:
        value = cbor2.loads(bytes(data), max_depth=_MAX_DEPTH + 2, allow_indefinite=False)
    except Exception as exc:  # cbor2 raises several error types on bad input
        raise FormatError(0, 0, f"not CBOR: {exc}") from None
    if not isinstance(value, list):
        raise FormatError(0, 0, "not a CBOR array")
    try:
        _check_value(value, 0)
    except ValueError as exc:
        raise FormatError(0, 0, str(exc)) from None
    if cbor2.dumps(value, canonical=True) != bytes(data):
        raise FormatError(0, 0, "not in canonical encoding (or trailing bytes)")
    return value


def append_item(array: bytes, item: "CborValue") -> bytes:
    """Return the canonical encoding of the array encoded in ``array`` with ``item`` added last.

    ``array`` must be a canonical encoding of an array of fewer than 23
    items (``encode``'s output), whose length is its first byte: the items'
    bytes are reused as they are instead of being checked and encoded again
    (a record is digested without its signature, then stored with it).
    """
    count = array[0] - 0x80 if array else -1
    if not 0 <= count < 23:
        raise ValueError("not the encoding of an array of fewer than 23 items")
    if type(item) is bytes and 24 <= len(item) < 256:  # a signature: its head is two bytes
        tail = b"\x58" + bytes((len(item),)) + item
    else:
        _check_value(item, 1)
        tail = cbor2.dumps(item, canonical=True)
    return b"".join((bytes((0x81 + count,)), array[1:], tail))


def _check_value(value: object, depth: int) -> None:
    # Exact types, not isinstance: bool is an int subclass and is not part of
    # the format. Every record is checked when it is encoded, on the commit
    # path: a list's scalar items are checked inline, one type lookup each,
    # and only nested lists and refused values take a call.
    if depth > _MAX_DEPTH:
        raise ValueError("nesting too deep")
    kind = type(value)
    if kind is list:
        if depth == _MAX_DEPTH and value:
            raise ValueError("nesting too deep")  # its items would be one level deeper
        for item in value:  # type: ignore[attr-defined]
            kind = type(item)
            if kind is int:
                if not _INT_MIN <= item < _INT_LIMIT:
                    raise ValueError("integer outside the 64-bit CBOR range")
            elif kind is not str and kind is not bytes:
                _check_value(item, depth + 1)
        return
    if kind is int:
        if not _INT_MIN <= value < _INT_LIMIT:  # type: ignore[operator]
            raise ValueError("integer outside the 64-bit CBOR range")
        return
    if kind is str or kind is bytes:
        return
    if value is None or kind is bool:
        raise ValueError("booleans and null are not part of the format")
    raise ValueError(f"type {kind.__name__} is not part of the format")
