"""The journal read by worker processes gives the very report a single process gives.

The journal of two trading days (every document type) is cut into
segments of two frames, read in ranges of two segments by a process pool,
and compared with the same journal read in one process: intact, and after
attacks whose chain predecessors sit in another range (records swapped
across ranges, a number duplicated, a record removed, a byte changed).
"""

from __future__ import annotations

import copyreg
import pickle
from collections.abc import Callable
from dataclasses import replace
from operator import attrgetter
from pathlib import Path

import pytest

from fiscal_core import codes
from tests.inspect.attack import flip, read_segment, split, with_crc
from tests.inspect.journals import day_with_sales, sale_lines, till_on
from tests.inspect.test_inspect_dishonest_archives import archive_bytes
from tools.inspect import parallel
from tools.inspect import verify as verify_module
from tools.inspect.archive_content import read_rows
from tools.inspect.image import FlashContents, Segment, read_image
from tools.inspect.model import TicketBody
from tools.inspect.report import report_object
from tools.inspect.shipping import SHIPPED
from tools.inspect.stream import Reordered, Streamed
from tools.inspect.verify import Report, verify

FRAMES_PER_SEGMENT = 2


def cut(contents: FlashContents, frames: list[bytes]) -> FlashContents:
    """Return ``contents`` with its journal as ``frames``, FRAMES_PER_SEGMENT per segment."""
    segments = tuple(
        Segment(f"{n:08d}.log", b"".join(frames[start : start + FRAMES_PER_SEGMENT]), None)
        for n, start in enumerate(range(0, len(frames), FRAMES_PER_SEGMENT), 1)
    )
    return replace(contents, segments=segments)


def outcome(report: Report) -> tuple[object, ...]:
    return report.findings, report.records, report.archives, report.warnings


def swap_across(frames: list[bytes]) -> list[bytes]:
    frames[3], frames[9] = frames[9], frames[3]
    return frames


def duplicate(frames: list[bytes]) -> list[bytes]:
    return [*frames[:12], frames[7], *frames[12:]]


def remove(frames: list[bytes]) -> list[bytes]:
    return frames[:6] + frames[7:]


def change(frames: list[bytes]) -> list[bytes]:
    frames[10] = flip(frames[10], 30, 0x01, fix_crc=True)
    return frames


def resign_nothing(frames: list[bytes]) -> list[bytes]:
    return [with_crc(f[2:-4]) for f in frames]


@pytest.mark.parametrize(
    "attack",
    [resign_nothing, swap_across, duplicate, remove, change],
    ids=["intact", "swapped", "duplicated", "removed", "changed"],
)
def test_workers_report_what_one_process_reports(
    pristine: bytes, attack: Callable[[list[bytes]], list[bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    contents = read_image(pristine)
    frames = attack(split(read_segment(pristine)))
    journal = cut(contents, frames)
    alone = verify(journal, workers=1)
    monkeypatch.setattr(parallel, "SEGMENTS_PER_RANGE", 2)
    monkeypatch.setattr(parallel, "PARALLEL_MIN_SEGMENTS", 2)
    pooled = verify(journal, workers=2)
    assert outcome(pooled) == outcome(alone)
    about_records = [f for f in alone.findings if f.seq is not None]  # not the short segments
    assert bool(about_records) == (attack is not resign_nothing)
    assert len(journal.segments) > 2 * 2  # several ranges, so some chains cross them


def test_workers_check_the_signatures_of_their_own_ranges(
    pristine: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    contents = read_image(pristine)
    frames = split(read_segment(pristine))
    segments = list(cut(contents, frames).segments)
    key = contents.identity[-32:]
    entries, known = parallel.read_ranges(segments, key, 1)
    assert len(entries) == len(frames) and known == {}  # one process: all left to the verifier
    monkeypatch.setattr(parallel, "SEGMENTS_PER_RANGE", 2)
    monkeypatch.setattr(parallel, "PARALLEL_MIN_SEGMENTS", 2)
    entries, known = parallel.read_ranges(segments, key, 2)
    assert len(entries) == len(frames)
    assert known and all(known.values())  # an intact journal: every pair checked is valid
    within = parallel.read_range(segments[:2], key)[1]
    assert set(within) <= set(known) and len(known) > len(within)


def test_entries_travel_from_the_workers_as_they_were_read(pristine: bytes) -> None:
    contents = read_image(pristine)
    segments = list(cut(contents, split(read_segment(pristine))).segments)
    entries, known = parallel.read_range(segments, contents.identity[-32:], digests=True)
    assert all(copyreg.dispatch_table.get(cls) for cls in SHIPPED)  # parallel registered them
    received, known_received = pickle.loads(pickle.dumps((entries, known)))
    assert known_received == known
    fields = attrgetter("segment", "offset", "record", "header", "problems", "row_digest")
    assert [fields(e) for e in received] == [fields(e) for e in entries]
    kinds = {type(e.record.body) for e in received if e.record is not None}
    assert len(kinds) >= 6 and all(e.row_digest for e in received)
    sums = attrgetter("total", "absolute_total", "paid", "is_return")  # the constructor's
    records = [(e.record, r.record) for e, r in zip(entries, received, strict=True)]
    pairs = [
        (sums(a.body), sums(b.body))
        for a, b in records
        if a is not None and b is not None and isinstance(a.body, TicketBody)
    ]
    assert pairs and all(a == b for a, b in pairs) and any(a[0] for a, _ in pairs)


def test_a_small_journal_gives_every_worker_ranges(
    pristine: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    contents = read_image(pristine)
    segments = cut(contents, split(read_segment(pristine))).segments[:12]
    key = contents.identity[-32:]
    assert len(segments) < parallel.SEGMENTS_PER_RANGE  # one range, were ranges all full size
    monkeypatch.setattr(parallel, "PARALLEL_MIN_SEGMENTS", 2)
    parts = list(parallel.ranges_in_order(segments, key, 2))
    assert len(parts) >= 2 * parallel.TASKS_PER_WORKER
    read = [(e.segment, e.offset) for entries, _ in parts for e in entries]
    one = parallel.ranges_in_order(segments, key, 1)
    alone = [(e.segment, e.offset) for entries, _ in one for e in entries]
    assert read == alone and all(known for _, known in parts)


def change_mid_range(frames: list[bytes]) -> list[bytes]:
    frames[5] = flip(frames[5], 30, 0x01, fix_crc=True)  # ranges of 4 frames: 4..7
    return frames


def change_at_boundary(frames: list[bytes]) -> list[bytes]:
    frames[8] = flip(frames[8], 30, 0x01, fix_crc=True)  # the first frame of a range
    return frames


def unreadable_at_boundary(frames: list[bytes]) -> list[bytes]:
    frames[7] = flip(frames[7], 3, 0xFF, fix_crc=False)  # the last frame of a range
    return frames


def remove_at_boundary(frames: list[bytes]) -> list[bytes]:
    return frames[:8] + frames[9:]


def reordered(*args: object, **kwargs: object) -> Streamed:
    """Stand for ``stream`` on a journal that must be checked as a whole."""
    raise Reordered


@pytest.mark.parametrize(
    "attack",
    [
        resign_nothing,
        change_mid_range,
        change_at_boundary,
        unreadable_at_boundary,
        remove,
        remove_at_boundary,
        swap_across,
        duplicate,
    ],
)
@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("archives", [True, False], ids=["archive-file", "journal-alone"])
def test_the_journal_verified_as_it_is_read_reports_what_the_whole_journal_reports(
    pristine: bytes,
    attack: Callable[[list[bytes]], list[bytes]],
    workers: int,
    archives: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    contents = read_image(pristine)
    assert contents.archives and read_rows(contents.archives[0].data or b"")
    if not archives:
        contents = replace(contents, archives=None)  # a copy of the journal alone
    journal = cut(contents, attack(split(read_segment(pristine))))
    streamed, whole = both_ways(journal, workers, 2, monkeypatch)
    assert streamed.records == () and len(whole.records) > 10
    about_records = [f for f in whole.findings if f.seq is not None or not f.readable]
    assert bool(about_records) == (attack is not resign_nothing)
    assert [a.file for a in whole.archives] == ["ok" if archives else "not_read"]


def both_ways(
    journal: FlashContents, workers: int, segments: int, monkeypatch: pytest.MonkeyPatch
) -> tuple[Report, Report]:
    """Verify ``journal`` as it is read, by ranges of ``segments``, then as a whole; compare."""
    monkeypatch.setattr(parallel, "SEGMENTS_PER_RANGE", segments)
    monkeypatch.setattr(parallel, "PARALLEL_MIN_SEGMENTS", 2)
    streamed = verify(journal, workers=workers, keep_records=False)
    with monkeypatch.context() as patch:
        patch.setattr(verify_module, "stream", reordered)
        whole = verify(journal, workers=workers)
    assert streamed.findings == whole.findings
    assert (streamed.archives, streamed.warnings) == (whole.archives, whole.warnings)
    assert report_object(streamed) == report_object(whole)
    return streamed, whole


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("segments", [1, 2])
def test_archive_rows_are_compared_as_the_records_are_read(
    tmp_path: Path, workers: int, segments: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows that differ in each column, of records whose predecessor is in their range or not."""

    def edit(lines: list[str]) -> list[str]:
        rows = [line.split(";") for line in lines[1:] if line]
        rows[1][-3] += "0"  # seq 2: the data signed
        rows[2][-2] = rows[2][-2][::-1]  # seq 3: the signature
        rows[3][-1] = rows[3][-1].upper()  # seq 4: the record as stored, in hex
        return [lines[0], *(";".join(row) for row in rows), ""]

    image = tmp_path / "flash.img"
    with till_on(image) as till:
        day_with_sales(till, last_of_year=True)
        till.sale(sale_lines(2))
        closure = till.close(codes.DOC_GT_PERIOD)
        till.forge_archive(closure, lambda body: None, archive_bytes(till, closure, edit))
    journal = cut(read_image(image.read_bytes()), split(read_segment(image.read_bytes())))
    streamed, _ = both_ways(journal, workers, segments, monkeypatch)
    differ = "archive forged-5.zip : records.csv : n°2, n°3, n°4 différent(s) du journal"
    assert [f.problems for f in streamed.findings if f.seq is not None] == [(differ,)]
    assert [a.file for a in streamed.archives] == ["content_differs"]
