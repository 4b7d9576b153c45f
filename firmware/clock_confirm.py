"""A clock step on the keypad: the display shows it, a manager confirms it with id and PIN.

While a step waits (``State.clock_step``), every key goes here: the sale,
function or log-in in progress stays as it was underneath and resumes once
the time is confirmed (JET 910 then 911, naming the manager) or the clock
is set right again (the runner's ClockSettled). A cashier cannot confirm
(right ``confirm-clock``, firmware/rights.py). A clock before the last
record (``clock_behind``) cannot be confirmed at all: no record may be
stamped before the last one, so the display asks to set the clock right.
Pure, like the rest of the state machine.
"""

from __future__ import annotations

from dataclasses import replace

from firmware import rights
from firmware.cashier_state import MAX_ENTRY_DIGITS, MODE_HALTED, State, Step, fail
from firmware.messages import ClockStepped, CommitClockStep, Show
from firmware.screens import clock_step_screen, idle_screen

PENDING = "clock"  # the commit in flight is the confirmation (JET 910 and 911)


def stepped(state: State, event: ClockStepped) -> Step:
    """A step was seen (or the clock was set again meanwhile): ask for a manager."""
    if state.mode == MODE_HALTED:  # halted for integrity: the clock changes nothing
        return state, []
    new = replace(
        state, clock_step=event.shown, clock_behind=event.behind, clock_manager=0, entry=""
    )
    return new, [clock_step_screen(new)]


def settled(state: State) -> Step:
    """The clock is back on its course: work resumes where it was."""
    new = replace(state, clock_step="", clock_behind=False, clock_manager=0, entry="")
    return new, [Show("HORLOGE A L'HEURE", idle_screen(new).line1)]


def confirmed(state: State) -> Step:
    """The confirmation is journaled: work resumes where it was."""
    new = replace(state, clock_step="", clock_behind=False, clock_manager=0, entry="")
    return new, [Show("HEURE CONFIRMEE", idle_screen(new).line1)]


def key(state: State, key: str) -> Step:
    """A key while a step waits: a manager's number, ENTER, PIN, ENTER."""
    if state.clock_behind:  # only setting the clock right helps (the runner sees it)
        return state, [clock_step_screen(state)]
    if key == "CLEAR":
        new = replace(state, entry="", clock_manager=0)
        return new, [clock_step_screen(new)]
    if key.isdigit():
        if len(state.entry + key) > MAX_ENTRY_DIGITS:
            return fail(state, "ENTRY_TOO_LONG", "saisie trop longue")
        new = replace(state, entry=state.entry + key)
        return new, [clock_step_screen(new)]
    if key != "ENTER":
        return fail(state, "CLOCK_STEP", "heure a confirmer", "responsable requis")
    again = replace(state, entry="", clock_manager=0)
    if not state.clock_manager:
        operator = state.config.operator(int(state.entry or "0"))
        if operator is None:
            return fail(again, "UNKNOWN_OPERATOR", "operateur inconnu", "responsable ?")
        if not rights.allowed(operator.role, rights.CONFIRM_CLOCK):
            return fail(again, "NOT_ALLOWED", "droits insuffisants", "responsable requis")
        new = replace(state, entry="", clock_manager=operator.id)
        return new, [clock_step_screen(new)]
    operator = state.config.operator(state.clock_manager)
    if operator is None or state.entry != operator.pin:
        return fail(again, "WRONG_PIN", "code secret faux", "responsable ?")
    return replace(again, pending=PENDING), [CommitClockStep(operator.id)]
