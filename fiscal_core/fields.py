"""Typed reads of decoded CBOR values: each raises FormatError naming what it expected."""

from fiscal_core.errors import FormatError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from fiscal_core.cbor import CborValue


def array(value: "CborValue", length: int, what: str) -> "list[CborValue]":
    """Return ``value`` as an array of ``length`` items (any length when ``length`` < 0)."""
    if not isinstance(value, list):
        raise FormatError(0, 0, f"{what} is not an array")
    if length >= 0 and len(value) != length:
        raise FormatError(0, 0, f"{what} has {len(value)} fields, expected {length}")
    return value


def integer(value: "CborValue") -> int:
    if not isinstance(value, int):
        raise FormatError(0, 0, "expected an integer")
    return value


def uint(value: "CborValue") -> int:
    number = integer(value)
    if number < 0:
        raise FormatError(0, 0, "expected an unsigned integer")
    return number


def text(value: "CborValue") -> str:
    if not isinstance(value, str):
        raise FormatError(0, 0, "expected a text string")
    return value


def blob(value: "CborValue") -> bytes:
    if not isinstance(value, bytes):
        raise FormatError(0, 0, "expected a byte string")
    return value


def pairs(value: "CborValue", what: str) -> "list[tuple[int, int]]":
    """Return an array of ``[uint, int]`` pairs (VAT per rate, amount per means)."""
    out = []
    for item in array(value, -1, what):
        key, amount = array(item, 2, what)
        out.append((uint(key), integer(amount)))
    return out
