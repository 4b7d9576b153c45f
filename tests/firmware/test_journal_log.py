"""The journal's log under power cuts and damage: torn frames skipped, anything else refused.

A cut during an append may leave a torn frame at the end of the log; a
reader skips it (it was never acknowledged), the next append starts at the
next block boundary after it, and the inspector reads the same segments.
Any other damage is corruption.
"""

from __future__ import annotations

import pytest

from firmware.flash_fs import filesystem
from firmware.journal import CorruptFrameError, Journal, JournalError
from firmware.log_blocks import decode_header
from firmware.partitions import read_table
from hal.flash.emulated import TORN_MODELS, EmulatedFlash
from hal.flash.ram import RamFlash
from hal.ports import FlashGeometry
from tests.firmware.log_edit import alter_record, frames_of, relay
from tools.inspect.image import read_image

CHIP = FlashGeometry(read_size=1, prog_size=1, block_size=4096, block_count=32)
BEFORE = [bytes([65 + i]) * 1000 for i in range(3)]  # 3,018 bytes of frames in block 0
SPANNING = b"S" * 2500  # runs from block 0 into block 1


def recorded() -> tuple[EmulatedFlash, int]:
    """A chip holding BEFORE, then SPANNING appended on it; the op count before SPANNING."""
    ram = RamFlash(CHIP)
    journal = Journal.create(ram, b"identity")
    for record in BEFORE:
        journal.append(record)
    flash = EmulatedFlash(CHIP, ram.snapshot())
    Journal.mount(flash).append(SPANNING)
    assert flash.op_count == 2  # the tail of block 0, then block 1 (no frame starts there)
    return flash, 0


def images_of_cuts() -> list[tuple[str, bytes]]:
    flash, _ = recorded()
    cuts = [("cut-after-1", flash.image_after(1)), ("unsynced-2", flash.image_unsynced(2, 5))]
    for k in (1, 2):
        for model in TORN_MODELS:
            for seed in range(3):
                cuts.append((f"torn-{k}-{model}-{seed}", flash.image_torn(k, model, seed)))
    return cuts


@pytest.mark.parametrize(
    "name, image", images_of_cuts(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_a_frame_torn_across_a_block_boundary_is_skipped_and_the_log_goes_on(
    name: str, image: bytes
) -> None:
    flash = RamFlash(CHIP, image)
    journal = Journal.mount(flash)
    found = list(journal.records())
    assert found in (BEFORE, [*BEFORE, SPANNING]), name  # never a torn record
    if found == BEFORE and journal.torn is not None:
        torn = journal.torn
        assert (torn.seq, torn.block, torn.segment) == (4, 0, 1) and torn.bytes > 0
        assert "trame interrompue ecartee: bloc 0 octet 3034" in torn.describe()
    journal.append(b"next")
    again = Journal.mount(RamFlash(CHIP, flash.snapshot()))
    assert list(again.records()) == [*found, b"next"]
    assert again.record_at(len(found) + 1) == b"next"
    assert again.torn is None  # the torn frame is no longer at the end: journaled once
    contents = read_image(flash.snapshot())
    assert [s.data for s in contents.segments] == [again.segment_data(1)]
    assert not contents.log_problems
    if found == BEFORE and journal.torn is not None:
        assert len(contents.log_notes) == 1 and "écartée" in contents.log_notes[0]
        log = read_table(flash).log  # "next" opened the block after the torn bytes, at its start
        headers = [decode_header(log.read(block, 0, 16)) for block in (1, 2)]
        assert any(h is not None and (h.seq, h.start) == (4, 16) for h in headers)


def test_a_damaged_frame_followed_by_records_is_corruption() -> None:
    flash = RamFlash(CHIP)
    journal = Journal.create(flash, b"identity")
    for record in [*BEFORE, SPANNING, b"after"]:
        journal.append(record)
    alter_record(flash, 1, 500)
    with pytest.raises(CorruptFrameError):
        list(Journal.mount(flash).records())
    contents = read_image(flash.snapshot())
    assert not contents.log_notes  # the inspector keeps the frame: its check names it


def test_a_damaged_last_frame_has_the_shape_of_a_torn_one() -> None:
    # Nothing after it: a cut during its append or damage look alike; the boot journals it
    # (JET 936) and the monotonic counter, ahead by one, says whether it was acknowledged.
    flash = RamFlash(CHIP)
    journal = Journal.create(flash, b"identity")
    for record in BEFORE:
        journal.append(record)
    alter_record(flash, 2, 500)
    again = Journal.mount(flash)
    assert list(again.records()) == BEFORE[:2] and again.torn is not None
    assert "dernière trame incomplète" in read_image(flash.snapshot()).log_notes[0]


def test_a_block_header_that_disagrees_with_its_frame_is_corruption() -> None:
    flash = RamFlash(CHIP)
    journal = Journal.create(flash, b"identity")
    for i in range(12):
        journal.append(bytes([i]) * 1500)
    log = read_table(flash).log
    block = bytearray(log.read(2, 0, CHIP.block_size))
    block[1] ^= 0x01  # the seq of the first frame of block 2, CRC recomputed by nobody
    log.erase(2)
    log.program(2, 0, bytes(block))
    with pytest.raises(CorruptFrameError):
        list(Journal.mount(flash).records())
    assert read_image(flash.snapshot()).log_problems


def test_a_chip_without_a_valid_partition_table_mounts_nothing() -> None:
    with pytest.raises(JournalError) as err:
        Journal.mount(RamFlash(CHIP))
    assert err.value.code == "NO_FILESYSTEM"
    flash = RamFlash(CHIP)
    Journal.create(flash, b"identity")
    table = bytearray(flash.read(0, 0, 64))
    table[20] ^= 0x01
    flash.erase(0)
    flash.program(0, 0, bytes(table))
    with pytest.raises(JournalError) as err:
        Journal.mount(flash)
    assert err.value.code == "NO_FILESYSTEM" and "CRC" in str(err.value)


def test_a_chip_of_the_former_layout_is_named_as_such_and_left_as_it_is() -> None:
    flash = RamFlash(CHIP)
    fs = filesystem(flash)  # the former layout: littlefs over the whole chip
    fs.format()
    before = flash.snapshot()
    with pytest.raises(JournalError) as err:
        Journal.mount(flash)
    assert err.value.code == "NO_FILESYSTEM" and "former layout" in str(err.value)
    assert flash.snapshot() == before


def test_a_relaid_log_reads_back_the_same_frames() -> None:
    flash = RamFlash(CHIP)
    journal = Journal.create(flash, b"identity")
    for record in [*BEFORE, SPANNING]:
        journal.append(record)
    frames = frames_of(flash)
    relay(flash, frames)
    assert frames_of(flash) == frames


class FailingFlash(RamFlash):
    """A chip whose next program or sync fails with an I/O error, once armed."""

    fail_at = ""  # "program" or "sync"

    def _program(self, block: int, off: int, data: bytes) -> None:
        if self.fail_at == "program":
            raise OSError(5, "Input/output error")
        super()._program(block, off, data)

    def _sync(self) -> None:
        if self.fail_at == "sync":
            raise OSError(5, "Input/output error")
        super()._sync()


@pytest.mark.parametrize("fail_at", ["program", "sync"])
def test_after_a_flash_failure_the_log_takes_no_append_until_it_is_mounted_again(
    fail_at: str,
) -> None:
    flash = FailingFlash(CHIP)
    journal = Journal.create(flash, b"identity")
    first, second, third = b"\x01" * 40, b"\x02" * 50, b"\x03" * 60
    journal.append(first)
    journal.append(second)
    flash.fail_at = fail_at
    with pytest.raises(JournalError) as err:
        journal.append(third)
    assert err.value.code == "WRITE_FAILED"
    flash.fail_at = ""  # the chip works again, but the log does not know what reached it
    with pytest.raises(JournalError) as err:
        journal.append(third)
    assert err.value.code == "WRITE_FAILED" and "flash failure" in str(err.value)
    again = Journal.mount(flash)  # what reached the flash is for the mount to read
    held = list(again.records())
    # A failed program wrote nothing; a failed sync leaves the programmed frame, which
    # was never acknowledged: the next boot reads it (and offers its ticket for printing).
    assert held == ([first, second] if fail_at == "program" else [first, second, third])
    again.append(b"\x04" * 30)
    assert list(Journal.mount(flash).records()) == [*held, b"\x04" * 30]
