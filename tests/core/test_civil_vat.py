"""Calendar arithmetic against the standard library, and VAT rounding."""

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from fiscal_core.civil import compact_timestamp, local_date_time
from fiscal_core.records import Line
from fiscal_core.vat import breakdown, breakdown_text, div_round_half_away


@given(st.integers(min_value=0, max_value=253402300799))  # up to 9999-12-31
def test_compact_timestamp_matches_datetime(epoch: int) -> None:
    assert compact_timestamp(epoch) == datetime.fromtimestamp(epoch, UTC).strftime("%Y%m%d%H%M%S")


@given(st.lists(st.integers(min_value=0, max_value=253402300799), min_size=2, max_size=8))
def test_compact_timestamp_of_instants_in_any_order_and_on_the_same_day(epochs: list[int]) -> None:
    # The day's text is kept from one call to the next: a second instant of the
    # same day, or of another, must not be written with a stale date.
    for epoch in [*epochs, epochs[0] + 1, epochs[0] - epochs[0] % 86400]:
        expected = datetime.fromtimestamp(epoch, UTC).strftime("%Y%m%d%H%M%S")
        assert compact_timestamp(epoch) == expected


def test_local_date_time_applies_offset() -> None:
    assert local_date_time(1764064800, 60) == "25/11/2025 11:00:00"


@given(st.integers(min_value=-(10**9), max_value=10**9), st.integers(min_value=1, max_value=20000))
def test_round_half_away_from_zero(numerator: int, denominator: int) -> None:
    q = div_round_half_away(numerator, denominator)
    exact = numerator / denominator
    assert abs(q - exact) <= 0.5
    if abs(abs(q - exact) - 0.5) < 1e-12:
        assert abs(q) > abs(exact)


def test_breakdown_per_rate_highest_first() -> None:
    lines = [
        Line("P2", "Baguette", 2, 120, 550),
        Line("D3", "Bazar", 1, 695, 2000),
        Line("P1", "Cafe", 1, 450, 550),
    ]
    vat = breakdown(lines)
    assert [(v.rate, v.total, v.base, v.tax) for v in vat] == [
        (2000, 695, 579, 116),  # 695 / 1.2 = 579.17
        (550, 690, 654, 36),  # 690 / 1.055 = 654.03
    ]
    assert breakdown_text(vat) == "2000:695|0550:690"


@given(st.integers(min_value=0, max_value=10**7), st.sampled_from([2000, 1000, 550, 210, 0]))
def test_base_plus_tax_is_total(total: int, rate: int) -> None:
    (vat,) = breakdown([Line("D1", "x", 1, total, rate)])
    assert vat.base + vat.tax == total
