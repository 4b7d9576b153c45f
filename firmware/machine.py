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
Numbered functions (``<n> FUNC``) live in firmware/functions.py, selling
(items, payment) in firmware/selling.py, the state and its shared moves in
firmware/cashier_state.py, the idle screens in firmware/screens.py and the
refusal texts in firmware/refusals.py; this module dispatches each event.
"""

from __future__ import annotations

from dataclasses import replace

from firmware import clock_confirm, functions, rights
from firmware.cashier_state import (
    MAX_ENTRY_DIGITS,
    MODE_FLOAT,
    MODE_HALTED,
    MODE_LOGIN_ID,
    MODE_LOGIN_PIN,
    MODE_PROMPT,
    MODE_READY,
    MODE_RETURN,
    State,
    Step,
    back_to_work,
    fail,
)
from firmware.messages import (
    Booted,
    ClockSettled,
    ClockStepped,
    CommitJet,
    CommitRefused,
    Event,
    Halted,
    KeyPressed,
    PendingPrinted,
    PrintFailed,
    RecordCommitted,
    RecordLoaded,
    Show,
)
from firmware.refusals import PRINTER_MESSAGES, REFUSAL_MESSAGES
from firmware.screens import clock_step_screen, entry_screen, idle_screen
from firmware.selling import sale_key
from firmware.text import format_cents
from fiscal_core import codes

__all__ = [  # the state and modes the runner and the tests take from here
    "MODE_FLOAT",
    "MODE_HALTED",
    "MODE_LOGIN_ID",
    "MODE_LOGIN_PIN",
    "MODE_PROMPT",
    "MODE_READY",
    "MODE_RETURN",
    "State",
    "Step",
    "step",
]


def step(state: State, event: Event) -> Step:
    """Return the state after ``event`` and the effects to carry out, in order."""
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
            return booted, [clock_step_screen(booted)]
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
    return sale_key(state, key)


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
