"""Flash backends beyond the contract: FileFlash's image file, RamFlash snapshots, a model."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hal.flash.contract import SIM_FLASH_GEOMETRY, CheckedFlash
from hal.flash.file import FileFlash
from hal.flash.partition import PartitionFlash
from hal.flash.ram import RamFlash
from hal.ports import FlashContractError, FlashGeometry

SMALL = FlashGeometry(read_size=4, prog_size=8, block_size=64, block_count=4)


def test_sim_geometry_is_4_mib_of_4_kib_blocks() -> None:
    g = SIM_FLASH_GEOMETRY
    assert (g.read_size, g.prog_size, g.block_size, g.block_count) == (1, 1, 4096, 1024)
    assert g.total_size == 4 * 1024 * 1024


def test_file_flash_creates_an_erased_image_of_the_geometry_size(tmp_path: Path) -> None:
    path = tmp_path / "flash.img"
    with FileFlash.open(path, SMALL, create=True):
        pass
    assert path.read_bytes() == b"\xff" * SMALL.total_size
    assert os.listdir(tmp_path) == ["flash.img"]  # no temporary file left behind


def test_file_flash_content_survives_close_and_reopen(tmp_path: Path) -> None:
    path = tmp_path / "flash.img"
    with FileFlash.open(path, SMALL, create=True) as flash:
        flash.program(2, 8, b"JOURNAL!")
        flash.erase(3)
        flash.sync()
    with FileFlash.open(path, SMALL) as flash:
        assert flash.read(2, 8, 8) == b"JOURNAL!"
        assert flash.read(2, 0, 8) == b"\xff" * 8
    # create=True on an existing image opens it as it is.
    with FileFlash.open(path, SMALL, create=True) as flash:
        assert flash.read(2, 8, 8) == b"JOURNAL!"


def test_file_flash_sync_fdatasyncs_the_image_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "flash.img"
    with FileFlash.open(path, SMALL, create=True) as flash:
        synced: list[int] = []
        full: list[int] = []
        monkeypatch.setattr(os, "fdatasync", synced.append)
        monkeypatch.setattr(os, "fsync", full.append)
        flash.program(0, 0, b"\x00" * 8)
        flash.erase(1)
        assert synced == []
        flash.sync()
        assert len(synced) == 1 and full == []  # one device flush per sync, not two
        assert os.path.samestat(os.fstat(synced[0]), os.stat(path))


def test_file_flash_never_changes_the_image_size(tmp_path: Path) -> None:
    # Why fdatasync is cheap here: programs and erases overwrite the image in
    # place and it keeps its size, so only time stamps change besides data.
    path = tmp_path / "flash.img"
    with FileFlash.open(path, SMALL, create=True) as flash:
        last = SMALL.block_count - 1
        flash.program(last, SMALL.block_size - 8, b"\x00" * 8)
        flash.erase(last)
        flash.sync()
        assert os.stat(path).st_size == SMALL.total_size


def test_file_flash_refuses_a_missing_image_without_create(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        FileFlash.open(tmp_path / "absent.img", SMALL)


def test_file_flash_refuses_an_image_of_another_size(tmp_path: Path) -> None:
    path = tmp_path / "flash.img"
    path.write_bytes(b"\xff" * (SMALL.total_size - 1))
    with pytest.raises(ValueError, match="needs 256"):
        FileFlash.open(path, SMALL)


def test_file_flash_close_is_idempotent(tmp_path: Path) -> None:
    flash = FileFlash.open(tmp_path / "flash.img", SMALL, create=True)
    flash.close()
    flash.close()


def test_file_flash_checks_a_program_without_reading_bytes_it_knows_erased(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "flash.img"
    path.write_bytes(b"\xff" * SMALL.total_size)
    reads: list[int] = []
    real_pread = os.pread

    def counted_pread(fd: int, n: int, at: int) -> bytes:
        reads.append(n)
        return real_pread(fd, n, at)

    monkeypatch.setattr(os, "pread", counted_pread)
    with FileFlash.open(path, SMALL) as flash:
        flash.program(1, 8, b"A" * 8)
        assert reads == [SMALL.block_size - 8]  # the first program reads the block's rest once
        flash.program(1, 16, b"B" * 8)
        flash.program(1, 40, b"C" * 8)  # the frames after it: nothing read
        assert len(reads) == 1
        for off in (8, 16, 40):  # and still refused over what it programmed
            with pytest.raises(FlashContractError, match=f"block 1 offset {off}"):
                flash.program(1, off, b"\x00" * 8)
        flash.program(1, 0, b"D" * 8)  # before the known part: checked by a read, and allowed
        assert len(reads) == 5
        flash.erase(1)
        flash.program(1, 8, b"E" * 8)  # erased by the flash itself: nothing to read
        assert len(reads) == 5
        flash.sync()
    assert path.read_bytes()[SMALL.block_size :][:24] == b"\xff" * 8 + b"E" * 8 + b"\xff" * 8


def test_file_flash_refuses_a_program_over_bytes_programmed_before_it_was_opened(
    tmp_path: Path,
) -> None:
    path = tmp_path / "flash.img"
    with FileFlash.open(path, SMALL, create=True) as flash:
        flash.program(2, 32, b"\x00" * 8)
        flash.sync()
    with FileFlash.open(path, SMALL) as flash:
        with pytest.raises(FlashContractError, match="block 2 offset 32 holds 0x00"):
            flash.program(2, 24, b"\x11" * 16)
        flash.program(2, 24, b"\x11" * 8)  # the erased bytes before it are still programmable
        with pytest.raises(FlashContractError, match="block 2 offset 32"):
            flash.program(2, 32, b"\x11" * 8)
        flash.program(2, 40, b"\x22" * 8)
        assert flash.read(2, 24, 24) == b"\x11" * 8 + b"\x00" * 8 + b"\x22" * 8


def test_ram_flash_snapshot_rebuilds_the_same_chip() -> None:
    flash = RamFlash(SMALL)
    flash.program(1, 16, b"ABCDEFGH")
    copy = RamFlash(SMALL, flash.snapshot())
    assert copy.read(1, 16, 8) == b"ABCDEFGH"
    copy.erase(1)
    assert flash.read(1, 16, 8) == b"ABCDEFGH"  # the copy is independent


def test_ram_flash_refuses_data_of_another_size() -> None:
    with pytest.raises(ValueError):
        RamFlash(SMALL, b"\xff" * 10)


def test_program_error_names_the_first_unerased_byte() -> None:
    flash = RamFlash(SMALL)
    flash.program(0, 8, b"\xff\xff\xff\x00\xff\xff\xff\xff")
    with pytest.raises(FlashContractError, match="offset 11 holds 0x00"):
        flash.program(0, 8, b"\x00" * 8)


def test_a_backend_without_its_raw_hooks_cannot_be_built() -> None:
    class Incomplete(CheckedFlash):
        pass

    with pytest.raises(TypeError):
        Incomplete(SMALL)  # type: ignore[abstract]


# -- both backends against a plain model, over random operation sequences ---

# Mostly aligned, sometimes not: random integers alone would rarely be aligned.
offsets = st.one_of(st.integers(0, 8).map(lambda k: 8 * k), st.integers(-8, 68))
pages = st.one_of(
    st.integers(0, 3).flatmap(lambda n: st.binary(min_size=8 * n, max_size=8 * n)),
    st.sampled_from([b"\xff" * 8, b"\x00" * 8, b"\x01" * 7, b"\x02" * 12]),
)
operation = st.one_of(
    st.tuples(st.just("read"), st.integers(-1, 4), offsets, st.integers(0, 24)),
    st.tuples(st.just("program"), st.integers(-1, 4), offsets, pages),
    st.tuples(st.just("erase"), st.integers(-1, 4)),
    st.tuples(st.just("read_blocks"), st.integers(-1, 4), st.integers(-1, 5)),
)


def model_apply(image: bytearray, op: tuple) -> bytes | str:
    """The contract, stated naively: return the bytes read, "ok", or "error"."""
    g = SMALL
    kind, block = op[0], op[1]
    if kind == "read_blocks":
        count = op[2]
        if count < 0 or block < 0 or block + count > g.block_count:
            return "error"
        return bytes(image[block * g.block_size : (block + count) * g.block_size])
    if not 0 <= block < g.block_count:
        return "error"
    if kind == "erase":
        image[block * g.block_size : (block + 1) * g.block_size] = b"\xff" * g.block_size
        return "ok"
    off = op[2]
    size = op[3] if kind == "read" else len(op[3])
    unit = g.read_size if kind == "read" else g.prog_size
    if off % unit or size % unit or off < 0 or off + size > g.block_size:
        return "error"
    start = block * g.block_size + off
    if kind == "read":
        return bytes(image[start : start + size])
    if any(b != 0xFF for b in image[start : start + size]):
        return "error"
    image[start : start + size] = op[3]
    return "ok"


def backend_apply(flash: CheckedFlash, op: tuple) -> bytes | str:
    try:
        if op[0] == "read":
            return flash.read(op[1], op[2], op[3])
        if op[0] == "read_blocks":
            return flash.read_blocks(op[1], op[2])
        if op[0] == "program":
            flash.program(op[1], op[2], op[3])
        else:
            flash.erase(op[1])
    except FlashContractError:
        return "error"
    return "ok"


@settings(
    max_examples=60,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(ops=st.lists(operation, max_size=30))
def test_backends_behave_like_the_model(tmp_path: Path, ops: list[tuple]) -> None:
    image = bytearray(b"\xff" * SMALL.total_size)
    ram = RamFlash(SMALL)
    path = tmp_path / "model.img"
    path.write_bytes(bytes(image))  # not FileFlash's create: its fsyncs would be slow here
    with FileFlash.open(path, SMALL) as file_flash:
        for op in ops:
            expected = model_apply(image, op)
            assert backend_apply(ram, op) == expected, op
            assert backend_apply(file_flash, op) == expected, op
        assert ram.snapshot() == bytes(image)
    assert path.read_bytes() == bytes(image)


def test_a_partition_reaches_only_its_own_blocks_of_the_chip() -> None:
    chip = RamFlash(FlashGeometry(read_size=1, prog_size=1, block_size=64, block_count=6))
    part = PartitionFlash(chip, 2, 3)
    assert part.geometry.block_count == 3
    part.program(0, 5, b"abc")
    part.program(2, 63, b"z")
    part.erase(1)
    image = chip.snapshot()
    assert image[2 * 64 + 5 : 2 * 64 + 8] == b"abc" and image[4 * 64 + 63] == ord("z")
    assert image.count(0xFF) == len(image) - 4  # nothing before or after the partition
    with pytest.raises(FlashContractError):
        part.read(3, 0, 1)  # the chip's block 5 exists, the partition's block 3 does not
    assert part.read(0, 5, 3) == b"abc"


def test_a_partition_of_an_image_file_reads_its_own_blocks_in_one_run(tmp_path: Path) -> None:
    g = FlashGeometry(read_size=1, prog_size=1, block_size=64, block_count=6)
    with FileFlash.open(tmp_path / "chip.img", g, create=True) as chip:
        for block in range(g.block_count):
            chip.program(block, 0, bytes([block]) * 3)
        part = PartitionFlash(chip, 2, 3)
        run = part.read_blocks(0, 3)
        assert run == chip.read_blocks(2, 3) == b"".join(chip.read(b, 0, 64) for b in (2, 3, 4))
        assert run[:3] == b"\x02" * 3 and run[128:131] == b"\x04" * 3
        assert part.read_blocks(3, 0) == b""
        with pytest.raises(FlashContractError):
            part.read_blocks(1, 3)  # the chip's block 5 exists, the partition's block 3 does not


def test_a_partition_refuses_a_program_over_unerased_bytes_naming_both_blocks() -> None:
    chip = RamFlash(FlashGeometry(read_size=1, prog_size=1, block_size=64, block_count=6))
    part = PartitionFlash(chip, 2, 3)
    part.program(1, 10, b"a")
    before = chip.snapshot()
    with pytest.raises(FlashContractError, match=r"partition block 1: .*block 3 offset 10"):
        part.program(1, 8, b"xyzw")
    assert chip.snapshot() == before and part.op_count == 1 and chip.op_count == 1


def test_a_partition_may_program_in_larger_units_than_its_chip_never_smaller() -> None:
    chip = RamFlash(FlashGeometry(read_size=1, prog_size=1, block_size=64, block_count=4))
    part = PartitionFlash(chip, 1, 3, read_size=16, prog_size=16)
    with pytest.raises(FlashContractError):
        part.program(0, 0, b"x")  # the chip would take it; the partition's contract does not
    part.program(0, 16, b"y" * 16)
    assert chip.read(1, 16, 16) == b"y" * 16
    coarse = RamFlash(FlashGeometry(read_size=16, prog_size=16, block_size=64, block_count=4))
    with pytest.raises(ValueError):
        PartitionFlash(coarse, 0, 2, prog_size=8)
    with pytest.raises(ValueError):
        PartitionFlash(coarse, 3, 2)
