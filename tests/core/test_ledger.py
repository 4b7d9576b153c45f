"""Ledger: continuous numbering, chains per document type, totals, refusals."""

import pytest

from fiscal_core import codes
from fiscal_core.ed25519 import b64url, verify
from fiscal_core.errors import FiscalError, FormatError
from fiscal_core.ledger import Ledger
from fiscal_core.records import Line, Payment, Record, TicketBody
from fiscal_core.tosign import grand_total_ticket_to_sign

from .conftest import LINES, T0, jet, keep, sale


def test_seal_does_not_change_state_until_accepted(ledger: Ledger) -> None:
    first = sale(ledger)
    again = sale(ledger)
    assert first.encoded == again.encoded  # same state, same record, same bytes
    assert ledger.state.seq == 1
    ledger.accept(first)
    assert ledger.state.seq == 2
    with pytest.raises(ValueError):
        ledger.accept(again)  # sealed from a stale state


def test_numbering_is_per_type_and_seq_is_global(ledger: Ledger) -> None:
    records = [keep(ledger, make(ledger)).record for make in (jet, sale, sale, jet, sale)]
    assert [r.seq for r in records] == [2, 3, 4, 5, 6]
    assert [(r.doc_type, r.number) for r in records] == [
        (codes.DOC_JET, 2),
        (codes.DOC_TICKET, 1),
        (codes.DOC_TICKET, 2),
        (codes.DOC_JET, 3),
        (codes.DOC_TICKET, 3),
    ]


def test_chain_uses_previous_signature_of_same_type(ledger: Ledger) -> None:
    first = keep(ledger, sale(ledger))
    keep(ledger, jet(ledger))
    second = sale(ledger)
    assert first.to_sign.split(",")[-2:] == [codes.FLAG_FIRST, ""]
    assert second.to_sign.split(",")[-2:] == [codes.FLAG_CHAINED, b64url(first.record.signature)]
    assert verify(ledger.signer.public_key, second.to_sign.encode(), second.record.signature)


def test_each_ticket_carries_a_grand_total_ticket_signature_in_its_own_chain(
    ledger: Ledger,
) -> None:
    first = keep(ledger, sale(ledger)).record
    second = keep(ledger, sale(ledger)).record
    body1, body2 = first.body, second.body
    assert isinstance(body1, TicketBody) and isinstance(body2, TicketBody)
    text = grand_total_ticket_to_sign(second, body1.gt_signature)
    assert text.split(",")[:3] == ["2000:695|0550:240", "935", "1870"]
    assert text.split(",")[-2:] == ["O", b64url(body1.gt_signature)]
    assert verify(ledger.signer.public_key, text.encode(), body2.gt_signature)


def test_perpetual_totals_accumulate(ledger: Ledger) -> None:
    for _ in range(3):
        keep(ledger, sale(ledger))
    assert ledger.state.gt_real == 3 * 935
    assert ledger.state.gt_absolute == 3 * 935


def test_change_is_computed_and_only_from_cash(ledger: Ledger) -> None:
    body = sale(ledger, paid=2000).record.body
    assert isinstance(body, TicketBody) and body.change == 1065
    with pytest.raises(FiscalError) as err:
        sale(ledger, paid=2000, means=codes.PAY_CARD)
    assert err.value.code == "CHANGE_NOT_CASH"


def test_several_payment_means_on_one_ticket(ledger: Ledger) -> None:
    sealed = ledger.seal_ticket(
        time_utc=T0,
        utc_offset=60,
        operator_id=1,
        lines=LINES,
        payments=[
            Payment(codes.PAY_VOUCHER, 300),
            Payment(codes.PAY_CHEQUE, 400),
            Payment(codes.PAY_CASH, 500),
        ],
    )
    body = sealed.record.body
    assert isinstance(body, TicketBody) and body.change == 265


@pytest.mark.parametrize(
    ("lines", "payments", "code"),
    [
        ([], [Payment(codes.PAY_CASH, 100)], "EMPTY_SALE"),
        ([Line("P1", "x", 0, 100, 550)], [Payment(codes.PAY_CASH, 100)], "BAD_QUANTITY"),
        ([Line("P1", "x", 1, -5, 550)], [Payment(codes.PAY_CASH, 100)], "BAD_PRICE"),
        ([Line("P1", "x", 1, 100, 12000)], [Payment(codes.PAY_CASH, 100)], "BAD_VAT_RATE"),
        ([Line("P1", "x", 1, 100, 550)], [Payment(codes.PAY_CASH, 99)], "PAYMENT_SHORT"),
        ([Line("P1", "x", 1, 100, 550)], [Payment(99, 100)], "BAD_PAYMENT"),
        ([Line("P1", "x", 1, 100, 550)], [Payment(codes.PAY_CASH, 0)], "BAD_PAYMENT"),
    ],
)
def test_bad_tickets_are_refused_and_change_nothing(
    ledger: Ledger, lines: list[Line], payments: list[Payment], code: str
) -> None:
    with pytest.raises(FiscalError) as err:
        ledger.seal_ticket(
            time_utc=T0, utc_offset=60, operator_id=1, lines=lines, payments=payments
        )
    assert err.value.code == code
    assert ledger.state.seq == 1


def test_record_round_trips_through_its_bytes(ledger: Ledger) -> None:
    sealed = sale(ledger)
    decoded = Record.decode(sealed.encoded)
    assert decoded.encode() == sealed.encoded
    assert isinstance(decoded.body, TicketBody) and decoded.body.lines == LINES


def test_negative_unsigned_fields_are_refused(ledger: Ledger) -> None:
    record = sale(ledger).record
    record.seq = -1
    with pytest.raises(FormatError, match="unsigned"):
        Record.decode(record.encode())


def test_a_record_too_large_for_a_frame_is_refused(ledger: Ledger) -> None:
    lines = [Line("P" + "9" * 150, "x" * 200, 1, 100, 550) for _ in range(200)]
    with pytest.raises(FiscalError) as err:
        ledger.seal_ticket(
            time_utc=T0,
            utc_offset=60,
            operator_id=1,
            lines=lines,
            payments=[Payment(codes.PAY_CASH, 20000)],
        )
    assert err.value.code == "RECORD_TOO_LARGE"
    assert ledger.state.seq == 1


@pytest.mark.parametrize(("time_utc", "offset"), [(-1, 60), (253402300800, 60), (T0, 24 * 60)])
def test_unrepresentable_times_are_refused(ledger: Ledger, time_utc: int, offset: int) -> None:
    with pytest.raises(FiscalError) as err:
        ledger.seal_jet(time_utc=time_utc, utc_offset=offset, operator_id=0, code=80, text="")
    assert err.value.code == "BAD_TIME"
