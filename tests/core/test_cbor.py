"""Canonical CBOR: one value, one byte string; anything else is refused."""

import cbor2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fiscal_core.cbor import decode, encode
from fiscal_core.errors import FormatError

values = st.recursive(
    st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.text(max_size=20)
    | st.binary(max_size=20),
    lambda children: st.lists(children, max_size=4),
    max_leaves=12,
)


@given(st.lists(values, max_size=5))
def test_round_trip_is_exact(value: list[object]) -> None:
    data = encode(value)  # type: ignore[arg-type]
    assert decode(data) == value
    assert encode(decode(data)) == data


def test_trailing_bytes_are_refused() -> None:
    data = encode([1, "a"])
    with pytest.raises(FormatError, match="canonical"):
        decode(data + b"\x00")


def test_non_shortest_integer_is_refused() -> None:
    # 0x18 0x01 encodes 1 in two bytes; the canonical form is the single byte 0x01.
    with pytest.raises(FormatError):
        decode(b"\x81\x18\x01")


def test_indefinite_array_is_refused() -> None:
    with pytest.raises(FormatError):
        decode(b"\x9f\x01\xff")


@pytest.mark.parametrize("bad", [1.5, None, True, {"a": 1}])
def test_values_outside_the_format_are_refused(bad: object) -> None:
    with pytest.raises(FormatError):
        decode(cbor2.dumps([bad], canonical=True))
    with pytest.raises(ValueError):
        encode([bad])  # type: ignore[list-item]


def test_not_an_array_is_refused() -> None:
    with pytest.raises(FormatError, match="array"):
        decode(cbor2.dumps(5))


def test_bignum_tags_are_refused() -> None:
    # Tag 2 (positive bignum) for 2**64: cbor2 turns it into a plain int.
    with pytest.raises(FormatError):
        decode(cbor2.dumps([2**64], canonical=True))
