"""Returns, duplicates, invoices and training: the documents around a sale."""

import cbor2
import pytest

from fiscal_core import codes
from fiscal_core.cbor import encode
from fiscal_core.errors import FiscalError, FormatError
from fiscal_core.ledger import Ledger, Sealed
from fiscal_core.links import DocumentLinks
from fiscal_core.records import InvoiceBody, Line, Payment, Record, TicketBody

from .conftest import T0, keep, sale


def give_back(
    ledger: Ledger,
    original: Record,
    qty: int = -1,
    refund: int = -120,
    reason: str = "R1 defectueux",
    after: tuple[Record, ...] = (),
) -> Sealed:
    """Seal a return of one baguette of ``original``; ``after``: the records since it."""
    return ledger.seal_return(
        time_utc=T0,
        utc_offset=60,
        operator_id=1,
        original=original,
        links=DocumentLinks.after(original, after),
        lines=[Line("P2", "Baguette", qty, 120, 550)],
        refunds=[Payment(codes.PAY_CASH, refund)],
        reason=reason,
    )


def test_a_return_is_a_new_compensating_ticket(ledger: Ledger) -> None:
    original = keep(ledger, sale(ledger)).record
    back = keep(ledger, give_back(ledger, original)).record
    body = back.body
    assert isinstance(body, TicketBody)
    assert back.number == 2 and body.operation == codes.OP_RETURN and body.ref_number == 1
    assert ledger.state.gt_real == 935 - 120
    assert ledger.state.gt_absolute == 935 + 120
    assert ledger.state.day.counts[1] == 1  # returns


def test_the_operation_is_stored_as_a_code_and_an_unknown_code_is_not_a_ticket(
    ledger: Ledger,
) -> None:
    original = keep(ledger, sale(ledger)).record
    back = keep(ledger, give_back(ledger, original)).record
    assert [original.body.to_array()[0], back.body.to_array()[0]] == [1, 2]  # type: ignore[union-attr]
    assert Record.decode(back.encode()).body.operation == codes.OP_RETURN  # type: ignore[union-attr]
    items = cbor2.loads(back.encode())
    assert Record.decode(encode(items)).seq == back.seq  # re-encoded as it was: a ticket
    items[8][0] = 3  # neither a sale nor a return
    with pytest.raises(FormatError, match="unknown operation code 3"):
        Record.decode(encode(items))


@pytest.mark.parametrize(
    ("qty", "refund", "reason", "code"),
    [
        (-3, -360, "R1", "RETURN_TOO_LARGE"),  # 2 sold
        (1, 120, "R1", "BAD_QUANTITY"),
        (-1, -100, "R1", "REFUND_MISMATCH"),
        (-1, -120, " ", "REASON_REQUIRED"),
    ],
)
def test_bad_returns_are_refused(
    ledger: Ledger, qty: int, refund: int, reason: str, code: str
) -> None:
    original = keep(ledger, sale(ledger)).record
    with pytest.raises(FiscalError) as err:
        give_back(ledger, original, qty, refund, reason)
    assert err.value.code == code


def test_returns_add_up_against_the_sale(ledger: Ledger) -> None:
    original = keep(ledger, sale(ledger)).record
    first = keep(ledger, give_back(ledger, original)).record
    second = keep(ledger, give_back(ledger, original, after=(first,))).record
    with pytest.raises(FiscalError) as err:
        give_back(ledger, original, after=(first, second))
    assert err.value.code == "RETURN_TOO_LARGE"


def test_an_item_not_on_the_ticket_cannot_be_returned(ledger: Ledger) -> None:
    original = keep(ledger, sale(ledger)).record
    with pytest.raises(FiscalError) as err:
        ledger.seal_return(
            time_utc=T0,
            utc_offset=60,
            operator_id=1,
            original=original,
            links=DocumentLinks.after(original, ()),
            lines=[Line("P9", "Autre", -1, 120, 550)],
            refunds=[Payment(codes.PAY_CASH, -120)],
            reason="R1",
        )
    assert err.value.code == "NOT_ON_TICKET"


def test_duplicates_are_numbered_per_original(ledger: Ledger) -> None:
    original = keep(ledger, sale(ledger)).record
    at = {"time_utc": T0, "utc_offset": 60, "operator_id": 1}
    links = DocumentLinks.after(original, ())
    first = keep(ledger, ledger.seal_duplicate(**at, original=original, links=links)).record
    links = DocumentLinks.after(original, (first,))
    second = keep(ledger, ledger.seal_duplicate(**at, original=original, links=links)).record
    assert [first.body.reprint, second.body.reprint] == [1, 2]  # type: ignore[union-attr]
    assert [first.number, second.number] == [1, 2]


def test_invoice_enriches_a_ticket_once_and_needs_a_customer(ledger: Ledger) -> None:
    ticket = keep(ledger, sale(ledger)).record
    made: list[Record] = []

    def invoice(customer: str, postcode: str) -> Sealed:
        return ledger.seal_invoice(
            time_utc=T0,
            utc_offset=60,
            operator_id=1,
            ticket=ticket,
            links=DocumentLinks.after(ticket, made),
            customer=customer,
            postcode=postcode,
        )

    with pytest.raises(FiscalError) as err:
        invoice("", "75002")
    assert err.value.code == "CUSTOMER_REQUIRED"
    with pytest.raises(FiscalError):
        invoice("Dupont", "")
    made.append(keep(ledger, invoice("Dupont", "75002")).record)
    body = made[0].body
    assert isinstance(body, InvoiceBody)
    assert (body.kind, body.total, body.ticket_number) == (codes.INVOICE_SALE, 935, 1)
    with pytest.raises(FiscalError) as err:
        invoice("Dupont", "75002")
    assert err.value.code == "ALREADY_INVOICED"


def test_an_invoice_of_a_return_is_a_credit_note(ledger: Ledger) -> None:
    original = keep(ledger, sale(ledger)).record
    back = keep(ledger, give_back(ledger, original)).record
    made = ledger.seal_invoice(
        time_utc=T0,
        utc_offset=60,
        operator_id=1,
        ticket=back,
        links=DocumentLinks.after(back, ()),
        customer="Dupont",
        postcode="75002",
    ).record
    assert made.body.kind == codes.INVOICE_CREDIT  # type: ignore[union-attr]


def test_training_tickets_have_their_own_chain_and_count_nowhere(ledger: Ledger) -> None:
    keep(ledger, sale(ledger))
    keep(
        ledger,
        ledger.seal_jet(
            time_utc=T0, utc_offset=60, operator_id=1, code=codes.JET_TRAINING_ON, text=""
        ),
    )
    training = keep(ledger, sale(ledger)).record
    assert training.doc_type == codes.DOC_TRAINING and training.number == 1
    body = training.body
    assert isinstance(body, TicketBody) and body.gt_real == 0 and body.gt_signature == b""
    assert ledger.state.gt_real == 935 and ledger.state.day.total_real == 935
    keep(
        ledger,
        ledger.seal_jet(
            time_utc=T0, utc_offset=60, operator_id=1, code=codes.JET_TRAINING_OFF, text=""
        ),
    )
    assert keep(ledger, sale(ledger)).record.doc_type == codes.DOC_TICKET
    with pytest.raises(FiscalError):
        ledger.seal_jet(
            time_utc=T0, utc_offset=60, operator_id=1, code=codes.JET_TRAINING_OFF, text=""
        )


def test_a_ticket_body_sums_its_lines_once_built() -> None:
    lines = [
        Line("P2", "Baguette", 2, 120, 550),
        Line("D3", "Bazar", -1, 695, 2000),
        Line("P1", "Cafe", 3, 450, 550),
    ]
    body = TicketBody(codes.OP_SALE, lines, [Payment(codes.PAY_CARD, 500)], 120, 0, 0)
    assert body.total == 240 - 695 + 1350
    assert body.absolute_total == 240 + 695 + 1350
    assert body.vat == [(2000, -695), (550, 1590)]  # highest rate first
    assert body.net_payments == [(codes.PAY_CARD, 500), (codes.PAY_CASH, -120)]
    decoded = TicketBody.from_array(body.to_array())
    assert (decoded.total, decoded.vat, decoded.net_payments) == (
        body.total,
        body.vat,
        body.net_payments,
    )
