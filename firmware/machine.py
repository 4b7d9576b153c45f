"""The cashier's state machine: ``step(state, event) -> (state, effects)``.

Pure: no I/O, no clock, no signing. A sale is only a list of lines in the
state until a payment key asks for a ``CommitTicket``; the ticket exists once
the runner reports ``RecordCommitted``, and only then is anything shown as
done, printed or the drawer opened (nothing acknowledged can be lost).

Modes:
- ``login-id``   the display asks for an operator number (digits, ENTER);
- ``login-pin``  then for that operator's PIN (digits, ENTER);
- ``ready``      an operator is logged in; items start a sale;
- ``halted``     the terminal refuses to work (integrity error at boot).
An error message, when present, freezes the keypad until CLEAR.
A commit in flight (``pending``) says what to do when its record lands.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from firmware.config import TerminalConfig
from firmware.messages import (
    Booted,
    CommitJet,
    CommitRefused,
    CommitTicket,
    Effect,
    Event,
    KeyPressed,
    OpenDrawer,
    PrintFailed,
    PrintTicket,
    RecordCommitted,
    Show,
)
from firmware.text import format_cents, two_columns
from fiscal_core import codes
from fiscal_core.records import Line, Payment, TicketBody

MAX_ENTRY_DIGITS = 8
MAX_QUANTITY = 999
MAX_SALE_LINES = 200

MODE_LOGIN_ID = "login-id"
MODE_LOGIN_PIN = "login-pin"
MODE_READY = "ready"
MODE_HALTED = "halted"

# What the cashier reads when the core or the journal refuses a commit
# (codes from fiscal_core and firmware/journal.py; 20 columns at most).
REFUSAL_MESSAGES = {
    "EMPTY_SALE": "aucun article saisi",
    "PAYMENT_SHORT": "paiement insuffisant",
    "CHANGE_NOT_CASH": "rendu en especes",
    "BAD_QUANTITY": "quantite invalide",
    "BAD_PRICE": "prix invalide",
    "BAD_VAT_RATE": "taux de TVA invalide",
    "BAD_PAYMENT": "paiement invalide",
    "TEXT_TOO_LONG": "texte trop long",
    "TOO_MANY_LINES": "trop de lignes",
    "WRITE_FAILED": "ecriture impossible",
}
PRINTER_MESSAGES = {
    "offline": "imprimante eteinte",
    "paper-out": "plus de papier",
    "cover-open": "capot ouvert",
}

# What a commit in flight is for, so the landing record can be acted on.
PENDING_LOGIN = "login"
PENDING_LOGOUT = "logout"
PENDING_TICKET = "ticket"
PENDING_VOID = "void"
PENDING_ABANDON = "abandon"


@dataclass(frozen=True)
class State:
    config: TerminalConfig
    mode: str = MODE_LOGIN_ID
    entry: str = ""
    quantity: int = 1
    operator_id: int = 0
    candidate_operator: int = 0
    lines: tuple[Line, ...] = ()
    error: str = ""
    pending: str = ""

    @property
    def total(self) -> int:
        return sum(line.total for line in self.lines)


Step = tuple[State, list[Effect]]


def step(state: State, event: Event) -> Step:
    """Return the state after ``event`` and the effects to carry out, in order."""
    if isinstance(event, Booted):
        return state, [_idle_screen(state)]
    if isinstance(event, RecordCommitted):
        return _committed(state, event)
    if isinstance(event, CommitRefused):
        message = REFUSAL_MESSAGES.get(event.code, "operation refusee")
        return _fail(replace(state, pending=""), event.code, message)
    if isinstance(event, PrintFailed):
        message = PRINTER_MESSAGES.get(event.code, "imprimante en panne")
        return _fail(state, "PRINTER", message, "ticket enregistre")
    return _key(state, event)


# ------------------------------------------------------------------ keys


def _key(state: State, event: KeyPressed) -> Step:
    key = event.key
    if state.mode == MODE_HALTED or state.pending:
        return state, []
    if state.error:
        if key == "CLEAR":
            cleared = replace(state, error="", entry="", quantity=1)
            return cleared, [_idle_screen(cleared)]
        return state, []
    if key.isdigit():
        return _digit(state, key)
    if key == "CLEAR":
        cleared = replace(state, entry="", quantity=1)
        return cleared, [_idle_screen(cleared)]
    if state.mode in (MODE_LOGIN_ID, MODE_LOGIN_PIN):
        return _login_key(state, key)
    return _sale_key(state, key)


def _digit(state: State, key: str) -> Step:
    entry = (state.entry + key).lstrip("0") if state.mode != MODE_LOGIN_PIN else state.entry + key
    if len(entry) > MAX_ENTRY_DIGITS:
        return _fail(state, "ENTRY_TOO_LONG", "saisie trop longue")
    new = replace(state, entry=entry)
    return new, [_entry_screen(new)]


def _login_key(state: State, key: str) -> Step:
    if key != "ENTER":
        return _fail(state, "LOGIN_FIRST", "connexion requise")
    if state.mode == MODE_LOGIN_ID:
        operator = state.config.operator(int(state.entry or "0"))
        if operator is None:
            return _fail(state, "UNKNOWN_OPERATOR", "operateur inconnu")
        new = replace(state, mode=MODE_LOGIN_PIN, candidate_operator=operator.id, entry="")
        return new, [_entry_screen(new)]
    operator = state.config.operator(state.candidate_operator)
    if operator is None or state.entry != operator.pin:
        back = replace(state, mode=MODE_LOGIN_ID, candidate_operator=0, entry="")
        return _fail(back, "WRONG_PIN", "code secret faux")
    text = f"connexion operateur {operator.id} {operator.name}"
    new = replace(state, entry="", pending=PENDING_LOGIN)
    return new, [CommitJet(operator.id, codes.JET_LOGIN, text)]


def _sale_key(state: State, key: str) -> Step:
    if key == "X":
        quantity = int(state.entry or "0")
        if not 1 <= quantity <= MAX_QUANTITY:
            return _fail(state, "BAD_QUANTITY", f"quantite 1 a {MAX_QUANTITY}")
        new = replace(state, quantity=quantity, entry="")
        return new, [_entry_screen(new)]
    if key == "PLU":
        item = state.config.item(int(state.entry or "0"))
        if item is None:
            return _fail(state, "UNKNOWN_PLU", "article inconnu")
        return _add_line(
            state, Line(f"P{item.plu}", item.label, state.quantity, item.price, item.vat_rate)
        )
    if key.startswith("DEPT"):
        dept = state.config.department(int(key[4:]))
        if dept is None:
            return _fail(state, "UNKNOWN_DEPT", "rayon non configure")
        price = int(state.entry or "0")
        if price <= 0:
            return _fail(state, "PRICE_REQUIRED", "prix puis rayon")
        return _add_line(
            state, Line(f"D{dept.number}", dept.label, state.quantity, price, dept.vat_rate)
        )
    if key == "SUBTOTAL":
        return state, [Show("SOUS-TOTAL", two_columns("A PAYER", format_cents(state.total)))]
    if key == "VOID":
        if not state.lines:
            return _fail(state, "NO_LINE", "aucune ligne")
        last = state.lines[-1]
        text = f"ligne annulee {last.ref} {last.label} x{last.quantity} {format_cents(last.total)}"
        return replace(state, pending=PENDING_VOID), [
            CommitJet(state.operator_id, codes.JET_LINE_VOIDED, text)
        ]
    if key == "CANCEL":
        if not state.lines:
            cleared = replace(state, entry="", quantity=1)
            return cleared, [_idle_screen(cleared)]
        text = f"vente abandonnee {len(state.lines)} lignes total {format_cents(state.total)}"
        return replace(state, pending=PENDING_ABANDON), [
            CommitJet(state.operator_id, codes.JET_SALE_ABANDONED, text)
        ]
    if key in ("CASH", "CARD"):
        return _pay(state, key)
    if key == "LOGOUT":
        if state.lines:
            return _fail(state, "SALE_OPEN", "vente en cours")
        return replace(state, pending=PENDING_LOGOUT), [
            CommitJet(
                state.operator_id, codes.JET_LOGOUT, f"deconnexion operateur {state.operator_id}"
            )
        ]
    return _fail(state, "KEY_NOT_HERE", "touche sans effet")


def _add_line(state: State, line: Line) -> Step:
    if len(state.lines) >= MAX_SALE_LINES:
        return _fail(state, "TOO_MANY_LINES", f"{MAX_SALE_LINES} lignes au plus")
    new = replace(state, lines=(*state.lines, line), entry="", quantity=1)
    qty = f"{line.quantity}x " if line.quantity != 1 else ""
    return new, [
        Show(
            two_columns(qty + line.label, format_cents(line.total)),
            two_columns("TOTAL", format_cents(new.total)),
        )
    ]


def _pay(state: State, key: str) -> Step:
    if not state.lines:
        return _fail(state, "EMPTY_SALE", "aucun article saisi")
    total = state.total
    if key == "CARD":
        if state.entry:
            return _fail(state, "CARD_EXACT", "carte: montant exact")
        payment = Payment(codes.PAY_CARD, total)
    else:
        tendered = int(state.entry) if state.entry else total
        if tendered < total:
            return _fail(
                state, "PAYMENT_SHORT", "paiement insuffisant", f"du {format_cents(total)}"
            )
        payment = Payment(codes.PAY_CASH, tendered)
    new = replace(state, entry="", pending=PENDING_TICKET)
    return new, [
        Show("ENREGISTREMENT...", ""),
        CommitTicket(state.operator_id, state.lines, (payment,)),
    ]


# --------------------------------------------------------------- commits


def _committed(state: State, event: RecordCommitted) -> Step:
    pending = state.pending
    done = replace(state, pending="")
    if pending == PENDING_LOGIN:
        operator = state.config.operator(state.candidate_operator)
        name = operator.name if operator else ""
        new = replace(
            done, mode=MODE_READY, operator_id=state.candidate_operator, candidate_operator=0
        )
        return new, [Show(f"BONJOUR {name}".upper(), "CAISSE PRETE")]
    if pending == PENDING_LOGOUT:
        new = replace(done, mode=MODE_LOGIN_ID, operator_id=0)
        return new, [_idle_screen(new)]
    if pending == PENDING_VOID:
        new = replace(done, lines=state.lines[:-1])
        return new, [Show("LIGNE ANNULEE", two_columns("TOTAL", format_cents(new.total)))]
    if pending == PENDING_ABANDON:
        new = replace(done, lines=(), entry="", quantity=1)
        return new, [Show("VENTE ABANDONNEE", "")]
    if pending == PENDING_TICKET and isinstance(event.record.body, TicketBody):
        body = event.record.body
        new = replace(done, lines=(), entry="", quantity=1)
        effects: list[Effect] = [PrintTicket(event.record)]
        if any(p.means == codes.PAY_CASH for p in body.payments):
            effects.append(OpenDrawer())
        effects.append(
            Show(
                two_columns("RENDU", format_cents(body.change)), f"TICKET {event.record.number} OK"
            )
        )
        return new, effects
    return done, []


# --------------------------------------------------------------- screens


def _fail(state: State, code: str, message: str, detail: str = "") -> Step:
    """Freeze the keypad on an error until CLEAR; the display says what and why."""
    return replace(state, error=code), [Show(message.upper(), detail or code)]


def _idle_screen(state: State) -> Show:
    if state.mode == MODE_HALTED:
        return Show("TERMINAL BLOQUE", "appelez technicien")
    if state.mode == MODE_LOGIN_ID:
        return Show("OPERATEUR ?", state.entry)
    if state.mode == MODE_LOGIN_PIN:
        return Show("CODE SECRET ?", "*" * len(state.entry))
    if state.lines:
        return Show("VENTE EN COURS", two_columns("TOTAL", format_cents(state.total)))
    return Show("CAISSE PRETE", "")


def _entry_screen(state: State) -> Show:
    if state.mode in (MODE_LOGIN_ID, MODE_LOGIN_PIN):
        return _idle_screen(state)
    # The digits are shown as typed: they may be a PLU, a quantity or a price in cents.
    qty = f"{state.quantity} X " if state.quantity != 1 else ""
    first = two_columns("TOTAL", format_cents(state.total)) if state.lines else "CAISSE PRETE"
    return Show(first, f"{qty}{state.entry}".rjust(20))
