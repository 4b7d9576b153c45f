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

import bisect
import struct
from collections.abc import Iterator

from littlefs import LittleFS, LittleFSError

from firmware.flash_fs import LFS_ERR_NOENT
from firmware.flash_layout import JOURNAL_DIR, segment_index, segment_name
from firmware.frames import FRAME_OVERHEAD, JournalError, iter_frames, seq_of


class JournalReader:
    """The read side of the journal on a mounted littlefs; Journal adds the writes."""

    def __init__(self, fs: LittleFS) -> None:
        self._fs = fs
        self._segment_index = -1  # the last segment, not yet located (see ``locate``)
        self._segment_size = 0
        self._counts: dict[int, int] = {}  # records per segment, learnt by reading or appending
        # The seq of each segment's first record, learnt by reading (a segment's
        # first frame, or the segment before it whole) or appending, and the
        # indexes learnt, sorted: reads by seq look for a segment among them first.
        self._starts: dict[int, int] = {}
        self._learnt: list[int] = []

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
            self._counts[segment_index(path)] = count

    def read_records(self, first: int, count: int) -> list[bytes]:
        """Return up to ``count`` records from the one of seq ``first`` on (at least 1).

        The segment holding ``first`` is found without listing the directory
        (``_segment_holding``), then the segments from it are read in turn:
        a call costs the segments it returns records from, and a dump, whose
        calls go on where the last one stopped, reads each segment about once.
        """
        first, last = max(first, 1), self.position()[0]
        try:
            index = self._segment_holding(first)
            start = self._start(index) if index else 0
        except JournalError:
            # A first frame torn, or a record without a seq: serve the records
            # as stored all the same, counted from the first segment (a
            # damaged journal is the inspector's to judge, not the reader's).
            index, start = 1, 1
        if index == 0 or count <= 0:
            return []
        out: list[bytes] = []
        while index <= last and len(out) < count:
            path = segment_name(index)
            frames = list(iter_frames(path, self._segment(path)))
            self._counts[index] = len(frames)
            if index < last:  # a full segment: the next one starts right after it
                self._learn(index + 1, start + len(frames))
            skip = max(first - start, 0)
            out.extend(frames[skip : skip + count - len(out)])
            index, start = index + 1, start + len(frames)
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
            index = segment_index(segments[-1]) if segments else 0
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
        return self._read(segment_name(index))

    def _read(self, path: str, offset: int = 0, size: int = -1) -> bytes | None:
        """Return ``size`` bytes (-1: all) of the file at ``path`` from ``offset``.

        None when the file does not exist; JournalError when littlefs cannot read it.
        """
        try:
            with self._fs.open(path, "rb") as f:
                if offset:
                    f.seek(offset)
                data: bytes = f.read(size)
        except FileNotFoundError:
            return None
        except LittleFSError as exc:
            if exc.code == LFS_ERR_NOENT:
                return None
            raise JournalError("UNREADABLE", f"{path} unreadable: {exc!r}") from None
        except OSError as exc:
            raise JournalError("UNREADABLE", f"{path} unreadable: {exc!r}") from None
        return data

    def _existing(self, path: str) -> bytes:
        """Return the whole file at ``path``; JournalError when it is missing or unreadable."""
        data = self._read(path)
        if data is None:
            raise JournalError("UNREADABLE", f"{path} unreadable: it does not exist")
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
        their seq at a fixed place, field 2; ``_segment_holding``): at most
        about log2(segments) reads of one frame, then the segment that holds
        ``seq``.
        """
        index = self._segment_holding(seq)
        if index < 1:
            return None
        for record in iter_frames(segment_name(index), self._segment(segment_name(index))):
            if seq_of(record) == seq:
                return record
        return None

    def _segment_holding(self, seq: int) -> int:
        """Return the last segment whose first record's seq is <= ``seq`` (0: none).

        Segments are numbered from 1 with no gap and records go in seq order,
        so this is a binary search over the indexes, narrowed first by the
        segment starts already learnt, then by a guess: the last segment when
        nothing above ``seq`` is learnt (the head statement's record), else
        the segment after a learnt one (a dump going on from its last call,
        which learnt where the next segment starts). Each start not yet
        learnt costs one frame read, once.
        """
        after = bisect.bisect_right(self._learnt, seq, key=self._starts.__getitem__)
        low = self._learnt[after - 1] if after else 0  # 0: before the first record
        high = self._learnt[after] - 1 if after < len(self._learnt) else self.position()[0]
        guess = high if after == len(self._learnt) else low + 1
        if low < guess <= high:
            if self._start(guess) <= seq:
                low = guess
            else:
                high = guess - 1
        while low < high:
            middle = (low + high + 1) // 2
            if self._start(middle) <= seq:
                low = middle
            else:
                high = middle - 1
        return low

    def _start(self, index: int) -> int:
        """Return the seq of segment ``index``'s first record (one frame read, then known)."""
        start = self._starts.get(index)
        if start is None:
            start = seq_of(self._first_record(index))
            self._learn(index, start)
        return start

    def _learn(self, index: int, start: int) -> None:
        if index not in self._starts:
            self._starts[index] = start
            bisect.insort(self._learnt, index)

    def _segment(self, path: str) -> bytes:
        return self._existing(path)

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
