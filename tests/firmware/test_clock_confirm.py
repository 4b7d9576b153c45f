"""A clock step in the pure state machine: what the keypad may do while it waits."""

from __future__ import annotations

from dataclasses import replace

from firmware.demo import DEMO_CONFIG
from firmware.keys import parse_key_script
from firmware.machine import MODE_HALTED, MODE_LOGIN_ID, MODE_READY, State, step
from firmware.messages import (
    Booted,
    ClockSettled,
    ClockStepped,
    CommitClockStep,
    CommitJet,
    CommitRefused,
    Effect,
    KeyPressed,
    RecordCommitted,
    Show,
)
from firmware.sealing import seal
from fiscal_core import codes
from fiscal_core.ed25519 import Ed25519Signer
from fiscal_core.ledger import Ledger
from fiscal_core.records import Line

SHOWN = "20/11/25 09:00 +41J"
SELLING = State(
    config=DEMO_CONFIG,
    mode=MODE_READY,
    operator_id=2,  # Sacha, cashier
    period_open=True,
    lines=(Line("P10", "Sandwich jambon", 1, 550, 1000),),
)


def keys(state: State, script: str) -> tuple[State, list[Effect]]:
    effects: list[Effect] = []
    for key in parse_key_script(script):
        state, effects = step(state, KeyPressed(key))
    return state, effects


def committed() -> RecordCommitted:
    ledger = Ledger(DEMO_CONFIG.terminal_id, Ed25519Signer(bytes(range(1, 33))))
    jet = CommitJet(1, codes.JET_CLOCK_CONFIRMED, "heure confirmee")
    return RecordCommitted(seal(ledger, jet, 1_763_625_600, 60).record)


def test_a_step_takes_the_keypad_and_keeps_the_sale_underneath() -> None:
    state, effects = step(SELLING, ClockStepped(SHOWN))
    assert effects == [Show(SHOWN, "RESPONSABLE ?")]
    state, effects = keys(state, "10 PLU")  # sale keys do nothing but say why
    assert effects == [Show("HEURE A CONFIRMER", "responsable requis")]
    assert state.lines == SELLING.lines and state.payments == ()


def test_a_manager_confirms_with_number_and_pin_then_the_sale_resumes() -> None:
    state, _ = step(SELLING, ClockStepped(SHOWN))
    state, effects = keys(state, "1 ENTER")
    assert effects == [Show(SHOWN, "CODE SECRET ?")]
    state, effects = keys(state, "1234 ENTER")
    assert effects == [CommitClockStep(1)]
    assert state.pending == "clock"
    assert keys(state, "5")[1] == []  # nothing while the commit is in flight
    state, effects = step(state, committed())
    assert effects == [Show("HEURE CONFIRMEE", "VENTE EN COURS")]
    assert (state.clock_step, state.pending, state.operator_id) == ("", "", 2)
    assert state.lines == SELLING.lines  # the cashier's sale, in the cashier's name


def test_a_cashier_cannot_confirm() -> None:
    state, _ = step(SELLING, ClockStepped(SHOWN))
    state, effects = keys(state, "2 ENTER")
    assert effects == [Show("DROITS INSUFFISANTS", "responsable requis")]
    state, effects = keys(state, "CLEAR 2222 ENTER 2222 ENTER")  # no PIN is even asked
    assert not any(isinstance(e, CommitClockStep) for e in effects)
    assert state.clock_manager == 0


def test_an_accountant_and_an_unknown_operator_cannot_confirm() -> None:
    state, _ = step(SELLING, ClockStepped(SHOWN))
    assert keys(state, "3 ENTER")[1] == [Show("DROITS INSUFFISANTS", "responsable requis")]
    assert keys(state, "42 ENTER")[1] == [Show("OPERATEUR INCONNU", "responsable ?")]


def test_a_wrong_pin_starts_again_from_the_number() -> None:
    state, _ = step(SELLING, ClockStepped(SHOWN))
    state, effects = keys(state, "1 ENTER 1235 ENTER")
    assert effects == [Show("CODE SECRET FAUX", "responsable ?")]
    assert (state.clock_manager, state.clock_step) == (0, SHOWN)
    state, effects = keys(state, "CLEAR 1234 ENTER")  # the PIN alone is a number: no one
    assert effects == [Show("OPERATEUR INCONNU", "responsable ?")]


def test_a_refused_confirmation_keeps_the_step_waiting() -> None:
    state, _ = step(SELLING, ClockStepped(SHOWN))
    state, _ = keys(state, "1 ENTER 1234 ENTER")
    state, effects = step(state, CommitRefused("WRITE_FAILED", "no space"))
    assert effects == [Show("ECRITURE IMPOSSIBLE", "WRITE_FAILED")]
    state, effects = keys(state, "CLEAR")
    assert effects == [Show(SHOWN, "RESPONSABLE ?")]


def test_a_clock_behind_cannot_be_confirmed() -> None:
    state, effects = step(SELLING, ClockStepped(SHOWN, behind=True))
    assert effects == [Show("HORLOGE EN RETARD", "remettre a l'heure")]
    state, effects = keys(state, "1 ENTER 1234 ENTER")
    assert effects == [Show("HORLOGE EN RETARD", "remettre a l'heure")]
    assert state.pending == ""


def test_the_clock_set_right_gives_the_keypad_back() -> None:
    state, _ = step(SELLING, ClockStepped(SHOWN))
    state, _ = keys(state, "1 ENTER")
    state, effects = step(state, ClockSettled())
    assert effects == [Show("HORLOGE A L'HEURE", "VENTE EN COURS")]
    assert (state.clock_step, state.clock_manager, state.entry) == ("", 0, "")


def test_a_start_up_held_by_a_step_shows_it_before_the_log_in() -> None:
    state, effects = step(State(config=DEMO_CONFIG), Booted(clock_step=SHOWN))
    assert effects == [Show(SHOWN, "RESPONSABLE ?")]
    state, effects = keys(state, "1 ENTER 1234 ENTER")
    assert effects == [CommitClockStep(1)]
    state, effects = step(state, Booted(period_open=True))  # the start-up, once confirmed
    assert (state.mode, state.clock_step, state.pending) == (MODE_LOGIN_ID, "", "")
    assert effects == [Show("OPERATEUR ?", "")]


def test_a_halted_terminal_ignores_the_clock() -> None:
    halted = replace(SELLING, mode=MODE_HALTED)
    assert step(halted, ClockStepped(SHOWN)) == (halted, [])
