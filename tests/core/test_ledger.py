"""Ledger: continuous numbering, chains per document type, totals, refusals."""

import pytest

from fiscal_core import codes
from fiscal_core.ed25519 import b64url, verify
from fiscal_core.errors import FiscalError, FormatError, IntegrityError
from fiscal_core.ledger import Ledger, Sealed, Verifier
from fiscal_core.records import Line, Payment, Record

from .conftest import T0

LINES = [Line("P2", "Baguette", 2, 120, 550), Line("D3", "Bazar", 1, 695, 2000)]


def sale(ledger: Ledger, t: int = T0, paid: int = 1000, means: int = codes.PAY_CASH) -> Sealed:
    return ledger.seal_ticket(
        time_utc=t, utc_offset=60, operator_id=1, lines=LINES, payments=[Payment(means, paid)]
    )


def jet(ledger: Ledger, code: int = codes.JET_START, t: int = T0) -> Sealed:
    return ledger.seal_jet(time_utc=t, utc_offset=60, operator_id=0, code=code, text="a, b\\c")


def test_seal_does_not_change_state_until_accepted(ledger: Ledger) -> None:
    first = sale(ledger)
    again = sale(ledger)
    assert first.encoded == again.encoded  # same state, same record, same bytes
    assert ledger.state.seq == 0
    ledger.accept(first)
    assert ledger.state.seq == 1
    with pytest.raises(ValueError):
        ledger.accept(again)  # sealed from a stale state


def test_numbering_is_per_type_and_seq_is_global(ledger: Ledger) -> None:
    records = []
    for make in (jet, sale, sale, jet, sale):
        sealed = make(ledger)
        ledger.accept(sealed)
        records.append(sealed.record)
    assert [r.seq for r in records] == [1, 2, 3, 4, 5]
    assert [(r.doc_type, r.number) for r in records] == [
        (codes.DOC_JET, 1),
        (codes.DOC_TICKET, 1),
        (codes.DOC_TICKET, 2),
        (codes.DOC_JET, 2),
        (codes.DOC_TICKET, 3),
    ]


def test_chain_uses_previous_signature_of_same_type(ledger: Ledger) -> None:
    first = sale(ledger)
    ledger.accept(first)
    ledger.accept(jet(ledger))
    second = sale(ledger)
    assert first.to_sign.split(",")[-2:] == [codes.FLAG_FIRST, ""]
    assert second.to_sign.split(",")[-2:] == [codes.FLAG_CHAINED, b64url(first.record.signature)]
    assert verify(ledger.signer.public_key, second.to_sign.encode(), second.record.signature)


def test_perpetual_totals_accumulate(ledger: Ledger) -> None:
    for _ in range(3):
        ledger.accept(sale(ledger))
    assert ledger.state.gt_real == 3 * 935
    assert ledger.state.gt_absolute == 3 * 935


def test_change_is_computed_and_only_from_cash(ledger: Ledger) -> None:
    body = sale(ledger, paid=2000).record.body
    assert body.change == 1065  # type: ignore[union-attr]
    with pytest.raises(FiscalError) as err:
        sale(ledger, paid=2000, means=codes.PAY_CARD)
    assert err.value.code == "CHANGE_NOT_CASH"


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
    assert ledger.state.seq == 0


def test_record_round_trips_through_its_bytes(ledger: Ledger) -> None:
    sealed = sale(ledger)
    decoded = Record.decode(sealed.encoded)
    assert decoded.encode() == sealed.encoded
    assert decoded.body.lines == LINES  # type: ignore[union-attr]


def build(ledger: Ledger, n: int = 6) -> list[Record]:
    out = []
    for i in range(n):
        sealed = sale(ledger, t=T0 + i) if i % 2 else jet(ledger, t=T0 + i)
        ledger.accept(sealed)
        out.append(sealed.record)
    return out


def check_all(records: list[Record], public_key: bytes) -> Verifier:
    verifier = Verifier(public_key, "TEST-0001")
    for record in records:
        verifier.check(Record.decode(record.encode()))
    return verifier


def test_verifier_accepts_an_intact_journal_and_rebuilds_state(ledger: Ledger) -> None:
    records = build(ledger)
    verifier = check_all(records, ledger.signer.public_key)
    assert verifier.state.seq == ledger.state.seq
    assert verifier.state.gt_real == ledger.state.gt_real
    assert (
        verifier.state.head(codes.DOC_TICKET).signature
        == ledger.state.head(codes.DOC_TICKET).signature
    )


def test_verifier_names_a_removed_record(ledger: Ledger) -> None:
    records = build(ledger)
    del records[2]
    with pytest.raises(IntegrityError) as err:
        check_all(records, ledger.signer.public_key)
    assert err.value.seq == 4


def test_verifier_names_a_swap(ledger: Ledger) -> None:
    records = build(ledger)
    records[1], records[3] = records[3], records[1]
    with pytest.raises(IntegrityError) as err:
        check_all(records, ledger.signer.public_key)
    assert err.value.seq == 4


def test_verifier_detects_an_altered_line(ledger: Ledger) -> None:
    records = build(ledger)
    body = records[1].body
    body.lines[0].unit_price += 1  # type: ignore[union-attr]
    body.gt_real += 2  # type: ignore[union-attr]
    body.gt_absolute += 2  # type: ignore[union-attr]
    body.change -= 2  # type: ignore[union-attr]
    with pytest.raises(IntegrityError, match="signature") as err:
        check_all(records, ledger.signer.public_key)
    assert err.value.seq == 2


def test_verifier_detects_another_key(ledger: Ledger) -> None:
    records = build(ledger)
    with pytest.raises(IntegrityError, match="signature"):
        check_all(records, bytes(32))


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
    assert ledger.state.seq == 0


@pytest.mark.parametrize(("time_utc", "offset"), [(-1, 60), (253402300800, 60), (T0, 24 * 60)])
def test_unrepresentable_times_are_refused(ledger: Ledger, time_utc: int, offset: int) -> None:
    with pytest.raises(FiscalError) as err:
        ledger.seal_jet(time_utc=time_utc, utc_offset=offset, operator_id=0, code=80, text="")
    assert err.value.code == "BAD_TIME"
