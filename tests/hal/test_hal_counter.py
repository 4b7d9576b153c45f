"""The monotonic counter port: its contract on every backend, and FileCounter across crashes."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hal.counter import (
    COUNTER_BACKWARDS,
    COUNTER_FAILED,
    COUNTER_MAX,
    COUNTER_RANGE,
    COUNTER_UNREADABLE,
    CounterError,
    MonotonicCounter,
)
from hal.counter.fake import FakeCounter
from hal.counter.file import (
    FILE_BYTES,
    SLOT_BYTES,
    SLOT_STRIDE,
    FileCounter,
    decode_slot,
    encode_slot,
)

# ---------------------------------------------------------------------------
# The contract, on every backend


@pytest.fixture(params=["fake", "file"])
def counter(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MonotonicCounter]:
    if request.param == "fake":
        yield FakeCounter()
        return
    with FileCounter.open(tmp_path / "counter.bin", create=True) as file_counter:
        yield file_counter


def test_counter_is_a_monotonic_counter(counter: MonotonicCounter) -> None:
    assert isinstance(counter, MonotonicCounter)


def test_counter_starts_at_zero_and_advances(counter: MonotonicCounter) -> None:
    assert counter.value() == 0
    counter.advance_to(1)
    counter.advance_to(7)
    assert counter.value() == 7


def test_counter_advance_to_the_same_value_changes_nothing(counter: MonotonicCounter) -> None:
    counter.advance_to(5)
    counter.advance_to(5)
    assert counter.value() == 5


@pytest.mark.parametrize(("target", "code"), [(4, COUNTER_BACKWARDS), (0, COUNTER_BACKWARDS)])
def test_counter_refuses_to_go_back(counter: MonotonicCounter, target: int, code: str) -> None:
    counter.advance_to(5)
    with pytest.raises(CounterError) as err:
        counter.advance_to(target)
    assert err.value.code == code
    assert counter.value() == 5


@pytest.mark.parametrize("target", [-1, COUNTER_MAX + 1])
def test_counter_refuses_values_it_cannot_hold(counter: MonotonicCounter, target: int) -> None:
    with pytest.raises(CounterError) as err:
        counter.advance_to(target)
    assert err.value.code == COUNTER_RANGE
    assert counter.value() == 0


def test_counter_holds_its_largest_value(counter: MonotonicCounter) -> None:
    counter.advance_to(COUNTER_MAX)
    assert counter.value() == COUNTER_MAX


def test_fake_counter_records_changes_and_can_be_made_to_fail() -> None:
    counter = FakeCounter(3)
    counter.advance_to(3)
    counter.advance_to(4)
    counter.failing = True
    with pytest.raises(CounterError) as err:
        counter.advance_to(5)
    assert err.value.code == COUNTER_FAILED
    assert (counter.value(), counter.history) == (4, [4])


# ---------------------------------------------------------------------------
# FileCounter: the file


def test_file_counter_value_survives_close_and_reopen(tmp_path: Path) -> None:
    path = tmp_path / "counter.bin"
    with FileCounter.open(path, create=True) as counter:
        for n in (1, 2, 3, 10):
            counter.advance_to(n)
    with FileCounter.open(path) as counter:
        assert counter.value() == 10
    assert os.listdir(tmp_path) == ["counter.bin"]  # no temporary file left behind


def test_file_counter_writes_the_other_slot_each_time(tmp_path: Path) -> None:
    path = tmp_path / "counter.bin"
    with FileCounter.open(path, create=True) as counter:
        assert path.read_bytes() == encode_slot(0).ljust(FILE_BYTES, b"\x00")
        counter.advance_to(1)
        assert slots(path) == (0, 1)
        counter.advance_to(2)
        assert slots(path) == (2, 1)
        counter.advance_to(3)
        assert slots(path) == (2, 3)


def test_file_counter_syncs_before_returning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "counter.bin"
    with FileCounter.open(path, create=True) as counter:
        seen: list[tuple[int | None, int | None]] = []

        def fdatasync(fd: int) -> None:
            seen.append(slots(path))

        monkeypatch.setattr(os, "fdatasync", fdatasync)
        monkeypatch.setattr(os, "fsync", lambda fd: seen.append((None, None)))
        counter.advance_to(4)
        assert seen == [(0, 4)]  # the slot was written, then synced once, then it returned
        assert os.stat(path).st_size == FILE_BYTES  # rewritten in place, never resized


def test_file_counter_failed_write_keeps_the_durable_value_and_retries_safely(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "counter.bin"
    with FileCounter.open(path, create=True) as counter:
        counter.advance_to(6)

        def broken(fd: int) -> None:
            raise OSError(5, "Input/output error")

        monkeypatch.setattr(os, "fdatasync", broken)
        with pytest.raises(CounterError) as err:
            counter.advance_to(7)
        assert err.value.code == COUNTER_FAILED and counter.value() == 6
        monkeypatch.undo()
        counter.advance_to(8)  # rewrites the slot that failed, never the one holding 6
        assert slots(path) == (8, 6)


def test_file_counter_refuses_a_missing_file_without_create(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        FileCounter.open(tmp_path / "absent.bin")


def test_file_counter_refuses_a_file_of_another_size(tmp_path: Path) -> None:
    path = tmp_path / "counter.bin"
    path.write_bytes(encode_slot(3))
    with pytest.raises(ValueError, match="8192"):
        FileCounter.open(path)


def test_file_counter_with_no_valid_slot_is_unreadable_not_zero(tmp_path: Path) -> None:
    path = tmp_path / "counter.bin"
    path.write_bytes(b"\x00" * FILE_BYTES)
    with pytest.raises(CounterError) as err:
        FileCounter.open(path)
    assert err.value.code == COUNTER_UNREADABLE


def test_slot_codec_refuses_wrong_magic_crc_or_size() -> None:
    slot = encode_slot(12345)
    assert decode_slot(slot) == 12345
    assert decode_slot(b"X" + slot[1:]) is None
    assert decode_slot(slot[:-1] + bytes([slot[-1] ^ 1])) is None
    assert decode_slot(slot[:4] + bytes([slot[4] ^ 0x80]) + slot[5:]) is None
    assert decode_slot(slot[:-1]) is None


# ---------------------------------------------------------------------------
# FileCounter: a power cut during advance_to
#
# advance_to(n) writes SLOT_BYTES into one 4 KiB page, then syncs. A cut
# before the sync returns leaves that page anywhere between before and
# after: some bytes written (any prefix, or any subset), or garbage (a page
# torn mid-write). The other page is not written. Each state is made as a
# file and opened as the next boot would.


def slots(path: Path) -> tuple[int | None, int | None]:
    data = path.read_bytes()
    return decode_slot(data[:SLOT_BYTES]), decode_slot(data[SLOT_STRIDE : SLOT_STRIDE + SLOT_BYTES])


def torn_states(before: bytes, after: bytes, rng: random.Random) -> Iterator[tuple[str, bytes]]:
    """Yield (name, file bytes) for states a cut between ``before`` and ``after`` can leave."""
    page = next(
        i
        for i in range(0, FILE_BYTES, SLOT_STRIDE)
        if before[i : i + SLOT_STRIDE] != after[i : i + SLOT_STRIDE]
    )
    assert (
        before[:page] == after[:page]
        and before[page + SLOT_STRIDE :] == after[page + SLOT_STRIDE :]
    )
    old, new = before[page : page + SLOT_STRIDE], after[page : page + SLOT_STRIDE]

    def file(content: bytes) -> bytes:
        return before[:page] + content + before[page + SLOT_STRIDE :]

    for written in range(SLOT_BYTES + 1):
        yield f"prefix{written}", file(new[:written] + old[written:])
    for i in range(8):
        mask = rng.randbytes(SLOT_BYTES)
        mixed = bytes(n if m & 1 else o for o, n, m in zip(old, new, mask, strict=False))
        yield f"subset{i}", file(mixed + old[SLOT_BYTES:])
        yield f"garbage{i}", file(rng.randbytes(SLOT_STRIDE))


def test_a_cut_during_advance_reads_back_the_old_or_the_new_value_never_torn(
    tmp_path: Path,
) -> None:
    path = tmp_path / "counter.bin"
    with FileCounter.open(path, create=True) as counter:
        counter.advance_to(41)
    acknowledged = 41
    seen: set[int] = set()
    for name, content in list(torn_states_of(path, 42, random.Random(4))):
        path.write_bytes(content)
        with FileCounter.open(path) as counter:
            value = counter.value()
            assert value in (acknowledged, 42), name
            seen.add(value)
            counter.advance_to(43)  # the next boot goes on from there
        with FileCounter.open(path) as counter:
            assert counter.value() == 43, name
    assert seen == {41, 42}  # both outcomes happen: the states are not all trivial


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(st.integers(1, 1 << 40), min_size=1, max_size=12),
    cut=st.data(),
)
def test_a_cut_at_any_advance_never_loses_an_acknowledged_value(
    tmp_path: Path, steps: list[int], cut: st.DataObject
) -> None:
    path = tmp_path / "counter.bin"
    path.unlink(missing_ok=True)
    with FileCounter.open(path, create=True) as counter:
        values = [counter.value() + sum(steps[: i + 1]) for i in range(len(steps))]
        at = cut.draw(st.integers(0, len(values) - 1), label="cut during advance #")
        for n in values[:at]:
            counter.advance_to(n)
    acknowledged = values[at - 1] if at else 0
    seed = cut.draw(st.integers(0, 2**32), label="seed")
    states = list(torn_states_of(path, values[at], random.Random(seed)))
    name, content = states[cut.draw(st.integers(0, len(states) - 1), label="state")]
    path.write_bytes(content)
    with FileCounter.open(path) as counter:
        assert counter.value() in (acknowledged, values[at]), name


def torn_states_of(path: Path, n: int, rng: random.Random) -> Iterator[tuple[str, bytes]]:
    before = path.read_bytes()
    shadow = path.with_name("shadow.bin")
    shadow.write_bytes(before)
    with FileCounter.open(shadow) as counter:
        counter.advance_to(n)
    return torn_states(before, shadow.read_bytes(), rng)
