"""Releasing an integrity alarm: the technician's act, journaled, never a repair.

After an integrity alarm (JET 90: the journal and the monotonic counter
disagree, or the journal failed its self-test) the terminal refuses to work
until a technician has looked. Releasing it does not touch any record: it
appends a JET 91 naming the technician and the reason, whose amount is the
counter's value from then on. A counter ahead of the journal (records were
removed) cannot go back: the difference is kept as the counter's offset
(``LedgerState.counter_base``), and the JET 90 / 91 pair stays in the
journal for every inspector to see.
"""

from __future__ import annotations

from pathlib import Path

from firmware.journal import Journal, JournalError
from firmware.runner import BootError, recover
from fiscal_core import codes
from fiscal_core.errors import FiscalError
from hal.clock.system import SystemClock
from hal.counter import CounterError
from simulator.datadir import DataDir, DataDirError


class ReleaseError(Exception):
    """The alarm cannot be released; the message says why. Nothing was written."""


def release_alarm(data: Path, technician: str, reason: str) -> str:
    """Release the integrity alarm of the terminal in ``data``; return what was journaled.

    Raises ReleaseError when there is no alarm, when the journal itself does
    not verify (then there is nothing a release could vouch for), or when
    the technician's name or the reason is missing.
    """
    if not technician.strip() or not reason.strip():
        raise ReleaseError("the technician's name and the reason are both required")
    try:
        opened = DataDir(data).open()
    except DataDirError as exc:
        raise ReleaseError(f"{exc.code}: {exc.message}") from None
    try:
        journal = Journal.mount(opened.flash)
        ledger = recover(journal, opened.config, opened.signer)
        if not ledger.state.integrity_alarm:
            raise ReleaseError("this terminal has no integrity alarm to release")
        seq = ledger.state.seq + 1  # the JET 91 about to be written
        counter = max(opened.counter.value(), seq)
        clock = SystemClock(opened.config.timezone)
        text = f"alarme levee par {technician}: {reason}"
        sealed = ledger.seal_jet(
            time_utc=clock.now_utc(),
            utc_offset=clock.utc_offset_minutes(),
            operator_id=0,
            code=codes.JET_INTEGRITY_CLEARED,
            text=text,
            amount=counter,
        )
        journal.append(sealed.encoded)
        ledger.accept(sealed)
        opened.counter.advance_to(counter)
    except (BootError, JournalError, FiscalError, CounterError) as exc:
        raise ReleaseError(str(exc)) from None
    finally:
        opened.close()
    return f"JET 91 n° {sealed.record.number}: {text} (compteur {counter})"
