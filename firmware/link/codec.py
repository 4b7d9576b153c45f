"""Message payloads: canonical CBOR arrays, decoded strictly, and field checks.

A payload is the canonical CBOR (shortest integer and length forms,
definite lengths) of one array of integers, text strings, byte strings and
nested arrays; no maps, floats, tags, booleans or null. Decoding re-encodes
what it read and compares: any other byte string for the same value
(non-shortest forms, trailing bytes, indefinite lengths) is refused in that
one check, as the fiscal records are (docs/SPEC.md §4).

``Malformed`` is raised by every check here; the protocol turns it into a
BAD_MESSAGE error for the peer, never lets it out.
"""

import cbor2

TYPE_CHECKING = False
if TYPE_CHECKING:
    CborValue = int | str | bytes | list["CborValue"]

MAX_DEPTH = 4  # message, list of items, item, field
UINT_MAX = 2**64 - 1
_LEAVES = {bytes, str}  # types that need no check of their own


class Malformed(Exception):
    """A payload that is not a well-formed message; the text says what is wrong."""


def dumps(items: "list[CborValue]") -> bytes:
    """Return the canonical CBOR of the array ``items``."""
    return bytes(cbor2.dumps(items, canonical=True))


def loads(data: bytes) -> "list[CborValue]":
    """Return the array encoded by ``data``; raise Malformed unless canonical and allowed."""
    try:
        value = cbor2.loads(bytes(data), max_depth=MAX_DEPTH + 1, allow_indefinite=False)
    except Exception as exc:  # cbor2 raises several error types on bad input
        raise Malformed("not CBOR (" + type(exc).__name__ + ")") from None
    if type(value) is not list or not value:
        raise Malformed("not a non-empty CBOR array")
    _check(value, 0)
    if dumps(value) != bytes(data):
        raise Malformed("not in canonical CBOR (or trailing bytes)")
    return value


def _check(value: object, depth: int) -> None:
    kind = type(value)  # exact types: a bool is an int, cbor2 has its own tag types
    if kind is int:
        if not -(2**64) <= value < 2**64:  # type: ignore[operator]
            raise Malformed("integer beyond 64 bits")
    elif kind is list:
        if depth >= MAX_DEPTH:
            raise Malformed("arrays nested too deep")
        if set(map(type, value)) <= _LEAVES:  # type: ignore[call-overload]
            return  # a list of strings (a batch of records): one C pass, no call per item
        for item in value:  # type: ignore[attr-defined]
            _check(item, depth + 1)
    elif kind is not str and kind is not bytes:
        raise Malformed("a " + kind.__name__ + " is not allowed in a message")


def uint(value: "CborValue", what: str, low: int = 0, high: int = UINT_MAX) -> int:
    """Return ``value`` if it is an integer in low..high, else raise Malformed."""
    if type(value) is not int or not low <= value <= high:
        raise Malformed(what + " must be an integer in " + str(low) + ".." + str(high))
    return value


def text(value: "CborValue", what: str, high: int) -> str:
    """Return ``value`` if it is a text of at most ``high`` characters, else raise Malformed."""
    if type(value) is not str or len(value) > high:
        raise Malformed(what + " must be a text of at most " + str(high) + " characters")
    return value


def blob(value: "CborValue", what: str, low: int, high: int) -> bytes:
    """Return ``value`` if it is a byte string of low..high bytes, else raise Malformed."""
    if type(value) is not bytes or not low <= len(value) <= high:
        raise Malformed(what + " must be " + str(low) + ".." + str(high) + " bytes")
    return value


def array(value: "CborValue", what: str, high: int, length: int = -1) -> "list[CborValue]":
    """Return ``value`` if it is an array (of ``length`` items, or at most ``high``)."""
    if type(value) is not list or len(value) > high or (length >= 0 and len(value) != length):
        size = str(length) if length >= 0 else "at most " + str(high)
        raise Malformed(what + " must be an array of " + size + " items")
    return value


def archive_name(value: "CborValue") -> str:
    """Return ``value`` if it is a safe archive file name, else raise Malformed.

    1..64 characters among A-Z a-z 0-9 . _ - and not starting with a dot:
    a name that can be written as a file on any system, never a path.
    """
    name = text(value, "archive name", 64)
    if not name or name[0] == "." or any(not _name_char(c) for c in name):
        raise Malformed("archive name " + repr(name) + " is not a plain file name")
    return name


def _name_char(c: str) -> bool:
    return ("a" <= c <= "z") or ("A" <= c <= "Z") or ("0" <= c <= "9") or c in "._-"
