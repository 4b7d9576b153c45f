"""The technician's backup and restore of a terminal's data directory (``fiscal-flash``).

Same code path as the keypad's functions 18 and 19 (firmware/restore.py):
the backup's JET 940 is journaled first, then the file written; a restore
checks everything before writing, appends the missing records verbatim and
journals JET 942, or journals the refusal (JET 941) and changes nothing
else. The technician's restore is the one for a terminal whose flash was
replaced: ``--new-flash`` provisions a blank image with the terminal's key
and identity (its counter, on the board, survived), and the backup made
just before the old flash failed brings every record back.
"""

from __future__ import annotations

import os
from pathlib import Path

from firmware.backup_file import BackupError, backup_name
from firmware.journal import Journal, JournalError
from firmware.provision import provision
from firmware.recovery import BootError, recover
from firmware.restore import apply, check, done_text, finish, snapshot
from fiscal_core import codes
from fiscal_core.ed25519 import SEED_BYTES, Ed25519Signer
from fiscal_core.errors import FiscalError
from fiscal_core.ledger import Ledger
from fiscal_core.records import Record
from hal.clock.system import SystemClock
from hal.counter import CounterError
from hal.flash.file import FileFlash
from hal.ports import StorageError
from hal.storage.directory import DirectoryStorage
from simulator.datadir import DataDir, DataDirError, Opened


class BackupToolError(Exception):
    """The backup or the restore could not be done; the message says why."""


def backup(data: Path, out: Path | None) -> str:
    """Journal a backup (JET 940) of the terminal in ``data`` and write it; return what was done.

    ``out`` is the file (default: the backup's own name in the current
    directory). A write that fails is journaled (JET 943) and raised.
    """
    opened = _open(data)
    try:
        journal, ledger = _recovered(opened)
        writer = _Writer(opened, journal, ledger)
        name = backup_name(ledger.terminal_id, ledger.state.seq + 1)
        announced = writer.jet(codes.JET_BACKUP, name)
        clock = SystemClock(opened.config.timezone)
        _, zipped = snapshot(
            journal,
            opened.signer,
            record_count=announced.seq,
            last_signature=announced.signature,
            counter=opened.counter.value(),
            time_utc=clock.now_utc(),
            utc_offset=clock.utc_offset_minutes(),
        )
        target = out if out is not None else Path(name)
        try:
            DirectoryStorage(target.parent if str(target.parent) else ".").write(
                target.name, zipped
            )
        except StorageError as exc:
            writer.jet(codes.JET_BACKUP_FAILED, f"sauvegarde {name} non ecrite: {exc}"[:200])
            raise BackupToolError(f"{target}: {exc} (journaled, JET 943)") from None
    except (JournalError, FiscalError, CounterError) as exc:
        raise BackupToolError(str(exc)) from None
    finally:
        opened.close()
    return f"JET 940 n° {announced.number}: {target} ({announced.seq} enregistrements)"


def restore(data: Path, backup_file: Path, *, new_flash: bool = False) -> str:
    """Restore ``backup_file`` onto the terminal in ``data``; return what was journaled.

    Raises BackupToolError when the restore was refused (journaled, JET 941)
    or could not be attempted (nothing written then).
    """
    try:
        zipped = backup_file.read_bytes()
    except OSError as exc:
        raise BackupToolError(f"cannot read {backup_file}: {exc.strerror}") from None
    if new_flash:
        _provision_blank(DataDir(data))
    elif not DataDir(data).flash_path.exists():
        raise BackupToolError(
            f"{DataDir(data).flash_path} is missing: for a replaced flash, run again with"
            " --new-flash (it provisions a blank image with the terminal's key first)"
        )
    opened = _open(data)
    try:
        try:
            journal = Journal.mount(opened.flash)
            checked = check(zipped, journal, opened.config, opened.counter.value())
        except BackupError as exc:
            try:
                ledger = recover(journal, opened.config, opened.signer)
            except BootError as boot:
                raise BackupToolError(f"refused ({exc}); not journaled: {boot}") from None
            record = _Writer(opened, journal, ledger).jet(
                codes.JET_RESTORE_REFUSED, f"restauration refusee {exc.code}: {exc.reason}"[:200]
            )
            raise BackupToolError(
                f"refused: {exc.reason} (journaled, JET 941 n° {record.number})"
            ) from None
        apply(journal, checked)
        ledger = Ledger(opened.config.terminal_id, opened.signer, checked.state)
        writer = _Writer(opened, journal, ledger)
        if not checked.done:
            writer.jet(codes.JET_RESTORE_DONE, done_text(checked))
        writer.catch_up_counter()
        finish(journal)
    except (JournalError, FiscalError, CounterError) as exc:
        raise BackupToolError(str(exc)) from None
    finally:
        opened.close()
    return f"JET 942: {done_text(checked)} ({len(checked.records)} enregistrements)"


class _Writer:
    """Seals, appends and counts JET lines on a terminal that is not running."""

    def __init__(self, opened: Opened, journal: Journal, ledger: Ledger) -> None:
        self.opened = opened
        self.journal = journal
        self.ledger = ledger

    def jet(self, code: int, text: str) -> Record:
        clock = SystemClock(self.opened.config.timezone)
        sealed = self.ledger.seal_jet(
            time_utc=clock.now_utc(),  # a clock behind the journal: CLOCK_BEHIND, nothing written
            utc_offset=clock.utc_offset_minutes(),
            operator_id=0,
            code=code,
            text=text,
        )
        self.journal.append(sealed.encoded)
        self.ledger.accept(sealed)
        self.catch_up_counter()
        return sealed.record

    def catch_up_counter(self) -> None:
        """Advance the counter to the journal, never back (a counter ahead is evidence)."""
        state = self.ledger.state
        if state.seq + state.counter_base > self.opened.counter.value():
            self.opened.counter.advance_to(state.seq + state.counter_base)


def _open(data: Path) -> Opened:
    try:
        return DataDir(data).open()
    except DataDirError as exc:
        raise BackupToolError(f"{exc.code}: {exc.message}") from None


def _recovered(opened: Opened) -> tuple[Journal, Ledger]:
    try:
        journal = Journal.mount(opened.flash)
        return journal, recover(journal, opened.config, opened.signer)
    except (BootError, JournalError) as exc:
        raise BackupToolError(f"the terminal's journal does not verify: {exc}") from None


def _provision_blank(datadir: DataDir) -> None:
    """Make ``flash.img`` a blank provisioned image for the terminal's key (replaced flash)."""
    if datadir.flash_path.exists():
        raise BackupToolError(f"{datadir.flash_path} exists: --new-flash is for a replaced flash")
    if not (datadir.path / "counter.bin").exists():
        raise BackupToolError("no counter.bin: the board's counter is what a restore checks")
    try:
        config = datadir.load_config()
        seed = datadir.key_path.read_bytes()
        if len(seed) != SEED_BYTES:
            raise BackupToolError(f"{datadir.key_path} is not an Ed25519 seed")
        signer = Ed25519Signer(seed)
        new = datadir.flash_path.with_name(datadir.flash_path.name + ".new")
        new.unlink(missing_ok=True)
        with FileFlash.open(new, create=True) as flash:
            provision(flash, config, signer)
            flash.sync()
        os.replace(new, datadir.flash_path)
    except (DataDirError, OSError) as exc:
        raise BackupToolError(f"cannot provision a new flash image: {exc}") from None
