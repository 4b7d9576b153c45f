"""The copy directory of fiscal-inspect dump: frames, segments, the index, repair on resume."""

from __future__ import annotations

from pathlib import Path

import cbor2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware.journal import encode_frame
from tools.inspect.dump import load_dump
from tools.inspect.dump_journal import DumpError, append_frames, frame, read_stored, record_seq
from tools.inspect.dump_sync import JournalFiles


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
    (directory / "journal").mkdir(parents=True, exist_ok=True)
    (directory / "identity.cbor").write_bytes(b"\x84id")
    with JournalFiles(directory) as files:
        append_frames(files, read_stored(directory), [frame(r) for r in records])
        files.finish()
    return records


def journal_files(directory: Path) -> tuple[bytes, list[int]]:
    """Return ``segments.bin`` and the lengths ``segments.idx`` holds."""
    index = (directory / "journal" / "segments.idx").read_bytes()
    lengths = [int.from_bytes(index[i : i + 4], "big") for i in range(0, len(index), 4)]
    return (directory / "journal" / "segments.bin").read_bytes(), lengths


def test_segments_follow_the_journal_rule(tmp_path: Path) -> None:
    records = write_copy(tmp_path, [10_000] * 7)
    data, lengths = journal_files(tmp_path)
    assert (len(data), lengths) == (70_042, [40_024])  # a frame starts only below 32768 bytes
    stored = read_stored(tmp_path)
    assert (stored.count, stored.last, stored.segment, stored.size) == (7, records[-1], 2, 30_018)
    contents = load_dump(tmp_path)
    assert [s.name for s in contents.segments] == ["00000001.log", "00000002.log"]
    assert [len(s.data) for s in contents.segments] == [40_024, 30_018]
    assert contents.identity == b"\x84id" and contents.other_files == ()
    assert contents.log_problems == ()


def test_a_copy_goes_on_in_its_last_segment(tmp_path: Path) -> None:
    first = write_copy(tmp_path, [10_000] * 5)
    more = write_copy(tmp_path, [10_000] * 2)  # appended by a resumed copy
    assert (first, journal_files(tmp_path)[1]) == (more + first[2:], [40_024])
    stored = read_stored(tmp_path)
    assert (stored.count, stored.segment, stored.size) == (7, 2, 30_018)


def test_a_torn_last_frame_is_ignored_and_cut_off_on_repair(tmp_path: Path) -> None:
    records = write_copy(tmp_path, [100, 200, 300])
    segments = tmp_path / "journal" / "segments.bin"
    whole = segments.read_bytes()
    segments.write_bytes(whole + frame(b"\x8a" * 50)[:-7])
    assert read_stored(tmp_path).count == 3
    assert segments.stat().st_size > len(whole)
    stored = read_stored(tmp_path, repair=True)
    assert (stored.count, stored.last) == (3, records[-1])
    assert segments.read_bytes() == whole


def test_index_entries_past_the_journal_are_cut_off_on_repair(tmp_path: Path) -> None:
    records = write_copy(tmp_path, [20_000, 20_000, 20_000, 100])
    data, lengths = journal_files(tmp_path)
    assert lengths == [40_012]
    segments = tmp_path / "journal" / "segments.bin"
    segments.write_bytes(data[:30_000])  # a power cut lost the tail of segments.bin
    stored = read_stored(tmp_path, repair=True)
    assert (stored.count, stored.last, stored.segment, stored.size) == (1, records[0], 1, 20_006)
    assert journal_files(tmp_path) == (data[:20_006], [])


def test_frames_of_a_segment_whose_entry_was_lost_are_cut_off_on_repair(tmp_path: Path) -> None:
    records = write_copy(tmp_path, [20_000, 20_000, 20_000, 100])
    data, _ = journal_files(tmp_path)
    index = tmp_path / "journal" / "segments.idx"
    index.write_bytes(b"\x00\x00")  # a power cut lost the entry, all but 2 of its bytes
    stored = read_stored(tmp_path, repair=True)
    assert (stored.count, stored.last, stored.segment, stored.size) == (2, records[1], 1, 40_012)
    assert journal_files(tmp_path) == (data[:40_012], [])


def test_damage_before_the_end_is_refused(tmp_path: Path) -> None:
    write_copy(tmp_path, [20_000, 20_000, 100])
    segments = tmp_path / "journal" / "segments.bin"
    data = bytearray(segments.read_bytes())
    data[100] ^= 0xFF
    segments.write_bytes(bytes(data))
    with pytest.raises(DumpError, match="copie endommagée : segment 1"):
        read_stored(tmp_path, repair=True)
    assert segments.read_bytes() == data  # nothing cut


def test_a_copy_in_the_former_layout_is_not_resumed(tmp_path: Path) -> None:
    (tmp_path / "journal").mkdir()
    (tmp_path / "identity.cbor").write_bytes(b"\x84id")
    segment = frame(b"\x8a\x01\x01\x01")
    (tmp_path / "journal" / "00000001.log").write_bytes(segment)
    with pytest.raises(DumpError, match="format précédent"):
        read_stored(tmp_path, repair=True)
    contents = load_dump(tmp_path)  # which the verifier reads as before
    assert [(s.name, s.data) for s in contents.segments] == [("00000001.log", segment)]


@pytest.mark.parametrize(
    ("index", "problem", "sizes"),
    [
        (None, "index des segments absent de la copie", [70_042]),
        (b"\x00\x00\x9c", "index des segments tronqué (journal/segments.idx) : 3 octets", [70_042]),
        (
            (40_024).to_bytes(4, "big") + (40_000).to_bytes(4, "big"),
            "l'index des segments annonce 80024 octets, journal/segments.bin n'en contient que "
            "70042",
            [40_024, 30_018],
        ),
    ],
    ids=["absent", "truncated", "beyond"],
)
def test_an_index_that_does_not_add_up_is_said_and_every_byte_still_read(
    tmp_path: Path, index: bytes | None, problem: str, sizes: list[int]
) -> None:
    write_copy(tmp_path, [10_000] * 7)
    path = tmp_path / "journal" / "segments.idx"
    if index is None:
        path.unlink()
    else:
        path.write_bytes(index)
    contents = load_dump(tmp_path)
    assert [len(s.data) for s in contents.segments] == sizes
    (said,) = contents.log_problems
    assert said.startswith(problem)


def test_an_unreadable_journal_file_is_a_segment_in_error(tmp_path: Path) -> None:
    write_copy(tmp_path, [100])
    segments = tmp_path / "journal" / "segments.bin"
    segments.unlink()
    segments.mkdir()  # there, but no file to read
    (segment,) = load_dump(tmp_path).segments
    assert (segment.name, segment.data) == ("00000001.log", b"")
    assert segment.error == "fichier illisible (journal/segments.bin)"
