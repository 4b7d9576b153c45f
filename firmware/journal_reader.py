"""Reading the fiscal journal: its records by seq or by place, its segments, its end.

The records are frames on the log partition (firmware/journal_log.py);
segments (docs/SPEC.md section 3) are the logical cut of that stream that
backups, the inspector's copies and checkpoints name: segment ``N`` is the
frames whose place says ``N``, back to back. Every read starts with a
binary search over the log's block headers, so nothing reads from the
first block: ``frames_after`` (the tail after a checkpoint),
``record_ending_at`` (the record a checkpoint names), ``record_at`` and
``read_records`` (by seq), ``records_after`` (a document's links),
``segment_data``, ``segments_from`` and ``segments_backwards`` (whole
segments, read in bulk where the log is regular, firmware/log_segment.py;
the inspector's dump cut by the block headers alone, firmware/log_stored.py). The side files
(identity, configuration, checkpoint, archives...) are littlefs files in
their own partition.
"""

from __future__ import annotations

from collections.abc import Iterator

from littlefs import LittleFS, LittleFSError

from firmware.flash_fs import LFS_ERR_NOENT
from firmware.flash_layout import segment_index, segment_name
from firmware.frames import FRAME_OVERHEAD, JournalError, checked_records
from firmware.journal_log import Log
from firmware.log_blocks import Cursor, next_place
from firmware.log_stored import resumed


class JournalReader:
    """The read side of the journal: the log, and littlefs for side files; Journal adds writes."""

    def __init__(self, fs: LittleFS, log: Log) -> None:
        self._fs = fs
        self._log = log
        # Where the last read as stored stopped: the log's end then, and the cursor at the
        # next segment with the blocks read past it. A dump asks for segment after segment:
        # the next request goes on from there, without a search over the block headers, as
        # long as nothing was appended since (then everything read is still what is stored).
        self._stopped: tuple[tuple[int, int], Cursor] | None = None

    def segments(self) -> list[str]:
        """Return the segment paths in journal order (names, as a backup's members)."""
        return [segment_name(index) for index in range(1, self.position()[0] + 1)]

    def records(self) -> Iterator[bytes]:
        """Yield every record in journal order, from the first block of the log.

        Raises CorruptFrameError on a bad frame (a torn frame, the one shape
        a power cut leaves, is skipped: it was never a record).
        """
        for record, _ in self._log.records(self._log.start()):
            yield record

    def last_seq(self) -> int:
        """Return how many frames the log holds (the seq of the last record when intact)."""
        return self._log.end().seq - 1

    def read_records(self, first: int, count: int) -> list[bytes]:
        """Return up to ``count`` records from the one of seq ``first`` on (at least 1).

        Seqs are the frames' ranks in the log (a record's own seq field is
        the inspector's to check): a damaged journal is served as stored.
        """
        first = max(first, 1)
        if count <= 0 or first > self.last_seq():
            return []
        out: list[bytes] = []
        for record, at in self._log.records(self._log.find_seq(first)):
            if at.seq >= first:
                out.append(record)
                if len(out) == count:
                    break
        return out

    def locate(self, segment: int = 0) -> tuple[int, int]:
        """Find the journal's end; return (last segment, its size) (index 0: empty journal).

        Raises JournalError("NO_SEGMENT") when ``segment`` (a checkpoint's)
        is beyond the last segment (the journal is shorter than the hint).
        """
        last = self.position()
        if segment > last[0]:
            raise JournalError("NO_SEGMENT", f"{segment_name(segment)} does not exist")
        return last

    def position(self) -> tuple[int, int]:
        """Return (last segment, its size): where the last record's frame ends."""
        return self._log.last()

    def segment_data(self, index: int) -> bytes | None:
        """Return segment ``index``'s bytes (its frames back to back), None when there is none."""
        if not 1 <= index <= self.position()[0]:
            return None
        return next(self.segments_from(index, index))

    def segments_from(self, first: int, last: int, *, as_stored: bool = False) -> Iterator[bytes]:
        """Yield the bytes of segments ``first`` to ``last`` (existing ones), in order.

        A segment before the journal's last is read in bulk when its blocks
        are regular, each read starting where the one before stopped; the
        careful read (``careful_segment``) decides otherwise, and for the
        last segment, which runs to the log's end. Raises CorruptFrameError
        on a bad frame on the way. ``as_stored`` (the inspector's dump): a
        segment the block headers cut is sent with its frames unread
        (firmware/log_stored.py); the others as above.
        """
        top = self.position()[0]
        at: Cursor | None = None
        stopped, self._stopped = self._stopped, None
        if as_stored and stopped and stopped[0] == self._log.last() and stopped[1].segment == first:
            at = resumed(stopped[1])
        for index in range(max(first, 1), min(last, top) + 1):
            found = None
            if index < top and as_stored:
                found = self._log.stored_segment(index, at)
            if found is None and index < top:
                found = self._log.segment(index, at)
            if found is None:
                at = None
                yield self.careful_segment(index)
            else:
                data, at = found
                if as_stored:
                    self._stopped = (self._log.last(), at)
                yield data

    def careful_segment(self, index: int) -> bytes:
        """Return segment ``index``'s frames read one by one (every shape a power cut leaves).

        Raises CorruptFrameError on a bad frame on the way.
        """
        return b"".join(self._careful_frames(index))

    def _segment(self, path: str) -> bytes:
        data = self.segment_data(segment_index(path))
        if data is None:
            raise JournalError("UNREADABLE", f"{path} does not exist")
        return data

    def _segment_records(self, index: int) -> list[bytes] | None:
        """Return segment ``index``'s records (read in bulk when regular), None past the end."""
        data = self.segment_data(index)
        return None if data is None else list(checked_records(data))

    def _careful_frames(self, index: int) -> Iterator[bytes]:
        """Yield segment ``index``'s frames as stored, read one by one from its block header."""
        for frame, at in self._log.frames(self._log.find_place(index, 0)):
            if at.segment > index:
                return
            if at.segment == index:
                yield frame

    def _read(self, path: str, offset: int = 0, size: int = -1) -> bytes | None:
        """Return ``size`` bytes (-1: all) of the side file at ``path`` from ``offset``.

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

        None when no frame ends exactly there (the journal was cut, or
        rewritten, before that point). Raises CorruptFrameError on a bad
        frame on the way.
        """
        if segment < 1 or offset <= 0:
            return None
        target = (segment, offset)
        for record, at in self._log.records(self._log.find_place(segment, offset - 1)):
            end = (at.segment, at.offset + len(record) + FRAME_OVERHEAD)
            if end == target:
                return record
            if end > target:
                return None
        return None

    def frames_after(self, segment: int, offset: int) -> Iterator[bytes]:
        """Yield every record after byte ``offset`` of ``segment``, to the journal's end.

        Raises CorruptFrameError on a bad frame.
        """
        place = next_place(segment, offset) if segment > 0 else (1, 0)
        for record, at in self._log.records(self._log.find_place(*place)):
            if (at.segment, at.offset) >= place:
                yield record

    def records_after(self, seq: int) -> Iterator[bytes]:
        """Yield every record after the one of journal sequence ``seq``, to the journal's end.

        The rest of the segment holding record ``seq + 1`` frame by frame
        from the block header before it, then the following segments as a
        dump reads them (``segments_from``: in bulk when regular). Raises
        CorruptFrameError on a bad frame.
        """
        if seq >= self.last_seq():
            return
        first = None
        for record, at in self._log.records(self._log.find_seq(seq + 1)):
            if at.seq <= seq:
                continue
            if first is None:
                first = at.segment
            elif at.segment > first:
                break
            yield record
        if first is None:
            return
        for data in self.segments_from(first + 1, self.position()[0]):
            yield from checked_records(data)

    def segments_backwards(self) -> Iterator[list[bytes]]:
        """Yield each segment's records, from the last segment back to the first."""
        for index in range(self.position()[0], 0, -1):
            yield self._segment_records(index) or []

    def record_at(self, seq: int) -> bytes | None:
        """Return the record with journal sequence ``seq``, or None when there is none.

        A binary search over the log's block headers, then the block or two
        that hold the frame.
        """
        if not 1 <= seq <= self.last_seq():
            return None
        for record, at in self._log.records(self._log.find_seq(seq)):
            if at.seq == seq:
                return record
        return None

    def _file_size(self, path: str) -> int:
        """Return the size of the side file at ``path``, or -1 when it does not exist."""
        try:
            return int(self._fs.stat(path).size)
        except FileNotFoundError:
            return -1
        except LittleFSError as exc:
            if exc.code == LFS_ERR_NOENT:
                return -1
            raise JournalError("UNREADABLE", f"{path} unreadable: {exc!r}") from None
