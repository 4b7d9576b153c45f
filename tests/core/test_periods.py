"""Periods: the float opens a day, closures close day, month and fiscal year."""

import pytest

from fiscal_core import codes
from fiscal_core.civil import days_from_civil
from fiscal_core.closures import ClosureBody
from fiscal_core.errors import FiscalError
from fiscal_core.ledger import Ledger, Sealed

from .conftest import jet, keep, sale


def at(y: int, m: int, d: int, hour: int = 10) -> int:
    """UTC seconds of a local (UTC+1) time."""
    return days_from_civil(y, m, d) * 86400 + (hour - 1) * 3600


def open_day(ledger: Ledger, t: int, cash: int = 10000) -> Sealed:
    return keep(
        ledger, ledger.open_period(time_utc=t, utc_offset=60, operator_id=1, cash_float=cash)
    )


def close(ledger: Ledger, doc_type: int, t: int) -> Sealed:
    return ledger.seal_closure(doc_type=doc_type, time_utc=t, utc_offset=60, operator_id=1)


def test_no_sale_before_the_float(fresh: Ledger) -> None:
    with pytest.raises(FiscalError) as err:
        sale(fresh)
    assert err.value.code == "PERIOD_CLOSED"


def test_daily_closure_states_the_period_totals(fresh: Ledger) -> None:
    t = at(2025, 11, 25)
    open_day(fresh, t)
    keep(fresh, sale(fresh, t, paid=2000))
    keep(fresh, sale(fresh, t, paid=935, means=codes.PAY_CARD))
    keep(
        fresh,
        fresh.seal_jet(
            time_utc=t,
            utc_offset=60,
            operator_id=1,
            code=codes.JET_CASH_MOVE,
            text="sortie",
            amount=-500,
        ),
    )
    z = keep(fresh, close(fresh, codes.DOC_GT_PERIOD, t)).record
    body = z.body
    assert isinstance(body, ClosureBody)
    assert body.label == "2025-11-25" and body.from_seq == 1
    assert body.vat == [(2000, 1390), (550, 480)]
    assert (body.total_real, body.previous_gt_real, body.gt_real) == (1870, 0, 1870)
    assert body.payments == [(codes.PAY_CASH, 935), (codes.PAY_CARD, 935)]
    assert body.counts[:2] == [2, 0]
    assert (body.cash_float, body.cash_moves) == (10000, -500)
    assert fresh.state.period_open is False


def test_closed_period_accepts_nothing_more(fresh: Ledger) -> None:
    t = at(2025, 11, 25)
    open_day(fresh, t)
    keep(fresh, close(fresh, codes.DOC_GT_PERIOD, t))
    for attempt in (lambda: sale(fresh, t), lambda: close(fresh, codes.DOC_GT_PERIOD, t)):
        with pytest.raises(FiscalError) as err:
            attempt()
        assert err.value.code == "PERIOD_CLOSED"


def test_a_sale_past_the_end_of_the_business_day_is_refused(fresh: Ledger) -> None:
    open_day(fresh, at(2025, 11, 25, 18))
    keep(fresh, sale(fresh, at(2025, 11, 26, 1)))  # after midnight, before 06:00: same day
    with pytest.raises(FiscalError) as err:
        sale(fresh, at(2025, 11, 26, 7))
    assert err.value.code == "PERIOD_EXPIRED"
    z = keep(fresh, close(fresh, codes.DOC_GT_PERIOD, at(2025, 11, 26, 7))).record
    assert z.body.label == "2025-11-25"  # type: ignore[union-attr]


def test_previous_cumulative_total_is_carried_from_closure_to_closure(fresh: Ledger) -> None:
    for day in (24, 25):
        t = at(2025, 11, day)
        open_day(fresh, t)
        keep(fresh, sale(fresh, t))
        z = keep(fresh, close(fresh, codes.DOC_GT_PERIOD, t)).record
    body = z.body
    assert isinstance(body, ClosureBody)
    assert (body.previous_gt_real, body.total_real, body.gt_real) == (935, 935, 1870)


def test_month_closure_is_due_before_a_new_month_and_only_when_over(fresh: Ledger) -> None:
    t = at(2025, 11, 28)
    open_day(fresh, t)
    keep(fresh, sale(fresh, t))
    keep(fresh, close(fresh, codes.DOC_GT_PERIOD, t))
    with pytest.raises(FiscalError) as err:
        close(fresh, codes.DOC_GT_MONTH, t)
    assert err.value.code == "MONTH_NOT_OVER"
    with pytest.raises(FiscalError) as err:
        open_day(fresh, at(2025, 12, 1))
    assert err.value.code == "MONTH_CLOSE_REQUIRED"
    month = keep(fresh, close(fresh, codes.DOC_GT_MONTH, at(2025, 12, 1))).record
    body = month.body
    assert isinstance(body, ClosureBody) and body.label == "2025-11" and body.total_real == 935
    open_day(fresh, at(2025, 12, 1))
    assert fresh.state.month_label == "2025-12"


def test_year_closure_after_the_last_month(fresh: Ledger) -> None:
    t = at(2025, 12, 31)
    open_day(fresh, t)
    keep(fresh, sale(fresh, t))
    with pytest.raises(FiscalError) as err:
        close(fresh, codes.DOC_GT_MONTH, t)
    assert err.value.code == "DAY_OPEN"
    keep(fresh, close(fresh, codes.DOC_GT_PERIOD, t))
    with pytest.raises(FiscalError) as err:
        close(fresh, codes.DOC_GT_YEAR, t)
    assert err.value.code == "MONTH_CLOSE_REQUIRED"
    keep(fresh, close(fresh, codes.DOC_GT_MONTH, t))  # the last day of the month
    year = keep(fresh, close(fresh, codes.DOC_GT_YEAR, t)).record
    body = year.body
    assert isinstance(body, ClosureBody) and body.label == "FY2025-01"
    with pytest.raises(FiscalError) as err:
        close(fresh, codes.DOC_GT_YEAR, t)
    assert err.value.code == "NOTHING_TO_CLOSE"


def test_cash_movements_need_an_open_period(fresh: Ledger) -> None:
    with pytest.raises(FiscalError) as err:
        fresh.seal_jet(
            time_utc=at(2025, 11, 25),
            utc_offset=60,
            operator_id=1,
            code=codes.JET_CASH_MOVE,
            text="",
            amount=100,
        )
    assert err.value.code == "PERIOD_CLOSED"
    keep(fresh, jet(fresh))  # other JET events need no period


def test_the_closed_fiscal_year_must_be_archived_before_a_new_period(fresh: Ledger) -> None:
    t = at(2025, 12, 31)
    open_day(fresh, t)
    keep(fresh, sale(fresh, t))
    keep(fresh, close(fresh, codes.DOC_GT_PERIOD, t))
    keep(fresh, close(fresh, codes.DOC_GT_MONTH, t))
    year = keep(fresh, close(fresh, codes.DOC_GT_YEAR, t)).record
    with pytest.raises(FiscalError) as err:
        open_day(fresh, at(2026, 1, 2))
    assert err.value.code == "ARCHIVE_REQUIRED"

    def archive() -> Sealed:
        return fresh.seal_archive(
            time_utc=t,
            utc_offset=60,
            operator_id=1,
            closure=year,
            file_name="FY2025.zip",
            file_digest=bytes(32),
        )

    made = keep(fresh, archive()).record
    assert made.body.kind == codes.ARCHIVE_YEAR and made.body.to_seq == year.seq  # type: ignore[union-attr]
    with pytest.raises(FiscalError) as err:
        archive()
    assert err.value.code == "ALREADY_ARCHIVED"
    open_day(fresh, at(2026, 1, 2))
