"""The core's verifier: rebuilds the state and names the first broken record."""

import pytest

from fiscal_core import codes
from fiscal_core.ed25519 import Ed25519Signer
from fiscal_core.errors import IntegrityError
from fiscal_core.ledger import Ledger
from fiscal_core.records import Record, TicketBody
from fiscal_core.verifier import Verifier
from tests.vectors.make_vectors import SEED, scenario

from .conftest import T0, jet, keep, sale

PUBLIC_KEY = Ed25519Signer(SEED).public_key


def every_type() -> list[Record]:
    return [sealed.record for _, sealed in scenario()]


def check_all(records: list[Record], public_key: bytes = PUBLIC_KEY) -> Verifier:
    verifier = Verifier(public_key, "TEST-0001")
    for record in records:
        verifier.check(Record.decode(record.encode()))
    return verifier


def test_every_document_type_verifies_and_the_state_is_rebuilt() -> None:
    records = every_type()
    verifier = check_all(records)
    assert verifier.state.seq == len(records)
    assert verifier.state.gt_real == 1815
    assert verifier.state.period_open and verifier.state.month_days == 0  # 2026 has begun


def test_ledger_and_verifier_agree(fresh: Ledger) -> None:
    records = [
        keep(
            fresh, fresh.open_period(time_utc=T0, utc_offset=60, operator_id=1, cash_float=100)
        ).record
    ]
    for make in (sale, jet, sale):
        records.append(keep(fresh, make(fresh)).record)
    state = check_all(records).state
    assert (state.seq, state.gt_real, state.gt_absolute) == (4, 1870, 1870)
    assert (
        state.head(codes.DOC_GT_TICKET).signature == fresh.state.head(codes.DOC_GT_TICKET).signature
    )
    assert state.day.payments == fresh.state.day.payments


@pytest.mark.parametrize("index", range(len(scenario()) - 1))  # not the last: issue 4
def test_removing_any_record_is_named(index: int) -> None:
    records = every_type()
    del records[index]
    with pytest.raises(IntegrityError) as err:
        check_all(records)
    assert err.value.seq in (index + 2, index + 1)


def test_swapping_two_records_is_named() -> None:
    records = every_type()
    records[3], records[6] = records[6], records[3]
    with pytest.raises(IntegrityError) as err:
        check_all(records)
    assert err.value.seq == 7


def test_an_altered_line_breaks_the_signature() -> None:
    records = every_type()
    body = records[2].body
    assert isinstance(body, TicketBody)
    body.lines[0].unit_price += 1
    with pytest.raises(IntegrityError) as err:
        check_all(records)
    assert err.value.seq == 3


def test_another_key_is_refused() -> None:
    with pytest.raises(IntegrityError, match="signature"):
        check_all(every_type(), bytes(32))
