"""The cashier's state machine, driven by scripted keys (pure: no board)."""

from __future__ import annotations

from collections import deque
from dataclasses import replace

import pytest

from firmware.config import TerminalConfig
from firmware.demo import DEMO_CONFIG
from firmware.keys import parse_key_script
from firmware.machine import MODE_FLOAT, MODE_LOGIN_ID, MODE_READY, State, step
from firmware.messages import (
    COMMITS,
    CommitJet,
    CommitRefused,
    CommitTicket,
    Effect,
    Event,
    KeyPressed,
    LoadRecord,
    OpenDrawer,
    PrintFailed,
    PrintRecord,
    RecordCommitted,
    RecordLoaded,
    Show,
)
from firmware.sealing import seal
from fiscal_core import codes
from fiscal_core.ed25519 import Ed25519Signer
from fiscal_core.errors import FiscalError
from fiscal_core.ledger import Ledger
from fiscal_core.links import DocumentLinks
from fiscal_core.records import JetBody, Payment, Record, TicketBody

T0 = 1764064800
LOGIN = "1 ENTER 1234 ENTER 15000 ENTER"  # log in, then open the period with a 150,00 float


class Harness:
    """Steps keys through the machine; commits go to a real ledger, effects are kept."""

    def __init__(self, config: TerminalConfig = DEMO_CONFIG) -> None:
        self.state = State(config=config)
        self.ledger = Ledger(config.terminal_id, Ed25519Signer(bytes(range(1, 33))))
        self.records: list[Record] = []
        self.effects: list[Effect] = []
        self.t = T0

    def keys(self, script: str) -> Harness:
        for key in parse_key_script(script):
            self.dispatch(KeyPressed(key))
        return self

    def dispatch(self, event: Event) -> None:
        queue: deque[Event] = deque([event])
        while queue:
            self.state, effects = step(self.state, queue.popleft())
            for effect in effects:
                self.effects.append(effect)
                outcome = self.carry_out(effect)
                if outcome is not None:
                    queue.append(outcome)

    def carry_out(self, effect: Effect) -> Event | None:
        if isinstance(effect, COMMITS):
            self.t += 1
            try:
                sealed = seal(self.ledger, effect, self.t, 60, self.links)
            except FiscalError as exc:
                return CommitRefused(exc.code, exc.message)
            self.ledger.accept(sealed)
            self.records.append(sealed.record)
            return RecordCommitted(sealed.record)
        if isinstance(effect, LoadRecord):
            number = effect.number or self.ledger.state.head(effect.doc_type).number
            for record in self.records:
                if (record.doc_type, record.number) == (effect.doc_type, number):
                    return RecordLoaded(record)
            return CommitRefused("NOT_FOUND", "not found")
        return None

    def links(self, original: Record) -> DocumentLinks:
        """What the records kept after ``original`` say of it, as the runner reads them."""
        return DocumentLinks.after(original, [r for r in self.records if r.seq > original.seq])

    @property
    def screen(self) -> tuple[str, str]:
        shows = [e for e in self.effects if isinstance(e, Show)]
        return (shows[-1].line1, shows[-1].line2)

    def of(self, kind: type) -> list:  # type: ignore[type-arg]
        return [e for e in self.effects if isinstance(e, kind)]

    def jets(self) -> list[int]:
        return [e.code for e in self.of(CommitJet)]


def test_login_journals_then_the_float_opens_the_period() -> None:
    h = Harness().keys("1 ENTER 1234 ENTER")
    assert h.state.mode == MODE_FLOAT and h.state.operator_id == 1
    assert h.jets() == [codes.JET_LOGIN]
    assert h.screen == ("BONJOUR CAMILLE", "FOND DE CAISSE ?")
    h.keys("15000 ENTER")
    assert h.state.mode == MODE_READY and h.state.period_open
    (float_jet,) = [e for e in h.of(CommitJet) if e.code == codes.JET_CASH_FLOAT]
    assert float_jet.amount == 15000
    assert h.screen == ("PERIODE OUVERTE", "CAISSE PRETE")


def test_wrong_pin_is_refused_without_journal() -> None:
    h = Harness().keys("1 ENTER 9999 ENTER")
    assert h.state.mode == MODE_LOGIN_ID and h.state.error == "WRONG_PIN"
    assert h.of(CommitJet) == []
    assert h.screen[0] == "CODE SECRET FAUX"


def test_sale_cash_with_change_commits_then_prints_then_opens_drawer() -> None:
    h = Harness().keys(LOGIN + " 2 X 2 PLU 1 PLU 695 DEPT3 2000 CASH")
    (commit,) = h.of(CommitTicket)
    assert [(line.ref, line.quantity, line.unit_price) for line in commit.lines] == [
        ("P2", 2, 120),
        ("P1", 1, 450),
        ("D3", 1, 695),
    ]
    assert commit.payments == (Payment(codes.PAY_CASH, 2000),)
    order = [type(e) for e in h.effects[h.effects.index(commit) :]]
    assert order == [CommitTicket, PrintRecord, OpenDrawer, Show]
    assert h.screen == ("RENDU           6,15", "TICKET 1 OK")
    assert h.state.lines == ()


def test_card_payment_does_not_open_the_drawer() -> None:
    h = Harness().keys(LOGIN)
    drawer_before = len(h.of(OpenDrawer))  # the float opened it
    h.keys("10 PLU CARD")
    (commit,) = h.of(CommitTicket)
    assert commit.payments == (Payment(codes.PAY_CARD, 550),)
    assert len(h.of(OpenDrawer)) == drawer_before
    assert len(h.of(PrintRecord)) == 1


def test_partial_payments_add_up_before_anything_is_recorded() -> None:
    h = Harness().keys(LOGIN + " 10 PLU 11 PLU 300 VOUCHER")
    assert h.of(CommitTicket) == []
    assert h.screen == ("BON D'ACHAT     3,00", "RESTE           4,30")
    h.keys("200 CHEQUE 1000 CASH")
    (commit,) = h.of(CommitTicket)
    assert [p.means for p in commit.payments] == [
        codes.PAY_VOUCHER,
        codes.PAY_CHEQUE,
        codes.PAY_CASH,
    ]
    assert h.screen[0] == "RENDU           7,70"


def test_a_non_cash_payment_above_what_is_due_is_refused() -> None:
    h = Harness().keys(LOGIN + " 10 PLU 600 CARD")
    assert h.state.error == "TOO_MUCH" and h.of(CommitTicket) == []
    assert h.screen == ("MONTANT > DU", "du 5,50")


def test_empty_sale_cannot_be_paid() -> None:
    h = Harness().keys(LOGIN + " CASH")
    assert h.state.error == "EMPTY_SALE"
    assert h.of(CommitTicket) == []


def test_void_removes_last_line_and_is_journaled() -> None:
    h = Harness().keys(LOGIN + " 10 PLU 21 PLU VOID")
    assert [line.ref for line in h.state.lines] == ["P10"]
    void = h.of(CommitJet)[-1]
    assert void.code == codes.JET_LINE_VOIDED and "Briquet" in void.text


def test_cancel_abandons_sale_with_jet_320() -> None:
    h = Harness().keys(LOGIN + " 22 PLU 22 PLU CANCEL")
    assert h.state.lines == ()
    assert h.of(CommitJet)[-1].code == codes.JET_SALE_ABANDONED
    assert h.screen[0] == "VENTE ABANDONNEE"


@pytest.mark.parametrize(
    ("script", "error"),
    [
        ("99 PLU", "UNKNOWN_PLU"),
        ("DEPT1", "PRICE_REQUIRED"),
        ("500 DEPT4", "UNKNOWN_DEPT"),
        ("0 X", "BAD_QUANTITY"),
        ("VOID", "NO_LINE"),
        ("10 PLU 600 CARD", "TOO_MUCH"),
        ("99 FUNC", "UNKNOWN_FUNCTION"),
        ("10 PLU 2 FUNC", "SALE_OPEN"),
        ("10 PLU LOGOUT", "SALE_OPEN"),
        ("123456789", "ENTRY_TOO_LONG"),
    ],
)
def test_bad_input_shows_an_error_and_commits_nothing(script: str, error: str) -> None:
    h = Harness().keys(LOGIN)
    before = len(h.of(CommitJet))
    h.keys(script)
    assert h.state.error == error
    assert len(h.screen[0]) <= 20 and len(h.screen[1]) <= 20  # designed to fit, not cut
    assert len(h.of(CommitJet)) == before and h.of(CommitTicket) == []


def test_keys_before_login_are_refused() -> None:
    h = Harness().keys("10 PLU")
    assert h.state.error == "LOGIN_FIRST"


def test_logout_journals_and_returns_to_login() -> None:
    h = Harness().keys(LOGIN + " LOGOUT")
    assert h.state.mode == MODE_LOGIN_ID and h.state.operator_id == 0
    assert h.of(CommitJet)[-1].code == codes.JET_LOGOUT


def test_committed_records_carry_the_operator() -> None:
    h = Harness().keys(LOGIN + " 10 PLU CASH")
    tickets = [e.record for e in h.of(PrintRecord)]
    assert isinstance(tickets[0].body, TicketBody)
    assert tickets[0].operator_id == 1
    assert not isinstance(tickets[0].body, JetBody)


def test_refusals_from_the_core_are_shown_in_french() -> None:
    h = Harness().keys(LOGIN + " 10 PLU")
    h.state = replace(h.state, pending="ticket")
    h.dispatch(CommitRefused("WRITE_FAILED", "journal append failed: NOSPC"))
    assert h.screen == ("ECRITURE IMPOSSIBLE", "WRITE_FAILED")
    assert h.state.pending == "" and len(h.state.lines) == 1  # the sale is kept


def test_printer_failure_after_commit_says_the_ticket_is_recorded() -> None:
    h = Harness().keys(LOGIN + " 10 PLU CARD")
    h.dispatch(PrintFailed("paper-out"))
    assert h.screen == ("PLUS DE PAPIER", "ticket enregistre")
