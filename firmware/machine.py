"""The cashier's state machine: ``step(state, event) -> (state, effects)``.

Pure: no I/O, no clock, no signing. A sale is only lines and tendered
payments in the state until it is fully paid and a ``CommitTicket`` is
asked for; the ticket exists once the runner reports ``RecordCommitted``,
and only then is anything shown as done, printed or the drawer opened
(nothing acknowledged can be lost).

Modes:
- ``login-id`` / ``login-pin``  operator number, then PIN (digits, ENTER);
- ``float``    logged in, no open period: the cash float opens one (amount, ENTER);
- ``ready``    a period is open: items start a sale;
- ``return``   lines being returned from a loaded ticket (function 11);
- ``prompt``   a numbered function waits for a number (``prompt`` says which);
- ``halted``   the terminal refuses to work.
A clock step waiting for a manager (``clock_step``) takes every key until
it is confirmed (firmware/clock_confirm.py), whatever the mode underneath.
An error message, when present, freezes the keypad until CLEAR. A commit
or a load in flight (``pending``) says what to do when its answer lands.
Numbered functions (``<n> FUNC``) live in firmware/functions.py.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from firmware import rights
from firmware.config import TerminalConfig
from firmware.messages import (
    Booted,
    ClockSettled,
    ClockStepped,
    CommitJet,
    CommitRefused,
    CommitTicket,
    Effect,
    Event,
    Halted,
    KeyPressed,
    PendingPrinted,
    PrintFailed,
    RecordCommitted,
    RecordLoaded,
    Show,
)
from firmware.text import format_cents, two_columns
from fiscal_core import codes
from fiscal_core.records import Line, Payment, Record

MAX_ENTRY_DIGITS = 8
MAX_QUANTITY = 999
MAX_SALE_LINES = 200

MODE_LOGIN_ID = "login-id"
MODE_LOGIN_PIN = "login-pin"
MODE_FLOAT = "float"
MODE_READY = "ready"
MODE_RETURN = "return"
MODE_PROMPT = "prompt"
MODE_HALTED = "halted"

PAYMENT_KEYS = {
    "CASH": codes.PAY_CASH,
    "CARD": codes.PAY_CARD,
    "CHEQUE": codes.PAY_CHEQUE,
    "VOUCHER": codes.PAY_VOUCHER,
}

# What the cashier reads when the core, the journal or the printer check
# refuses a commit (codes from fiscal_core, firmware/journal.py and the
# runner; 20 columns at most). Unknown codes read "operation refusee".
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
    "PERIOD_CLOSED": "periode cloturee",
    "PERIOD_OPEN": "periode deja ouverte",
    "PERIOD_EXPIRED": "cloture jour requise",
    "DAY_OPEN": "cloturez le jour",
    "NOTHING_TO_CLOSE": "rien a cloturer",
    "MONTH_NOT_OVER": "mois non termine",
    "YEAR_NOT_OVER": "exercice non termine",
    "MONTH_CLOSE_REQUIRED": "cloture mois requise",
    "YEAR_CLOSE_REQUIRED": "cloture annee requise",
    "NOT_A_TICKET": "pas un ticket",
    "NOT_A_SALE": "pas une vente",
    "NOT_ON_TICKET": "article hors ticket",
    "RETURN_TOO_LARGE": "retour > vente",
    "REFUND_MISMATCH": "remboursement faux",
    "REASON_REQUIRED": "motif obligatoire",
    "CUSTOMER_REQUIRED": "client incomplet",
    "ALREADY_INVOICED": "deja facture",
    "NOT_REPRINTABLE": "non reimprimable",
    "NOT_FOUND": "document introuvable",
    "TRAINING_NO_RETURN": "pas en formation",
    "PRINTER_NOT_READY": "imprimante absente",
    "ARCHIVE_REQUIRED": "archive exercice due",
    "ALREADY_ARCHIVED": "deja archive",
    "NOTHING_TO_ARCHIVE": "rien a archiver",
    "BAD_AMOUNT": "montant invalide",
    "BAD_TIME": "horloge invalide",
    "CLOCK_BEHIND": "horloge en retard",
    "CLOCK_STEP": "heure a confirmer",
    "MEMORY_FULL": "memoire pleine",
    "RESTORE_DONE": "deja restauree",
}
PRINTER_MESSAGES = {
    "offline": "imprimante eteinte",
    "paper-out": "plus de papier",
    "cover-open": "capot ouvert",
}


@dataclass(frozen=True)
class State:
    config: TerminalConfig
    mode: str = MODE_LOGIN_ID
    entry: str = ""
    quantity: int = 1
    operator_id: int = 0
    candidate_operator: int = 0
    lines: tuple[Line, ...] = ()
    payments: tuple[Payment, ...] = ()
    error: str = ""
    pending: str = ""
    period_open: bool = False
    training: bool = False
    prompt: str = ""  # the question a numbered function is asking (functions.PROMPTS)
    function: int = 0  # the numbered function in progress
    document: Record | None = None  # the ticket a function works on (return, invoice...)
    refund_means: int = 0  # return: the means chosen, the reason comes next
    config_pending: bool = False  # a changed configuration waits for a manager's reason
    archive_due: bool = False  # a closed fiscal year must be archived before the next period
    clock_step: str = ""  # a clock step waits for a manager: what the display shows of it
    clock_behind: bool = False  # ... before the last record: the clock must be set right
    clock_manager: int = 0  # the manager who typed their number, their PIN comes next

    @property
    def total(self) -> int:
        return sum(line.total for line in self.lines)

    @property
    def paid(self) -> int:
        return sum(p.amount for p in self.payments)

    @property
    def role(self) -> str:
        operator = self.config.operator(self.operator_id)
        return operator.role if operator else ""


Step = tuple[State, list[Effect]]


def step(state: State, event: Event) -> Step:
    """Return the state after ``event`` and the effects to carry out, in order."""
    from firmware import clock_confirm, functions  # both build on this module

    if isinstance(event, Halted) or (isinstance(event, Booted) and event.halted):
        reason = event.reason if isinstance(event, Halted) else event.halted
        halted = replace(state, mode=MODE_HALTED, pending="", lines=(), payments=())
        return halted, [Show("ERREUR INTEGRITE", reason[:20] or "appelez technicien")]
    if isinstance(event, Booted):
        booted = replace(
            state,
            period_open=event.period_open,
            training=event.training,
            config_pending=event.config_pending,
            archive_due=event.archive_due,
            clock_step=event.clock_step,
            clock_behind=event.clock_behind,
            clock_manager=0,
            pending="",  # a start-up held by a clock step ends with the confirmation
        )
        if event.clock_step:
            return booted, [clock_confirm.screen(booted)]
        if event.config_pending:
            return booted, [Show("CONFIG MODIFIEE", "responsable requis")]
        if event.unprinted:
            return booted, [Show(f"A IMPRIMER: {event.unprinted}", "fonction 16")]
        if event.memory_percent >= 90:
            return booted, [Show(f"MEMOIRE PLEINE {event.memory_percent}%", "appelez technicien")]
        return booted, [idle_screen(booted)]
    if isinstance(event, ClockStepped):
        return clock_confirm.stepped(state, event)
    if isinstance(event, ClockSettled):
        return clock_confirm.settled(state)
    if isinstance(event, RecordCommitted) and state.pending == clock_confirm.PENDING:
        return clock_confirm.confirmed(replace(state, pending=""))
    if isinstance(event, RecordCommitted):
        return functions.committed(replace(state, pending=""), state.pending, event.record)
    if isinstance(event, RecordLoaded):
        return functions.loaded(replace(state, pending=""), event.record)
    if isinstance(event, CommitRefused):
        message = REFUSAL_MESSAGES.get(event.code, "operation refusee")
        return fail(back_to_work(replace(state, pending="")), event.code, message)
    if isinstance(event, PrintFailed):
        message = PRINTER_MESSAGES.get(event.code, "imprimante en panne")
        return fail(state, "PRINTER", message, "ticket enregistre")
    if isinstance(event, PendingPrinted):
        return state, [Show("TICKETS IMPRIMES", str(event.count))]
    return _key(state, event)


# ------------------------------------------------------------------ keys


def _key(state: State, event: KeyPressed) -> Step:
    from firmware import clock_confirm, functions

    key = event.key
    if state.mode == MODE_HALTED or state.pending:
        return state, []
    if state.error:
        if key == "CLEAR":
            cleared = replace(state, error="", entry="", quantity=1)
            return cleared, [idle_screen(cleared)]
        return state, []
    if state.clock_step:
        return clock_confirm.key(state, key)
    if key.isdigit():
        return _digit(state, key)
    if key == "CLEAR":
        cleared = replace(state, entry="", quantity=1)
        return cleared, [idle_screen(cleared)]
    if state.mode in (MODE_LOGIN_ID, MODE_LOGIN_PIN):
        return _login_key(state, key)
    if state.config_pending and state.prompt != functions.PROMPT_CONFIG:
        return functions.ask(state, functions.PROMPT_CONFIG)  # nothing else before the reason
    if key == "FUNC" and state.mode != MODE_RETURN:
        return functions.start(state)
    if state.mode == MODE_PROMPT:
        return functions.answer(state, key)
    if state.mode == MODE_FLOAT:
        return _float_key(state, key)
    if key == "LOGOUT":
        if state.lines:
            return fail(state, "SALE_OPEN", "vente en cours")
        return _logout(state)
    if state.mode == MODE_RETURN:
        return functions.return_key(state, key)
    return _sale_key(state, key)


def _digit(state: State, key: str) -> Step:
    keep_zeros = state.mode in (MODE_LOGIN_PIN, MODE_PROMPT)
    entry = state.entry + key if keep_zeros else (state.entry + key).lstrip("0")
    if len(entry) > MAX_ENTRY_DIGITS:
        return fail(state, "ENTRY_TOO_LONG", "saisie trop longue")
    new = replace(state, entry=entry)
    return new, [entry_screen(new)]


def _login_key(state: State, key: str) -> Step:
    if key != "ENTER":
        return fail(state, "LOGIN_FIRST", "connexion requise")
    if state.mode == MODE_LOGIN_ID:
        operator = state.config.operator(int(state.entry or "0"))
        if operator is None:
            return fail(state, "UNKNOWN_OPERATOR", "operateur inconnu")
        new = replace(state, mode=MODE_LOGIN_PIN, candidate_operator=operator.id, entry="")
        return new, [entry_screen(new)]
    operator = state.config.operator(state.candidate_operator)
    if operator is None or state.entry != operator.pin:
        back = replace(state, mode=MODE_LOGIN_ID, candidate_operator=0, entry="")
        return fail(back, "WRONG_PIN", "code secret faux")
    if state.config_pending and operator.role not in rights.MANAGERS:
        back = replace(state, mode=MODE_LOGIN_ID, candidate_operator=0, entry="")
        return fail(back, "CONFIG_PENDING", "config a valider", "responsable requis")
    text = f"connexion operateur {operator.id} {operator.name}"
    new = replace(state, entry="", pending="login")
    return new, [CommitJet(operator.id, codes.JET_LOGIN, text)]


def _logout(state: State) -> Step:
    text = f"deconnexion operateur {state.operator_id}"
    return replace(state, pending="logout"), [CommitJet(state.operator_id, codes.JET_LOGOUT, text)]


def _float_key(state: State, key: str) -> Step:
    if key == "LOGOUT":
        return _logout(state)
    if key != "ENTER":
        return fail(state, "FLOAT_FIRST", "fond de caisse ?", "montant puis ENTER")
    if not rights.allowed(state.role, rights.OPEN_PERIOD):
        return fail(state, "NOT_ALLOWED", "droits insuffisants")
    amount = int(state.entry or "0")
    text = f"fond de caisse {format_cents(amount)}"
    return replace(state, entry="", pending="float"), [
        CommitJet(state.operator_id, codes.JET_CASH_FLOAT, text, amount=amount)
    ]


def _sale_key(state: State, key: str) -> Step:
    if not rights.allowed(state.role, rights.SELL):
        return fail(state, "NOT_ALLOWED", "droits insuffisants")
    if key in ("X", "PLU") or key.startswith("DEPT"):
        if state.payments:
            return fail(state, "PAYMENT_STARTED", "paiement en cours")
        return item_key(state, key, sign=1)
    if key == "SUBTOTAL":
        due = state.total - state.paid
        return state, [Show("SOUS-TOTAL", two_columns("A PAYER", format_cents(due)))]
    if key == "VOID":
        if not state.lines or state.payments:
            return fail(state, "NO_LINE", "aucune ligne")
        last = state.lines[-1]
        text = f"ligne annulee {last.ref} {last.label} x{last.quantity} {format_cents(last.total)}"
        return replace(state, pending="void"), [
            CommitJet(state.operator_id, codes.JET_LINE_VOIDED, text, amount=last.total)
        ]
    if key == "CANCEL":
        if not state.lines:
            cleared = replace(state, entry="", quantity=1)
            return cleared, [idle_screen(cleared)]
        text = f"vente abandonnee {len(state.lines)} lignes total {format_cents(state.total)}"
        return replace(state, pending="abandon"), [
            CommitJet(state.operator_id, codes.JET_SALE_ABANDONED, text, amount=state.total)
        ]
    if key in PAYMENT_KEYS:
        return _pay(state, PAYMENT_KEYS[key])
    return fail(state, "KEY_NOT_HERE", "touche sans effet")


def item_key(state: State, key: str, sign: int) -> Step:
    """Handle X, PLU and DEPTn: a line of quantity x ``sign`` (-1 for a return)."""
    if key == "X":
        quantity = int(state.entry or "0")
        if not 1 <= quantity <= MAX_QUANTITY:
            return fail(state, "BAD_QUANTITY", f"quantite 1 a {MAX_QUANTITY}")
        new = replace(state, quantity=quantity, entry="")
        return new, [entry_screen(new)]
    if key == "PLU":
        item = state.config.item(int(state.entry or "0"))
        if item is None:
            return fail(state, "UNKNOWN_PLU", "article inconnu")
        line = Line(f"P{item.plu}", item.label, sign * state.quantity, item.price, item.vat_rate)
        return _add_line(state, line)
    if key.startswith("DEPT"):
        dept = state.config.department(int(key[4:]))
        if dept is None:
            return fail(state, "UNKNOWN_DEPT", "rayon non configure")
        price = int(state.entry or "0")
        if price <= 0:
            return fail(state, "PRICE_REQUIRED", "prix puis rayon")
        line = Line(f"D{dept.number}", dept.label, sign * state.quantity, price, dept.vat_rate)
        return _add_line(state, line)
    return fail(state, "KEY_NOT_HERE", "touche sans effet")


def _add_line(state: State, line: Line) -> Step:
    if len(state.lines) >= MAX_SALE_LINES:
        return fail(state, "TOO_MANY_LINES", f"{MAX_SALE_LINES} lignes au plus")
    new = replace(state, lines=(*state.lines, line), entry="", quantity=1)
    qty = f"{line.quantity}x " if line.quantity != 1 else ""
    total = two_columns("TOTAL", format_cents(new.total))
    return new, [Show(two_columns(qty + line.label, format_cents(line.total)), total)]


def _pay(state: State, means: int) -> Step:
    if not state.lines:
        return fail(state, "EMPTY_SALE", "aucun article saisi")
    due = state.total - state.paid
    amount = int(state.entry) if state.entry else due
    if amount <= 0:
        return fail(state, "BAD_AMOUNT", "montant invalide")
    if means != codes.PAY_CASH and amount > due:
        return fail(state, "TOO_MUCH", "montant > du", f"du {format_cents(due)}")
    paid = replace(state, payments=(*state.payments, Payment(means, amount)), entry="")
    if paid.paid < paid.total:
        rest = two_columns("RESTE", format_cents(paid.total - paid.paid))
        return paid, [
            Show(two_columns(codes.PAYMENT_NAMES[means][:12], format_cents(amount)), rest)
        ]
    return replace(paid, pending="ticket"), [
        Show("ENREGISTREMENT...", ""),
        CommitTicket(state.operator_id, state.lines, paid.payments),
    ]


# --------------------------------------------------------------- screens


def fail(state: State, code: str, message: str, detail: str = "") -> Step:
    """Freeze the keypad on an error until CLEAR; the display says what and why."""
    return replace(state, error=code), [Show(message.upper(), detail or code)]


def end_function(state: State) -> State:
    """Return to selling (or to the float) with no numbered function in progress."""
    if state.mode in (MODE_LOGIN_ID, MODE_LOGIN_PIN, MODE_HALTED):
        return state
    mode = MODE_READY if state.period_open else MODE_FLOAT
    return replace(state, mode=mode, prompt="", function=0, document=None, entry="", refund_means=0)


def back_to_work(state: State) -> State:
    """Return the state to work in after a refused commit or load.

    A refused sale keeps its lines (the tendered payments are given back);
    a refused function is abandoned whole (a return's lines with it).
    """
    lines = () if state.function == 11 else state.lines
    return end_function(replace(state, payments=(), lines=lines))


def idle_screen(state: State) -> Show:
    from firmware import clock_confirm

    if state.mode == MODE_HALTED:
        return Show("TERMINAL BLOQUE", "appelez technicien")
    if state.clock_step:
        return clock_confirm.screen(state)
    if state.mode == MODE_LOGIN_ID:
        return Show("OPERATEUR ?", state.entry)
    if state.mode == MODE_LOGIN_PIN:
        return Show("CODE SECRET ?", "*" * len(state.entry))
    if state.mode == MODE_FLOAT:
        return Show("FOND DE CAISSE ?", state.entry.rjust(20))
    if state.mode == MODE_PROMPT:
        return Show(state.prompt.upper()[:20], state.entry.rjust(20))
    if state.mode == MODE_RETURN:
        return Show("RETOUR: ARTICLES", two_columns("TOTAL", format_cents(state.total)))
    if state.lines:
        return Show("VENTE EN COURS", two_columns("TOTAL", format_cents(state.total)))
    return Show("FORMATION" if state.training else "CAISSE PRETE", "")


def entry_screen(state: State) -> Show:
    if state.mode in (MODE_LOGIN_ID, MODE_LOGIN_PIN, MODE_FLOAT, MODE_PROMPT):
        return idle_screen(state)
    # The digits are shown as typed: they may be a PLU, a quantity or a price in cents.
    qty = f"{state.quantity} X " if state.quantity != 1 else ""
    first = (
        two_columns("TOTAL", format_cents(state.total)) if state.lines else idle_screen(state).line1
    )
    return Show(first, f"{qty}{state.entry}".rjust(20))
