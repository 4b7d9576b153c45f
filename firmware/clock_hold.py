"""A clock step on a running terminal: every record held until the time is trusted again.

The wall clock's course is kept by firmware/clock_watch.py (pure, it is
given the readings); this side reads the board's clock, tells the state
machine what the display must show (``ClockStepped``, ``ClockSettled``),
and journals the end of a step: the manager's confirmation (JET 910 then
911, firmware/clock_confirm.py asks for it on the keypad) or, for a step
beyond the bound, the clock set right again (JET 910 ``non confirme``).
While a step waits, the runner refuses every commit (``held``), even the
start-up's JET 80, which runs once the step ends.
Owned by the runner's Terminal (``clock_hold``).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from firmware.cashier_state import MODE_HALTED
from firmware.clock_watch import RUNNING_STEP_S, ClockStep, ClockWatch, step_screen, step_text
from firmware.messages import (
    Booted,
    ClockSettled,
    ClockStepped,
    CommitClockStep,
    CommitJet,
    CommitRefused,
    Event,
    Halted,
)
from firmware.recovery import BootError
from firmware.rights import ROLE_NAMES
from fiscal_core import codes
from fiscal_core.civil import local_date_time

if TYPE_CHECKING:
    from firmware.runner import Terminal


class ClockHold:
    """The clock watch of one running terminal, and the step its display was last told of."""

    def __init__(self, terminal: Terminal) -> None:
        self.terminal = terminal
        clock = terminal.board.clock
        self.watch = ClockWatch(clock.now_utc(), clock.monotonic_ms())
        self.told: tuple[ClockStep | None, bool] = (None, False)  # what the display shows

    @property
    def held(self) -> bool:
        """True while a step waits: nothing may be stamped at a time not confirmed."""
        return self.watch.step is not None

    def at_boot(self) -> Event | None:
        """Watch from the last record's time; return the Booted event of a step that holds.

        None: the clock is trusted and the start-up may be journaled now.
        """
        terminal = self.terminal
        clock = terminal.board.clock
        last_time, wall = terminal.ledger.state.last_time, clock.now_utc()
        self.watch = ClockWatch.at_boot(last_time, wall, clock.monotonic_ms())
        step = self.watch.step
        if step is None:
            return None
        behind = wall < last_time
        self.told = (step, behind)
        shown = step_screen(step, clock.utc_offset_minutes())
        return Booted(clock_step=shown, clock_behind=behind)

    def check(self) -> bool:
        """Between two keys: follow the wall clock on its course (firmware/clock_watch.py).

        A step holds every record and tells the display; the clock set right
        again ends it (journaled, JET 910, when it was beyond the bound).
        Returns True when the display was told of a change.
        """
        terminal = self.terminal
        if terminal.state.mode == MODE_HALTED:
            return False
        clock = terminal.board.clock
        wall, mono = clock.now_utc(), clock.monotonic_ms()
        last_time = terminal.ledger.state.last_time
        ended = self.watch.check(wall, mono, last_time)
        if ended is not None and abs(ended.seconds) > RUNNING_STEP_S:
            text = step_text(ended, clock.utc_offset_minutes(), confirmed=False)
            terminal.journal_event(codes.JET_CLOCK_STEP, text)
        step = self.watch.step
        told = (step, step is not None and wall < last_time)
        if told == self.told:  # the usual case: the offset (a time-zone lookup) not read
            return False
        self.told = told
        if step is not None:
            shown = step_screen(step, clock.utc_offset_minutes())
            terminal.dispatch(ClockStepped(shown, behind=told[1]))
        else:
            terminal.dispatch(ClockSettled() if terminal.started else self._start_held())
        return True

    def confirm(self, effect: CommitClockStep) -> Event:
        """Journal the step waiting (JET 910) and the manager's confirmation (JET 911)."""
        terminal = self.terminal
        clock = terminal.board.clock
        wall, mono, offset = clock.now_utc(), clock.monotonic_ms(), clock.utc_offset_minutes()
        step = self.watch.step
        if step is None or wall < terminal.ledger.state.last_time:
            return CommitRefused("CLOCK_BEHIND", "the clock is before the last record's time")
        before = copy.copy(self.watch)
        self.watch.confirm(wall, mono)
        operator = terminal.config.operator(effect.operator_id)
        who = f"{ROLE_NAMES[operator.role]} {operator.id} {operator.name}" if operator else ""
        confirmation = f"heure confirmee par {who}: {local_date_time(wall, offset)}"
        outcome: Event = CommitRefused("WRITE_FAILED", "not journaled")
        for jet in (
            CommitJet(0, codes.JET_CLOCK_STEP, step_text(step, offset, confirmed=True)),
            CommitJet(effect.operator_id, codes.JET_CLOCK_CONFIRMED, confirmation[:200]),
        ):
            outcome = terminal.commit_jet(jet)
            if isinstance(outcome, CommitRefused):  # still to confirm, as before
                self.watch = before
                return outcome
        self.told = (None, False)
        return outcome if terminal.started else self._start_held()

    def _start_held(self) -> Event:
        """Start up after a clock step held it; a start-up that cannot be journaled halts."""
        try:
            return self.terminal.start_up()
        except BootError:
            return Halted("demarrage impossible")
