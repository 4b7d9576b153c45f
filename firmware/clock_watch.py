"""Where the wall clock should be, and a step of it that waits for a manager.

Every record is stamped with the wall clock, and no record may be earlier
than the last one: a time stamped too far ahead can never be taken back
(the terminal would refuse to record until that time came). So a step of
the clock is held *before* anything is stamped with it: nothing is recorded
until a manager confirms the new time (then JET 910 and 911 are journaled)
or the clock is set right again (then JET 910 says so).

The evidence differs with the terminal's state:
- while running, the monotonic clock says how much time really passed: a
  wall clock more than ``RUNNING_STEP_S`` off that course is a step;
- at start-up nothing measured the time switched off, so the only evidence
  is the last record's time: a clock before it is a step back (nothing can
  be stamped), and a clock more than ``BOOT_STEP_S`` after it is a step
  forward to confirm. Five weeks is longer than a shop's annual leave in
  France, so a shop closed for its holidays restarts without asking, while a
  wrong year (the common setting mistake, or an RTC losing its date) is
  caught. A start-up is itself a record (JET 80), so the last record's time
  is never before the previous start-up's.

Pure: the runner reads the clock and passes the readings in.
"""

from __future__ import annotations

from fiscal_core.civil import local_date_time, split_time

RUNNING_STEP_S = 120  # a wall-clock jump beyond this, against the monotonic clock, is a step
BOOT_STEP_S = 35 * 86400  # at start-up: further ahead of the last record than this is a step


class ClockStep:
    """A step of the wall clock: where it should have been, and where it was read."""

    __slots__ = ("after", "at_boot", "before", "mono_ms")

    def __init__(self, before: int, after: int, mono_ms: int, at_boot: bool) -> None:
        self.before = before  # the expected wall time (at start-up: from the last record's time)
        self.after = after  # the wall time read, at the monotonic instant ``mono_ms``
        self.mono_ms = mono_ms
        self.at_boot = at_boot

    @property
    def seconds(self) -> int:
        return self.after - self.before

    def on_course(self, wall: int, mono_ms: int) -> bool:
        """Return True when ``wall`` follows on from this step (the clock was not set again)."""
        return abs(wall - self.after - (mono_ms - self.mono_ms) // 1000) <= RUNNING_STEP_S


class ClockWatch:
    """The wall clock's expected course, from a time known right at a monotonic instant."""

    def __init__(self, wall: int, mono_ms: int, slack: int = 0) -> None:
        self.anchor = (wall, mono_ms)
        self.slack = slack  # how much further ahead the clock may legitimately be (start-up)
        self.step: ClockStep | None = None  # seen, neither confirmed nor set right yet

    @classmethod
    def at_boot(cls, last_time: int, wall: int, mono_ms: int) -> ClockWatch:
        """Start watching at start-up: ``last_time`` is the last record's (0: none yet)."""
        if last_time == 0:  # a new terminal: no evidence against its clock
            return cls(wall, mono_ms)
        watch = cls(last_time, mono_ms, BOOT_STEP_S)
        watch.check(wall, mono_ms, last_time)
        return watch

    def expected(self, mono_ms: int) -> int:
        """Return the wall time the anchor and the monotonic clock predict now."""
        wall, mono0 = self.anchor
        return wall + (mono_ms - mono0) // 1000

    def in_line(self, wall: int, mono_ms: int, last_time: int) -> bool:
        """Return True when ``wall`` may be stamped: on course, and not before the last record."""
        expected = self.expected(mono_ms)
        if self.slack:  # start-up: anywhere from the last record to the slack after it
            return expected <= wall <= expected + self.slack
        return wall >= last_time and abs(wall - expected) <= RUNNING_STEP_S

    def check(self, wall: int, mono_ms: int, last_time: int) -> ClockStep | None:
        """Compare a reading with the course; return a step the clock was just set right from.

        A reading off course starts a step (kept in ``step`` until confirmed
        or set right; a new one if the clock is set again meanwhile, so that a
        manager confirms the time the display shows); a reading back on course
        ends it, and the ended step is returned so that it can be journaled.
        A reading on course re-anchors a start-up watch on the monotonic clock.
        """
        if not self.in_line(wall, mono_ms, last_time):
            if self.step is None or not self.step.on_course(wall, mono_ms):
                before = self.expected(mono_ms)
                self.step = ClockStep(before, wall, mono_ms, at_boot=bool(self.slack))
            return None
        ended, self.step = self.step, None
        if self.slack:
            self.confirm(wall, mono_ms)
        return ended

    def confirm(self, wall: int, mono_ms: int) -> None:
        """Take ``wall`` as right from now on (a manager confirmed it, or it is on course)."""
        self.anchor = (wall, mono_ms)
        self.slack = 0
        self.step = None


def step_size(seconds: int) -> str:
    """Return a step's size as the display shows it: ``+41J``, ``-1H05``, ``+3MIN``."""
    sign = "-" if seconds < 0 else "+"
    minutes = abs(seconds) // 60
    if minutes >= 24 * 60:
        return f"{sign}{minutes // (24 * 60)}J"
    if minutes >= 60:
        return f"{sign}{minutes // 60}H{minutes % 60:02d}"
    return f"{sign}{minutes}MIN"


def step_screen(step: ClockStep, offset_minutes: int) -> str:
    """Return the display line of a step: new local time and size, ``20/11/25 09:00 +41J``."""
    y, mo, d, h, mi, _ = split_time(step.after + offset_minutes * 60)
    return f"{d:02d}/{mo:02d}/{y % 100:02d} {h:02d}:{mi:02d} {step_size(step.seconds)}"[:20]


def step_text(step: ClockStep, offset_minutes: int, confirmed: bool) -> str:
    """Return the JET 910 text: the size, the evidence, before and after at today's offset.

    Both times at the offset in force now, and said so: the time before may
    be on the other side of a change to or from summer time.
    """
    sign = "+" if step.seconds > 0 else ""
    where = "depuis le dernier enregistrement" if step.at_boot else "en marche"
    before = local_date_time(step.before, offset_minutes)
    after = local_date_time(step.after, offset_minutes)
    hours, minutes = divmod(abs(offset_minutes), 60)
    zone = f"UTC{'-' if offset_minutes < 0 else '+'}{hours:02d}:{minutes:02d}"
    outcome = "" if confirmed else ", non confirme: horloge remise a l'heure"
    return (
        f"saut d'horloge de {sign}{step.seconds} s ({where}): {before} -> {after} ({zone}){outcome}"
    )
