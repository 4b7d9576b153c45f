"""The clock's expected course: what is a step, at start-up and while running."""

from __future__ import annotations

import pytest

from firmware.clock_watch import (
    BOOT_STEP_S,
    RUNNING_STEP_S,
    ClockStep,
    ClockWatch,
    step_screen,
    step_size,
    step_text,
)

T0 = 1_767_225_600  # 2026-01-01T00:00:00Z, 01:00 in Paris


def test_on_course_is_no_step_and_a_small_drift_is_tolerated() -> None:
    watch = ClockWatch(T0, 5_000)
    assert watch.check(T0 + 3600 + RUNNING_STEP_S, 3_605_000, T0) is None
    assert watch.step is None


def test_a_jump_against_the_monotonic_clock_is_a_step_until_set_right() -> None:
    watch = ClockWatch(T0, 0)
    assert watch.check(T0 + 10 + 7200, 10_000, T0) is None
    assert watch.step is not None
    assert (watch.step.before, watch.step.seconds, watch.step.at_boot) == (T0 + 10, 7200, False)
    first = watch.step
    assert watch.check(T0 + 20 + 7200, 20_000, T0) is None  # still on the stepped course
    assert watch.step is first
    ended = watch.check(T0 + 30, 30_000, T0)  # set right
    assert ended is first and watch.step is None


def test_the_clock_set_again_while_a_step_waits_is_a_new_step() -> None:
    watch = ClockWatch(T0, 0)
    watch.check(T0 + 7200, 0, T0)
    first = watch.step
    watch.check(T0 + 3 * 86400, 1_000, T0)
    assert watch.step is not first and watch.step is not None
    assert watch.step.after == T0 + 3 * 86400


def test_a_clock_before_the_last_record_is_a_step_even_on_course() -> None:
    watch = ClockWatch(T0, 0)
    watch.check(T0 + 5, 5_000, T0 + 6)  # the last record is a second ahead
    assert watch.step is not None
    assert watch.check(T0 + 7, 7_000, T0 + 6) is not None  # caught up: set right


def test_a_confirmed_time_is_the_new_course() -> None:
    watch = ClockWatch(T0, 0)
    watch.check(T0 + 86400, 0, T0)
    watch.confirm(T0 + 86400, 0)
    assert watch.step is None
    assert watch.check(T0 + 86400 + 60, 60_000, T0) is None and watch.step is None


@pytest.mark.parametrize(
    ("wall", "stepped"),
    [
        (T0 - 1, True),  # before the last record
        (T0, False),
        (T0 + 21 * 86400, False),  # three weeks of holidays
        (T0 + BOOT_STEP_S, False),
        (T0 + BOOT_STEP_S + 1, True),
        (T0 + 365 * 86400, True),  # a wrong year
    ],
)
def test_at_start_up_the_evidence_is_the_last_record(wall: int, stepped: bool) -> None:
    watch = ClockWatch.at_boot(T0, wall, 123_000)
    assert (watch.step is not None) == stepped
    if watch.step is not None:
        assert (watch.step.before, watch.step.after, watch.step.at_boot) == (T0, wall, True)


def test_after_a_start_up_on_course_the_monotonic_clock_takes_over() -> None:
    watch = ClockWatch.at_boot(T0, T0 + 21 * 86400, 0)
    assert watch.slack == 0
    watch.check(T0 + 21 * 86400 + 600, 1_000, T0)  # ten minutes more in a second
    assert watch.step is not None and watch.step.at_boot is False


def test_a_new_terminal_has_no_evidence_against_its_clock() -> None:
    assert ClockWatch.at_boot(0, T0, 0).step is None


def test_the_step_as_the_display_and_the_journal_show_it() -> None:
    step = ClockStep(T0, T0 + 41 * 86400 + 3 * 3600, 0, at_boot=True)
    assert step_screen(step, 60) == "11/02/26 04:00 +41J"
    assert [step_size(s) for s in (7200, -3900, 180, -59)] == ["+2H00", "-1H05", "+3MIN", "-0MIN"]
    back = ClockStep(T0 + 7200, T0, 0, at_boot=False)
    assert step_text(back, 60, confirmed=True) == (
        "saut d'horloge de -7200 s (en marche): 01/01/2026 03:00:00 -> 01/01/2026 01:00:00"
        " (UTC+01:00)"
    )
    assert step_text(back, 60, confirmed=False).endswith(", non confirme: horloge remise a l'heure")
