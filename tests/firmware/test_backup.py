"""Backup and restore of the fiscal memory: the file, the keypad functions, every refusal.

A refusal is journaled (JET 941, its reason) and changes nothing else: the
records before it are byte for byte those before the attempt, and no side
file appears. A restore adds the missing records verbatim and journals
JET 942 after it.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import replace

import pytest

from firmware.backup_file import MANIFEST_MEMBER, BackupError, backup_name, read_backup
from firmware.config import Operator
from firmware.demo import DEMO_CONFIG
from firmware.journal import FRAME_OVERHEAD, RESTORE_PATH, Journal, encode_frame
from firmware.keys import parse_key_script
from firmware.provision import provision
from firmware.restore import apply, check, done_text, finish
from firmware.runner import BootError, Terminal
from fiscal_core import codes
from fiscal_core.backup import BackupManifest
from fiscal_core.ed25519 import Ed25519Signer
from fiscal_core.identity import Identity
from fiscal_core.ledger import Ledger
from fiscal_core.records import JetBody, Record
from hal.board import Board
from hal.clock.fake import FAKE_CLOCK_START_UTC, FakeClock
from hal.counter.fake import FakeCounter
from hal.display.fake import FakeDisplay
from hal.drawer.fake import FakeCashDrawer
from hal.flash.ram import RamFlash
from hal.keypad.fake import FakeKeypad
from hal.ports import FlashGeometry
from hal.printer.fake import FakePrinter
from hal.storage.fake import FakeStorage

SIGNER = Ed25519Signer(bytes(range(1, 33)))
OTHER = Ed25519Signer(bytes(range(2, 34)))
CONFIG = replace(
    DEMO_CONFIG, operators=(*DEMO_CONFIG.operators, Operator(4, "Alix", "4444", "admin"))
)
GEOMETRY = FlashGeometry(16, 16, 4096, 64)
MANAGER = "1 ENTER 1234 ENTER"
ADMIN = "4 ENTER 4444 ENTER"
SALE = "15000 ENTER 2 X 2 PLU 1 PLU 695 DEPT3 2000 CASH"
IDENTITY = Identity(CONFIG.terminal_id, SIGNER.public_key)


def new_flash() -> RamFlash:
    chip = RamFlash(GEOMETRY)
    provision(chip, CONFIG, SIGNER)
    return chip


def board(
    flash: RamFlash, counter: FakeCounter, storage: FakeStorage | None, later_s: int = 0
) -> Board:
    return Board(
        keypad=FakeKeypad([]),
        display=FakeDisplay(),
        drawer=FakeCashDrawer(),
        printer=FakePrinter(),
        flash=flash,
        clock=FakeClock(FAKE_CLOCK_START_UTC + later_s),
        counter=counter,
        storage=storage,
    )


def press(terminal: Terminal, keys: str) -> tuple[str, str]:
    for key in parse_key_script(keys):
        terminal.press(key)
    return terminal.board.display.text  # type: ignore[attr-defined,no-any-return]


def raw_records(flash: RamFlash) -> list[bytes]:
    return list(Journal.mount(flash).records())


def jets(flash: RamFlash) -> list[JetBody]:
    bodies = [Record.decode(r).body for r in raw_records(flash)]
    return [b for b in bodies if isinstance(b, JetBody)]


class Made:
    """A terminal that sold, made a backup on its stick, and the flash, counter and stick."""

    def __init__(self) -> None:
        self.flash = new_flash()
        self.counter = FakeCounter()
        self.storage = FakeStorage()
        self.terminal = Terminal.boot(board(self.flash, self.counter, self.storage), CONFIG, SIGNER)
        press(self.terminal, f"{MANAGER} {SALE}")
        self.screen = press(self.terminal, "18 FUNC")
        (self.name,) = self.storage.files
        self.data = self.storage.files[self.name]
        self.records = raw_records(self.flash)


@pytest.fixture
def made() -> Made:
    return Made()


def test_backup_journals_first_then_writes_everything_up_to_its_jet(made: Made) -> None:
    last = Record.decode(made.records[-1])
    assert isinstance(last.body, JetBody) and last.body.code == codes.JET_BACKUP
    assert last.body.text == made.name == backup_name(CONFIG.terminal_id, last.seq)
    assert made.screen == ("SAUVEGARDE FAITE", f"N° {last.seq}")
    contents = read_backup(made.data, IDENTITY)
    assert contents.manifest.record_count == last.seq == made.counter.value()
    assert contents.manifest.last_signature == last.signature
    journal = Journal.mount(made.flash)
    segments = [(p, journal.segment_data(i)) for i, p in enumerate(journal.segments(), 1)]
    assert contents.segments() == segments  # verbatim
    assert contents.identity == journal.identity()
    assert dict(contents.side_files()) == {p: journal.read_file(p) for p in journal.side_files()}
    with zipfile.ZipFile(io.BytesIO(made.data)) as archive:
        assert archive.namelist()[0] == MANIFEST_MEMBER
        assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_STORED}


def test_a_backup_without_a_stick_is_journaled_as_failed(made: Made) -> None:
    made.storage.plugged = False
    screen = press(made.terminal, "CLEAR 18 FUNC")
    assert screen == ("SAUVEGARDE ECHOUEE", "cle USB absente")
    announced, failed = jets(made.flash)[-2:]
    assert announced.code == codes.JET_BACKUP and failed.code == codes.JET_BACKUP_FAILED
    assert failed.text.startswith(f"sauvegarde {announced.text} non ecrite")
    made.storage.plugged, made.storage.failing = True, True
    assert press(made.terminal, "CLEAR 18 FUNC")[0] == "SAUVEGARDE ECHOUEE"
    assert jets(made.flash)[-1].code == codes.JET_BACKUP_FAILED


def test_only_managers_back_up_and_only_administrators_restore(made: Made) -> None:
    assert press(made.terminal, "LOGOUT 2 ENTER 2222 ENTER 18 FUNC")[1] == "NOT_ALLOWED"
    assert press(made.terminal, "CLEAR LOGOUT 1 ENTER 1234 ENTER 19 FUNC")[1] == "NOT_ALLOWED"


def restored_onto_new_flash(made: Made, data: bytes) -> tuple[RamFlash, Journal]:
    """The technician's case: a new flash, same identity, the board's counter kept."""
    flash = new_flash()
    journal = Journal.mount(flash)
    checked = check(data, journal, CONFIG, made.counter.value())
    apply(journal, checked)
    ledger = Ledger(CONFIG.terminal_id, SIGNER, checked.state)
    sealed = ledger.seal_jet(
        time_utc=FakeClock().now_utc() + 3600,
        utc_offset=60,
        operator_id=0,
        code=codes.JET_RESTORE_DONE,
        text=done_text(checked),
    )
    journal.append(sealed.encoded)
    finish(journal)
    made.counter.advance_to(sealed.record.seq)
    return flash, journal


def test_a_backup_restored_on_a_new_flash_boots_and_sales_go_on(made: Made) -> None:
    flash, _ = restored_onto_new_flash(made, made.data)
    assert raw_records(flash)[:-1] == made.records
    assert jets(flash)[-1].code == codes.JET_RESTORE_DONE
    terminal = Terminal.boot(board(flash, made.counter, None, 7200), CONFIG, SIGNER)
    assert not terminal.ledger.state.integrity_alarm
    press(terminal, f"{MANAGER} 10 PLU CASH")
    tickets = [Record.decode(r) for r in raw_records(flash)]
    assert [r.number for r in tickets if r.doc_type == codes.DOC_TICKET] == [1, 2]


def test_an_interrupted_restore_stops_the_boot_and_resumes_where_it_stopped(made: Made) -> None:
    flash = new_flash()
    journal = Journal.mount(flash)
    checked = check(made.data, journal, CONFIG, made.counter.value())
    journal.replace_file(RESTORE_PATH, checked.contents.digest.encode())
    for raw in made.records[:3]:  # the power failed after three appends
        journal.append(raw)
    with pytest.raises(BootError) as refused:
        Terminal.boot(board(flash, made.counter, None), CONFIG, SIGNER)
    assert refused.value.code == "RESTORE_UNFINISHED"
    again = check(made.data, Journal.mount(flash), CONFIG, made.counter.value())
    assert (again.present, again.missing) == (3, len(made.records) - 3)
    apply(Journal.mount(flash), again)
    assert raw_records(flash) == made.records


def refused(made: Made, data: bytes, code: str) -> None:
    """Run function 19 with ``data`` on the stick: refused, journaled, nothing else changed."""
    made.storage.files = {made.name: data}
    before = raw_records(made.flash)
    side = Journal.mount(made.flash).side_files()
    screen = press(made.terminal, "LOGOUT 4 ENTER 4444 ENTER 19 FUNC ENTER")
    after = raw_records(made.flash)
    assert screen == ("RESTAURATION REFUSEE", code)
    assert after[: len(before)] == before
    new = [Record.decode(r).body for r in after[len(before) :]]
    codes_after = [b.code for b in new if isinstance(b, JetBody)]
    assert codes_after == [codes.JET_LOGOUT, codes.JET_LOGIN, codes.JET_RESTORE_REFUSED]
    refusal = new[-1]
    assert isinstance(refusal, JetBody) and code in refusal.text
    assert Journal.mount(made.flash).side_files() == side


def rezip(data: bytes, change: dict[str, bytes], *, fix_manifest: bool) -> bytes:
    """Return ``data`` with members replaced; with ``fix_manifest`` the manifest is re-signed."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    members.update(change)
    if fix_manifest:
        manifest, _, _ = BackupManifest.open(members[MANIFEST_MEMBER])
        manifest.members = [
            (n, len(d), hashlib.sha256(d).digest())
            for n, d in members.items()
            if n != MANIFEST_MEMBER
        ]
        members[MANIFEST_MEMBER] = manifest.sign(SIGNER)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, member in members.items():
            archive.writestr(name, member)
    return buffer.getvalue()


SEGMENT = "fiscal/journal/00000001.log"


def segment_of(records: list[bytes]) -> bytes:
    return b"".join(encode_frame(r) for r in records)


def test_a_restore_on_a_running_terminal_is_refused_its_backup_is_older(made: Made) -> None:
    refused(made, made.data, "COUNTER_MISMATCH")


def test_a_backup_with_a_record_altered_is_refused(made: Made) -> None:
    records = list(made.records)
    altered = bytearray(records[4])
    altered[len(altered) // 2] ^= 0x01
    records[4] = bytes(altered)
    data = rezip(made.data, {SEGMENT: segment_of(records)}, fix_manifest=True)
    refused(made, data, "BAD_RECORD")


def test_a_backup_with_its_last_records_removed_is_refused(made: Made) -> None:
    data = rezip(made.data, {SEGMENT: segment_of(made.records[:-2])}, fix_manifest=True)
    refused(made, data, "BAD_RECORD")  # the manifest says how many there are


def test_a_backup_with_two_records_swapped_is_refused(made: Made) -> None:
    records = list(made.records)
    records[3], records[4] = records[4], records[3]
    data = rezip(made.data, {SEGMENT: segment_of(records)}, fix_manifest=True)
    refused(made, data, "BAD_RECORD")


def test_a_backup_whose_manifest_is_signed_by_another_key_is_refused(made: Made) -> None:
    with zipfile.ZipFile(io.BytesIO(made.data)) as archive:
        manifest, _, _ = BackupManifest.open(archive.read(MANIFEST_MEMBER))
    data = rezip(made.data, {MANIFEST_MEMBER: manifest.sign(OTHER)}, fix_manifest=False)
    refused(made, data, "BAD_SIGNATURE")


def test_a_backup_with_a_member_changed_after_signing_is_refused(made: Made) -> None:
    data = rezip(made.data, {SEGMENT: segment_of(made.records[:-1])}, fix_manifest=False)
    refused(made, data, "BAD_MEMBER")


def test_a_backup_of_another_terminal_is_refused(made: Made) -> None:
    other = Made.__new__(Made)
    other.flash = RamFlash(GEOMETRY)
    provision(other.flash, replace(CONFIG, terminal_id="AUTRE-0002"), OTHER)
    other.storage = FakeStorage()
    other_config = replace(CONFIG, terminal_id="AUTRE-0002")
    terminal = Terminal.boot(board(other.flash, FakeCounter(), other.storage), other_config, OTHER)
    press(terminal, f"{MANAGER} 18 FUNC")
    (data,) = other.storage.files.values()
    refused(made, data, "OTHER_TERMINAL")  # even under this terminal's file name


def test_a_stick_without_a_backup_of_this_terminal_is_a_refusal_journaled(made: Made) -> None:
    made.storage.files = {"SAUVEGARDE-AUTRE-0002-00000009.zip": made.data}
    screen = press(made.terminal, "LOGOUT 4 ENTER 4444 ENTER 19 FUNC ENTER")
    assert screen == ("RESTAURATION REFUSEE", "NOT_FOUND")
    assert jets(made.flash)[-1].code == codes.JET_RESTORE_REFUSED


def test_a_backup_that_is_not_a_zip_is_refused(made: Made) -> None:
    refused(made, b"PK\x03\x04 not really", "NOT_A_BACKUP")


def test_a_backup_ahead_of_the_counter_is_refused_on_a_new_flash(made: Made) -> None:
    with pytest.raises(BackupError) as error:
        check(made.data, Journal.mount(new_flash()), CONFIG, made.counter.value() - 1)
    assert error.value.code == "COUNTER_MISMATCH" and "en retard" in error.value.reason


def test_a_target_that_is_not_a_prefix_of_the_backup_is_refused(made: Made) -> None:
    flash = new_flash()
    Terminal.boot(board(flash, FakeCounter(), None, 5), CONFIG, SIGNER)  # its own records
    with pytest.raises(BackupError) as error:
        check(made.data, Journal.mount(flash), CONFIG, made.counter.value())
    assert error.value.code == "NOT_A_PREFIX"


def test_a_restore_right_after_the_backup_adds_nothing_and_is_journaled() -> None:
    admin = Made.__new__(Made)
    admin.flash, admin.counter, admin.storage = new_flash(), FakeCounter(), FakeStorage()
    terminal = Terminal.boot(board(admin.flash, admin.counter, admin.storage), CONFIG, SIGNER)
    press(terminal, f"{ADMIN} {SALE} 18 FUNC")
    before = raw_records(admin.flash)
    screen = press(terminal, "19 FUNC ENTER")
    assert screen == ("RESTAURATION FAITE", "0 ajoutes")
    after = raw_records(admin.flash)
    assert after[:-1] == before
    assert jets(admin.flash)[-1].code == codes.JET_RESTORE_DONE
    assert Journal.mount(admin.flash).read_file(RESTORE_PATH) is None
    assert admin.counter.value() == len(after)
    press(terminal, "10 PLU CASH")  # sales go on
    assert Record.decode(raw_records(admin.flash)[-1]).doc_type == codes.DOC_TICKET


def test_frames_of_the_backup_are_checked_by_their_crc(made: Made) -> None:
    segment = bytearray(segment_of(made.records))
    segment[2 + len(made.records[0]) + 1] ^= 0xFF  # the first frame's CRC
    data = rezip(made.data, {SEGMENT: bytes(segment)}, fix_manifest=True)
    with pytest.raises(BackupError) as error:
        check(data, Journal.mount(new_flash()), CONFIG, made.counter.value())
    assert error.value.code == "BAD_RECORD" and "trame" in error.value.reason
    assert FRAME_OVERHEAD == 6
