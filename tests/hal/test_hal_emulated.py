"""EmulatedFlash beyond the contract: what it records, and the chips it rebuilds after a cut.

The contract itself (alignment, erased-only programming, op_count) is run on
EmulatedFlash by test_contracts.py through the ``flash`` rig in conftest.py.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hal.flash.emulated import (
    CHECKPOINT_OPS,
    OP_ERASE,
    OP_PROGRAM,
    TORN_BITS,
    TORN_GARBAGE,
    TORN_MODELS,
    TORN_PREFIX,
    EmulatedFlash,
    FlashOp,
)
from hal.flash.ram import RamFlash
from hal.ports import FlashContractError, FlashGeometry

SMALL = FlashGeometry(read_size=4, prog_size=8, block_size=64, block_count=4)


def used_chip() -> EmulatedFlash:
    """A chip with a program, a sync, an erase, two more programs and a sync."""
    flash = EmulatedFlash(SMALL)
    flash.program(0, 8, bytes(range(16)))
    flash.sync()
    flash.erase(1)
    flash.program(1, 0, b"\x0f" * 8)
    flash.program(2, 32, bytes(range(100, 132)))
    flash.sync()
    return flash


def test_records_programs_and_erases_in_order_and_syncs_by_position() -> None:
    flash = used_chip()
    assert flash.ops == (
        FlashOp(OP_PROGRAM, 0, 8, bytes(range(16))),
        FlashOp(OP_ERASE, 1, 0, b""),
        FlashOp(OP_PROGRAM, 1, 0, b"\x0f" * 8),
        FlashOp(OP_PROGRAM, 2, 32, bytes(range(100, 132))),
    )
    assert flash.op_count == 4
    assert flash.syncs == (1, 4)
    assert flash.describe(4) == "op 4/4: program block 2 @ 32 (32 bytes)"
    assert flash.describe(2) == "op 2/4: erase block 1"


def test_refused_operations_are_not_recorded() -> None:
    flash = used_chip()
    with pytest.raises(FlashContractError):
        flash.program(0, 8, b"\x00" * 8)  # not erased
    with pytest.raises(FlashContractError):
        flash.erase(4)
    assert len(flash.ops) == flash.op_count == 4


def test_image_after_rebuilds_the_chip_after_each_first_k_operations() -> None:
    flash = used_chip()
    assert flash.image_after(0) == flash.base == b"\xff" * SMALL.total_size
    assert flash.image_after(4) == flash.snapshot()
    after1 = flash.image_after(1)
    assert after1[8:24] == bytes(range(16)) and after1[24:] == b"\xff" * (SMALL.total_size - 24)
    assert flash.image_after(3)[64:72] == b"\x0f" * 8
    assert flash.image_after(3)[128 + 32 : 128 + 64] == b"\xff" * 32


@pytest.mark.parametrize("k", [-1, 5])
def test_image_after_refuses_k_outside_the_recording(k: int) -> None:
    with pytest.raises(IndexError):
        used_chip().image_after(k)
    with pytest.raises(IndexError):
        used_chip().image_torn(k if k > 0 else 0)


def test_a_base_image_and_from_flash() -> None:
    ram = RamFlash(SMALL)
    ram.program(3, 56, b"BASEDATA")
    flash = EmulatedFlash.from_flash(ram)
    assert flash.base == ram.snapshot() and flash.ops == () and flash.op_count == 0
    assert flash.read(3, 56, 8) == b"BASEDATA"
    flash.erase(3)
    assert ram.read(3, 56, 8) == b"BASEDATA"  # only read from
    assert flash.image_after(0) == ram.snapshot()
    with pytest.raises(ValueError, match="holds 256"):
        EmulatedFlash(SMALL, b"\xff" * 255)


# Valid operations only: the replay is what is under test here.
valid_op = st.one_of(
    st.tuples(st.just(OP_ERASE), st.integers(0, 3), st.just(0), st.just(b"")),
    st.tuples(
        st.just(OP_PROGRAM),
        st.integers(0, 3),
        st.integers(0, 7).map(lambda p: 8 * p),
        st.integers(1, 2).flatmap(lambda n: st.binary(min_size=8 * n, max_size=8 * n)),
    ),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(valid_op, min_size=1, max_size=3 * CHECKPOINT_OPS))
def test_image_after_k_equals_a_ram_chip_stopped_after_k(
    ops: list[tuple[str, int, int, bytes]],
) -> None:
    flash, ram = EmulatedFlash(SMALL), RamFlash(SMALL)
    expected = [ram.snapshot()]
    for kind, block, off, data in ops:
        for chip in (flash, ram):
            if kind == OP_ERASE:
                chip.erase(block)
            elif off + len(data) <= SMALL.block_size and chip.read(
                block, off, len(data)
            ) == b"\xff" * len(data):
                chip.program(block, off, data)
        if flash.op_count == len(expected):
            expected.append(ram.snapshot())
    for k in reversed(range(flash.op_count + 1)):  # out of order: checkpoints built on demand
        assert flash.image_after(k) == expected[k], flash.describe(k) if k else "base"


def test_last_sync_and_unsynced_images_keep_any_subset_of_the_unsynced_operations() -> None:
    base = b"\xff" * 64 + b"\x00" * 64 + b"\xff" * 128  # block 1 holds zeros
    flash = EmulatedFlash(SMALL, base)
    flash.program(0, 0, b"\x11" * 8)  # op 1
    flash.sync()
    flash.erase(1)  # op 2
    flash.program(1, 0, b"\x0f" * 8)  # op 3
    flash.program(2, 0, b"\x22" * 8)  # op 4
    flash.sync()
    assert [flash.last_sync(k) for k in range(5)] == [0, 1, 1, 1, 4]
    assert flash.image_unsynced(1) == flash.image_after(1)
    assert flash.image_unsynced(4, seed=9) == flash.image_after(4)  # nothing unsynced
    seen = set()
    for seed in range(60):
        image = flash.image_unsynced(3, seed)
        assert image[:8] == b"\x11" * 8  # op 1 was synced: always there
        assert image[128:] == base[128:]  # op 4 comes after the cut
        seen.add(image[64:128])
    assert seen == {
        b"\x00" * 64,  # erase lost (a program kept over the zeros: 0x00 AND 0x0f = 0x00)
        b"\xff" * 64,  # erase kept, program lost
        b"\x0f" * 8 + b"\xff" * 56,  # both kept
    }
    assert flash.image_unsynced(3, 5) == flash.image_unsynced(3, 5)


# ---------------------------------------------------------------------------
# Torn operations


def chip_with(op: str) -> EmulatedFlash:
    flash = EmulatedFlash(SMALL)
    flash.program(1, 0, bytes(range(64)))  # op 1: a full block of data
    if op == OP_ERASE:
        flash.erase(1)  # op 2
    else:
        flash.program(2, 8, bytes(range(0, 96, 2)))  # op 2: 6 chunks over erased bytes
    return flash


def region(flash: EmulatedFlash, image: bytes) -> bytes:
    op = flash.ops[-1]
    start = op.block * SMALL.block_size + op.off
    return image[start : start + (len(op.data) or SMALL.block_size)]


@pytest.mark.parametrize("model", TORN_MODELS)
@pytest.mark.parametrize("op", [OP_PROGRAM, OP_ERASE])
def test_a_torn_operation_changes_only_its_own_range(model: str, op: str) -> None:
    flash = chip_with(op)
    before, after = flash.image_after(1), flash.image_after(2)
    for seed in range(20):
        torn = flash.image_torn(2, model, seed)
        start = SMALL.block_size * flash.ops[1].block + flash.ops[1].off
        end = start + len(region(flash, torn))
        assert torn[:start] == before[:start] == after[:start]
        assert torn[end:] == before[end:] == after[end:]


@pytest.mark.parametrize("op", [OP_PROGRAM, OP_ERASE])
def test_torn_prefix_finishes_whole_chunks_from_the_start(op: str) -> None:
    flash = chip_with(op)
    old, new = region(flash, flash.image_after(1)), region(flash, flash.image_after(2))
    done = set()
    for seed in range(40):
        torn = region(flash, flash.image_torn(2, TORN_PREFIX, seed))
        j = next(i for i in range(0, len(new) + 1, 8) if torn[i:] == old[i:])
        assert torn[:j] == new[:j] and j < len(new)
        done.add(j)
    assert len(done) > 2  # the cut falls at several places


def test_torn_bits_program_only_clears_bits_some_of_those_it_should() -> None:
    flash = chip_with(OP_PROGRAM)
    new = flash.ops[1].data
    torn = region(flash, flash.image_torn(2, TORN_BITS, seed=7))
    assert all(t | n == t for t, n in zip(torn, new, strict=True))  # no bit cleared beyond new
    assert torn != new and torn != b"\xff" * len(new)  # half-way, neither before nor after
    assert region(flash, flash.image_torn(2, TORN_GARBAGE, seed=7)) == torn  # same for programs


def test_torn_erase_bits_only_sets_bits_garbage_may_do_anything() -> None:
    flash = chip_with(OP_ERASE)
    old = bytes(range(64))
    bits = region(flash, flash.image_torn(2, TORN_BITS, seed=3))
    assert all(b | o == b for b, o in zip(bits, old, strict=True))
    assert bits not in (old, b"\xff" * 64)
    garbage = region(flash, flash.image_torn(2, TORN_GARBAGE, seed=3))
    assert any(~g & o & 0xFF for g, o in zip(garbage, old, strict=True))  # a bit cleared


@pytest.mark.parametrize("model", TORN_MODELS)
def test_torn_images_depend_only_on_seed_and_k(model: str) -> None:
    first, second = chip_with(OP_PROGRAM), chip_with(OP_PROGRAM)
    second.image_after(2)  # whatever was asked before does not matter
    assert first.image_torn(2, model, 5) == second.image_torn(2, model, 5)
    assert len({first.image_torn(2, model, seed) for seed in range(10)}) > 1


def test_image_torn_refuses_an_unknown_model() -> None:
    with pytest.raises(ValueError, match="unknown torn model"):
        chip_with(OP_PROGRAM).image_torn(2, "melted")
