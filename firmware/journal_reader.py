"""Reading the fiscal journal: its segments, its records, its end.

Segments are ``/fiscal/journal/NNNNNNNN.log``, numbered from 1 with no gap
(docs/SPEC.md section 3), so most reads go by index without listing the
directory: the last segment is found from a signed checkpoint's segment
index when there is one (``locate``: stat that segment, then the next,
until one is missing), else by listing the directory once. Boot and
look-ups read from the end: ``frames_after`` (the tail after a
checkpoint), ``record_ending_at`` (the record a checkpoint names),
``segments_backwards`` and ``record_at`` (a record by seq, a binary search
over the segments' first records).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from littlefs import LittleFS, LittleFSError

from firmware.flash_fs import LFS_ERR_NOENT
from firmware.flash_layout import JOURNAL_DIR, segment_name
from firmware.frames import FRAME_OVERHEAD, JournalError, iter_frames, seq_of


class JournalReader:
    """The read side of the journal on a mounted littlefs; Journal adds the writes."""

    def __init__(self, fs: LittleFS) -> None:
        self._fs = fs
        self._segment_index = -1  # the last segment, not yet located (see ``locate``)
        self._segment_size = 0
        self._counts: dict[str, int] = {}  # records per segment, learnt by reading or appending

    def segments(self) -> list[str]:
        """Return the segment paths in journal order; raise JournalError if unlistable."""
        try:
            names = sorted(n for n in self._fs.listdir(JOURNAL_DIR) if n.endswith(".log"))
        except (LittleFSError, OSError) as exc:
            raise JournalError("UNREADABLE", f"journal directory unreadable: {exc!r}") from None
        return [f"{JOURNAL_DIR}/{n}" for n in names]

    def records(self) -> Iterator[bytes]:
        """Yield every record in journal order.

        Raises CorruptFrameError on a bad frame and JournalError when
        littlefs cannot read a segment (damaged metadata or data blocks).
        """
        for path in self.segments():
            count = 0
            for record in iter_frames(path, self._segment(path)):
                count += 1
                yield record
            self._counts[path] = count

    def read_records(self, first: int, count: int) -> list[bytes]:
        """Return up to ``count`` records from the ``first``-th (1-based, = its seq) on.

        Segments before the one holding ``first`` are skipped by their record
        counts, so a dump reads each segment about once.
        """
        out: list[bytes] = []
        position = 1  # ordinal of the first record of the segment at hand
        for path in self.segments():
            known = self._counts.get(path)
            if known is not None and position + known <= first:
                position += known
                continue
            frames = list(iter_frames(path, self._segment(path)))
            self._counts[path] = len(frames)
            start = max(first - position, 0)
            out.extend(frames[start : start + count - len(out)])
            position += len(frames)
            if len(out) >= count:
                break
        return out

    def locate(self, segment: int = 0) -> tuple[int, int]:
        """Find the last segment and its size; return them (index 0: no segment yet).

        From ``segment`` (a checkpoint's): stat it, then the next, until one
        is missing, so a mount never lists thousands of segments. Without
        one, list the directory. Raises JournalError("NO_SEGMENT") when
        ``segment`` itself is missing (the journal is shorter than the hint).
        """
        if segment <= 0:
            segments = self.segments()
            index = int(segments[-1].rsplit("/", 1)[1].split(".")[0]) if segments else 0
            size = self._size(index) if index else 0
        else:
            index, size = segment, self._size(segment)
            if size < 0:
                raise JournalError("NO_SEGMENT", f"{segment_name(segment)} does not exist")
            while (following := self._size(index + 1)) >= 0:
                index, size = index + 1, following
        self._segment_index, self._segment_size = index, size
        return index, size

    def position(self) -> tuple[int, int]:
        """Return (last segment, its size): where the last record's frame ends."""
        if self._segment_index < 0:
            self.locate()
        return self._segment_index, self._segment_size

    def segment_data(self, index: int) -> bytes | None:
        """Return segment ``index``'s bytes, or None when it does not exist."""
        path = segment_name(index)
        try:
            with self._fs.open(path, "rb") as f:
                data: bytes = f.read()
        except FileNotFoundError:
            return None
        except LittleFSError as exc:
            if exc.code == LFS_ERR_NOENT:
                return None
            raise JournalError("UNREADABLE", f"{path} unreadable: {exc!r}") from None
        except OSError as exc:
            raise JournalError("UNREADABLE", f"{path} unreadable: {exc!r}") from None
        return data

    def record_ending_at(self, segment: int, offset: int) -> bytes | None:
        """Return the record whose frame ends at byte ``offset`` of ``segment``, or None.

        None when the segment is missing or no frame ends exactly there (the
        journal was cut, or rewritten, before that point). Raises
        CorruptFrameError on a bad frame before ``offset``.
        """
        data = self.segment_data(segment)
        if data is None or offset > len(data):
            return None
        end = 0
        for record in iter_frames(segment_name(segment), data):
            end += len(record) + FRAME_OVERHEAD
            if end >= offset:  # a frame ends there, or runs across it
                return record if end == offset else None
        return None

    def frames_after(self, segment: int, offset: int) -> Iterator[bytes]:
        """Yield every record after byte ``offset`` of ``segment``, to the journal's end.

        The segments after it are read in turn until one is missing (stat,
        no listing). Raises CorruptFrameError on a bad frame.
        """
        index, start = (segment, offset) if segment > 0 else (1, 0)
        while (data := self.segment_data(index)) is not None:
            yield from iter_frames(segment_name(index), data[start:])
            index, start = index + 1, 0

    def segments_backwards(self) -> Iterator[list[bytes]]:
        """Yield each segment's records, from the last segment back to the first."""
        last, _ = self.position()
        for index in range(last, 0, -1):
            path = segment_name(index)
            yield list(iter_frames(path, self._segment(path)))

    def record_at(self, seq: int) -> bytes | None:
        """Return the record with journal sequence ``seq``, or None when there is none.

        A binary search on the first record of each segment (records hold
        their seq at a fixed place, field 2): about log2(segments) reads of
        one frame, then the segment that holds ``seq``.
        """
        low, high = 1, self.position()[0]
        while low < high:  # the last segment whose first record's seq is <= seq
            middle = (low + high + 1) // 2
            if seq_of(self._first_record(middle)) <= seq:
                low = middle
            else:
                high = middle - 1
        if high < 1:
            return None
        for record in iter_frames(segment_name(low), self._segment(segment_name(low))):
            if seq_of(record) == seq:
                return record
        return None

    def _segment(self, path: str) -> bytes:
        try:
            with self._fs.open(path, "rb") as f:
                data: bytes = f.read()
        except (LittleFSError, OSError) as exc:
            raise JournalError("UNREADABLE", f"{path} unreadable: {exc!r}") from None
        return data

    def _first_record(self, index: int) -> bytes:
        path = segment_name(index)
        try:
            with self._fs.open(path, "rb") as f:
                head: bytes = f.read(2)
                (length,) = struct.unpack(">H", head) if len(head) == 2 else (0,)
                frame = head + f.read(length + 4)
        except (LittleFSError, OSError) as exc:
            raise JournalError("UNREADABLE", f"{path} unreadable: {exc!r}") from None
        return next(iter_frames(path, frame))

    def _size(self, index: int) -> int:
        """Return the size of segment ``index``, or -1 when it does not exist."""
        return self._file_size(segment_name(index))

    def _file_size(self, path: str) -> int:
        """Return the size of the file at ``path``, or -1 when it does not exist."""
        try:
            return int(self._fs.stat(path).size)
        except FileNotFoundError:
            return -1
        except LittleFSError as exc:
            if exc.code == LFS_ERR_NOENT:
                return -1
            raise JournalError("UNREADABLE", f"{path} unreadable: {exc!r}") from None
