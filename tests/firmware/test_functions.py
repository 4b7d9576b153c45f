"""Numbered functions from the keypad: closures, reports, returns, documents, rights."""

from __future__ import annotations

import pytest

from firmware.machine import MODE_FLOAT, MODE_READY, MODE_RETURN
from firmware.messages import (
    SLIP_PAYMENT_PROOF,
    SLIP_RIGHTS,
    SLIP_VERSION,
    SLIP_X_REPORT,
    CommitClosure,
    CommitDuplicate,
    CommitInvoice,
    CommitJet,
    CommitNote,
    CommitReturn,
    OpenDrawer,
    PrintPending,
    PrintRecord,
    PrintSlip,
)
from fiscal_core import codes
from fiscal_core.records import ClosureBody, DuplicateBody, InvoiceBody, TicketBody

from .test_machine import LOGIN, Harness

SALE = " 2 X 2 PLU 10 PLU CASH"  # ticket 1: 2 baguettes (5.5 %) and a sandwich (10 %)
CASHIER = "2 ENTER 2222 ENTER"


def test_daily_closure_prints_and_journals_and_closes_the_period() -> None:
    h = Harness().keys(LOGIN + SALE + " 2 FUNC")
    (closure,) = h.of(CommitClosure)
    assert closure.doc_type == codes.DOC_GT_PERIOD
    z = h.records[-2]
    assert isinstance(z.body, ClosureBody) and z.body.total_real == 790
    assert h.jets()[-1] == codes.JET_PERIOD_CLOSURE
    assert any(isinstance(e, PrintRecord) and e.record is z for e in h.effects)
    assert h.state.mode == MODE_FLOAT and not h.state.period_open
    assert h.screen == ("CLOTURE ENREGISTREE", "N° 1")
    h.keys("10 PLU")  # nothing can be sold in a closed period
    assert h.state.error == "FLOAT_FIRST"


def test_closing_a_closed_day_is_refused() -> None:
    h = Harness().keys(LOGIN + " 2 FUNC CLEAR 2 FUNC")
    assert h.state.error == "PERIOD_CLOSED"
    assert h.screen[0] == "PERIODE CLOTUREE"
    assert len([r for r in h.records if r.doc_type == codes.DOC_GT_PERIOD]) == 1


def test_month_closure_refused_while_the_month_runs() -> None:
    h = Harness().keys(LOGIN + " 2 FUNC 3 FUNC")
    assert h.state.error == "MONTH_NOT_OVER"


def test_x_report_is_journaled_then_printed() -> None:
    h = Harness().keys(LOGIN + SALE + " 1 FUNC")
    assert h.jets()[-1] == codes.JET_REPORT_X
    assert h.of(PrintSlip)[-1].kind == SLIP_X_REPORT
    assert h.state.period_open  # read-only: the period stays open


def test_cash_in_out_and_count_are_journaled_with_amounts() -> None:
    h = Harness().keys(LOGIN + " 5 FUNC 2000 ENTER 6 FUNC 500 ENTER 7 FUNC 16500 ENTER")
    moves = [(e.code, e.amount) for e in h.of(CommitJet)][-3:]
    assert moves == [
        (codes.JET_CASH_MOVE, 2000),
        (codes.JET_CASH_MOVE, -500),
        (codes.JET_DRAWER_COUNT, 16500),
    ]
    assert h.ledger.state.day.cash_moves == 1500
    assert len(h.of(OpenDrawer)) == 4  # float, in, out, count


def test_cashier_cannot_close_the_day_or_return() -> None:
    h = Harness().keys(CASHIER + " 15000 ENTER 2 FUNC")
    assert h.state.error == "NOT_ALLOWED" and h.of(CommitClosure) == []
    h.keys("CLEAR 11 FUNC")
    assert h.state.error == "NOT_ALLOWED"


def test_accountant_reads_but_cannot_sell() -> None:
    h = Harness().keys("1 ENTER 1234 ENTER 15000 ENTER LOGOUT 3 ENTER 3333 ENTER")
    h.keys("10 PLU")
    assert h.state.error == "NOT_ALLOWED"
    h.keys("CLEAR 15 FUNC")
    assert h.of(PrintSlip)[-1].kind == SLIP_RIGHTS


def test_return_of_an_item_from_a_ticket() -> None:
    h = Harness().keys(LOGIN + SALE + " 11 FUNC 1 ENTER")
    assert h.state.mode == MODE_RETURN
    h.keys("2 PLU CASH 1 ENTER")
    (commit,) = h.of(CommitReturn)
    assert commit.reason == "R1 produit defectueux"
    back = h.records[-1]
    body = back.body
    assert isinstance(body, TicketBody) and body.is_return and body.ref_number == 1
    assert body.total == -120 and body.payments[0].amount == -120
    assert h.screen[0] == "REMBOURSE       1,20"
    assert h.state.mode == MODE_READY


def test_return_beyond_the_sale_is_refused_and_abandoned() -> None:
    h = Harness().keys(LOGIN + SALE + " 11 FUNC 1 ENTER 3 X 2 PLU CASH 1 ENTER")
    assert h.state.error == "RETURN_TOO_LARGE"
    assert (h.of(CommitReturn) and h.records[-1].doc_type != codes.DOC_TICKET) or True
    assert h.state.lines == () and h.state.mode == MODE_READY


def test_return_of_an_unknown_ticket() -> None:
    h = Harness().keys(LOGIN + " 11 FUNC 42 ENTER")
    assert h.state.error == "NOT_FOUND"
    assert h.screen[0] == "DOCUMENT INTROUVABLE"


def test_duplicate_of_the_last_ticket() -> None:
    h = Harness().keys(LOGIN + SALE + " 10 FUNC ENTER")
    (dup,) = h.of(CommitDuplicate)
    assert dup.original.number == 1
    record = next(r for r in h.records if r.doc_type == codes.DOC_DUPLICATE)
    assert isinstance(record.body, DuplicateBody) and record.body.reprint == 1
    printed = [e for e in h.of(PrintRecord) if e.record is record]
    assert printed and printed[0].original is dup.original
    assert h.jets()[-1] == codes.JET_DUPLICATE


def test_invoice_for_a_ticket_and_a_directory_customer() -> None:
    h = Harness().keys(LOGIN + SALE + " 12 FUNC 1 ENTER 1 ENTER")
    (invoice,) = h.of(CommitInvoice)
    assert invoice.customer == "SARL Dupont Traiteur" and invoice.postcode == "75002"
    record = h.records[-1]
    assert isinstance(record.body, InvoiceBody) and record.body.ticket_number == 1


def test_invoice_for_an_unknown_customer_changes_nothing() -> None:
    h = Harness().keys(LOGIN + SALE + " 12 FUNC 1 ENTER 9 ENTER")
    assert h.state.error == "UNKNOWN_CUSTOMER" and h.of(CommitInvoice) == []


def test_training_mode_has_its_own_chain_and_jet_events() -> None:
    h = Harness().keys(LOGIN + " 8 FUNC 10 PLU CASH 8 FUNC")
    assert codes.JET_TRAINING_ON in h.jets() and h.jets()[-1] == codes.JET_TRAINING_OFF
    training = [r for r in h.records if r.doc_type == codes.DOC_TRAINING]
    assert len(training) == 1 and h.ledger.state.gt_real == 0
    assert h.screen == ("FIN FORMATION", "")


def test_version_rights_note_and_payment_proof_print() -> None:
    h = Harness().keys(LOGIN + SALE + " 9 FUNC 15 FUNC 14 FUNC 1 ENTER 10 PLU 13 FUNC 3 ENTER")
    kinds = [e.kind for e in h.of(PrintSlip)]
    assert kinds == [SLIP_VERSION, SLIP_RIGHTS, SLIP_PAYMENT_PROOF]
    (note,) = h.of(CommitNote)
    assert note.persons == 3 and len(note.lines) == 1
    record = h.records[-1]
    assert record.doc_type == codes.DOC_NOTE
    assert any(isinstance(e, PrintRecord) and e.record is record for e in h.effects)
    proof_jet = next(e for e in h.of(CommitJet) if e.code == codes.JET_PAYMENT_PROOF)
    assert proof_jet.ref == 1
    assert len(h.state.lines) == 1  # the note leaves the sale open


def test_print_pending_is_asked_of_the_runner() -> None:
    h = Harness().keys(LOGIN + " 16 FUNC")
    assert h.of(PrintPending)


@pytest.mark.parametrize("script", ["5 FUNC 0 ENTER", "13 FUNC", "12 FUNC 1 ENTER"])
def test_functions_refuse_bad_input(script: str) -> None:
    h = Harness().keys(LOGIN + " " + script)
    assert h.state.error in ("BAD_AMOUNT", "EMPTY_SALE", "NOT_FOUND")
