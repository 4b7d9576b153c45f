"""What the display shows when nothing else is being said: the mode's question or the sale.

Pure: a State in, a Show out.
"""

from __future__ import annotations

from firmware.cashier_state import (
    MODE_FLOAT,
    MODE_HALTED,
    MODE_LOGIN_ID,
    MODE_LOGIN_PIN,
    MODE_PROMPT,
    MODE_RETURN,
    State,
)
from firmware.messages import Show
from firmware.text import format_cents, two_columns


def idle_screen(state: State) -> Show:
    """The screen of the mode: its question, the sale in progress, or ready."""
    if state.mode == MODE_HALTED:
        return Show("TERMINAL BLOQUE", "appelez technicien")
    if state.clock_step:
        return clock_step_screen(state)
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
    """The screen while digits are typed: the sale's total above what is typed."""
    if state.mode in (MODE_LOGIN_ID, MODE_LOGIN_PIN, MODE_FLOAT, MODE_PROMPT):
        return idle_screen(state)
    # The digits are shown as typed: they may be a PLU, a quantity or a price in cents.
    qty = f"{state.quantity} X " if state.quantity != 1 else ""
    first = (
        two_columns("TOTAL", format_cents(state.total)) if state.lines else idle_screen(state).line1
    )
    return Show(first, f"{qty}{state.entry}".rjust(20))


def clock_step_screen(state: State) -> Show:
    """The display while a clock step waits: the new time and the size, then who confirms."""
    if state.clock_behind:
        return Show("HORLOGE EN RETARD", "remettre a l'heure")
    if state.clock_manager:
        return Show(state.clock_step, two_columns("CODE SECRET ?", "*" * len(state.entry)))
    return Show(state.clock_step, two_columns("RESPONSABLE ?", state.entry))
