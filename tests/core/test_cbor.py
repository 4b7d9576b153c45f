"""Canonical CBOR: one value, one byte string; anything else is refused."""

import cbor2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fiscal_core.cbor import append_item, decode, encode
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


def _nested(depth: int) -> list[object]:
    value: list[object] = [1]
    for _ in range(depth):
        value = [value]
    return value


def test_nesting_is_bounded() -> None:
    encode(_nested(5))  # type: ignore[arg-type]  # items at depth 6: the limit
    for bad in ([_nested(6)], [1, [2, [3, [4, [5, [6, ["deep"]]]]]]]):
        with pytest.raises(ValueError, match="nesting too deep"):
            encode(bad)  # type: ignore[arg-type]
        with pytest.raises(FormatError, match="nesting too deep"):
            decode(cbor2.dumps(bad, canonical=True))


@pytest.mark.parametrize("bad", [2**64, -(2**64) - 1])
def test_integers_outside_64_bits_are_refused_at_any_depth(bad: int) -> None:
    for value in ([bad], [[1, bad]]):
        with pytest.raises(ValueError, match="64-bit"):
            encode(value)  # type: ignore[arg-type]
    encode([2**64 - 1, [-(2**64)]])


@given(st.lists(values, max_size=22), values)
def test_append_item_equals_encoding_the_longer_array(items: list[object], item: object) -> None:
    assert append_item(encode(items), item) == encode([*items, item])  # type: ignore[arg-type,list-item]


def test_append_item_refuses_what_it_cannot_extend() -> None:
    with pytest.raises(ValueError, match="array"):
        append_item(encode(list(range(23))), 1)  # 24 items: a two-byte length
    with pytest.raises(ValueError, match="array"):
        append_item(cbor2.dumps(5), 1)
    with pytest.raises(ValueError, match="format"):
        append_item(encode([1]), None)  # type: ignore[arg-type]


@given(st.lists(values, max_size=22), st.binary(min_size=20, max_size=300))
def test_append_item_of_a_byte_string_equals_encoding_the_longer_array(
    items: list[object], blob: bytes
) -> None:
    # A signature (64 bytes) takes append_item's two-byte head without cbor2.
    assert append_item(encode(items), blob) == cbor2.dumps([*items, blob], canonical=True)  # type: ignore[arg-type]
