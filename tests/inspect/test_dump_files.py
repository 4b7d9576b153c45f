"""The copy directory of fiscal-inspect dump: frames, segments, repair of a torn end."""

from __future__ import annotations

from pathlib import Path

import cbor2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware.journal import encode_frame
from tools.inspect.dump import load_dump
from tools.inspect.dump_journal import (
    DumpError,
    Stored,
    append_frames,
    frame,
    read_stored,
    record_seq,
)


@given(st.binary(min_size=1, max_size=3000))
def test_frames_are_the_journals_own(record: bytes) -> None:
    assert frame(record) == encode_frame(record)


@pytest.mark.parametrize("seq", [1, 23, 24, 255, 256, 65535, 65536, 2**32, 2**63])
def test_record_seq_reads_field_two(seq: int) -> None:
    record = cbor2.dumps([1, 8, seq, 1, 1764064800, 60, "T", 0, [80, "x", 0, 0], bytes(64)])
    assert record_seq(record) == seq


@pytest.mark.parametrize(
    "record", [b"", b"\x8a\x01", b"\x89\x01\x08\x05", b"\x8a\x01\x08\x20", b"\x8a\x01\x08\x1c"]
)
def test_record_seq_of_what_is_not_a_record_is_none(record: bytes) -> None:
    assert record_seq(record) is None


def write_copy(directory: Path, sizes: list[int]) -> list[bytes]:
    """Write records of the given sizes into a copy directory; return them."""
    records = [bytes([0x8A, 1, 1, n % 24]) + b"r" * (size - 4) for n, size in enumerate(sizes)]
    (directory / "journal").mkdir(parents=True)
    (directory / "identity.cbor").write_bytes(b"\x84id")
    append_frames(directory, Stored(), [frame(r) for r in records])
    return records


def test_segments_follow_the_journal_rule(tmp_path: Path) -> None:
    records = write_copy(tmp_path, [10_000] * 7)
    sizes = [p.stat().st_size for p in sorted((tmp_path / "journal").iterdir())]
    assert sizes == [40_024, 30_018]  # a frame starts only below 32768 bytes
    stored = read_stored(tmp_path)
    assert (stored.count, stored.last, stored.segment, stored.size) == (7, records[-1], 2, 30_018)
    contents = load_dump(tmp_path)
    assert [s.name for s in contents.segments] == ["00000001.log", "00000002.log"]
    assert contents.identity == b"\x84id" and contents.other_files == ()


def test_a_torn_last_frame_is_ignored_and_cut_off_on_repair(tmp_path: Path) -> None:
    records = write_copy(tmp_path, [100, 200, 300])
    segment = tmp_path / "journal" / "00000001.log"
    whole = segment.read_bytes()
    segment.write_bytes(whole + frame(b"\x8a" * 50)[:-7])
    assert read_stored(tmp_path).count == 3
    assert segment.stat().st_size > len(whole)
    stored = read_stored(tmp_path, repair=True)
    assert (stored.count, stored.last) == (3, records[-1])
    assert segment.read_bytes() == whole


def test_damage_before_the_end_is_refused(tmp_path: Path) -> None:
    write_copy(tmp_path, [20_000, 20_000, 100])
    first = tmp_path / "journal" / "00000001.log"
    data = bytearray(first.read_bytes())
    data[100] ^= 0xFF
    first.write_bytes(bytes(data))
    with pytest.raises(DumpError, match="copie endommagée"):
        read_stored(tmp_path, repair=True)
    first.unlink()
    with pytest.raises(DumpError, match=r"00000001\.log absent"):
        read_stored(tmp_path)
