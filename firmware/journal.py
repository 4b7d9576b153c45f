"""The fiscal journal: append-only framed records in littlefs on the terminal's flash.

Theory of operation. littlefs (a power-safe, copy-on-write filesystem made
for NOR flash) sits on the Flash port. Each record is appended to the
current segment file as one frame, and the file is synced after each
append (``lfs_file_sync``, what a close does): littlefs commits a file
atomically there, and the commit ends with the flash's ``sync``, so when
``append`` returns the record is durable; if the power fails before, the
file is as it was before the append. The
frame's own length and CRC-32 are a second line of defence, and let the
inspector check the bytes without trusting littlefs.

Segments are named ``/fiscal/journal/NNNNNNNN.log`` (8 decimal digits, from
00000001); a new one starts when the current one holds SEGMENT_BYTES or
more. Nothing is ever rewritten or deleted. See docs/SPEC.md, "Journal".

Mounting reads nothing of the journal: the last segment is found when it
is first needed, from a signed checkpoint's segment index when there is one
(``locate``: stat that segment, then the next, until one is missing), else
by listing the directory. The reading side serves boot and look-ups from
the end: ``frames_after`` (the tail after a checkpoint), ``record_ending_at``
(the record a checkpoint names), ``segments_backwards`` and ``record_at``
(a record by seq, a binary search over the segments' first records).

Storage use is known at all times without walking the filesystem at each
boot or commit: littlefs measures it (``measure_used_bytes``, a traversal of
every block) when there is time for it, and from there each append adds
the blocks its segment grew by (littlefs's CTZ skip-list layout, exact for
file data, plus an allowance per new file for directory metadata) and each
side file the blocks it takes beyond the file it replaces; a checkpoint
carries the figure across a restart.

The journal never formats a flash it cannot mount: ``create`` does that,
once, when the terminal is provisioned.
"""

from __future__ import annotations

import contextlib
import math
import struct
import zlib
from collections.abc import Iterator
from typing import Any

import cbor2
from littlefs import LittleFS, LittleFSError, UserContext

from hal.ports import Flash

ROOT = "/fiscal"
IDENTITY_PATH = "/fiscal/identity.cbor"
CONFIG_PATH = "/fiscal/config.json"  # the configuration last acknowledged in the JET
PRINTED_PATH = "/fiscal/printed"  # the last ticket printed or journaled as not printed
RESTORE_PATH = "/fiscal/restore"  # present only while a restore is being carried out
CHECKPOINT_PATH = "/fiscal/checkpoint"  # the signed state at a point of the journal
JOURNAL_DIR = "/fiscal/journal"
SEGMENT_BYTES = 32 * 1024
MAX_RECORD_BYTES = 0xFFFF
FRAME_OVERHEAD = 6  # u16 length + u32 CRC-32
LFS_ERR_NOENT = -2  # littlefs: no such file or directory
BLOCK_CYCLES = 500
LOOKAHEAD_BYTES = 32  # at least; see _lookahead_bytes
CACHE_BYTES = 4096  # littlefs read and program caches, at most one erase block
INLINE_BYTES = 256  # files up to this size live in their directory's metadata


class JournalError(Exception):
    """The journal cannot be mounted, read or appended; ``code`` is stable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class CorruptFrameError(JournalError):
    """A frame's length or CRC does not hold; ``segment`` and ``offset`` locate it."""

    def __init__(self, segment: str, offset: int, message: str) -> None:
        super().__init__("CORRUPT_FRAME", f"{segment} @ {offset}: {message}")
        self.segment = segment
        self.offset = offset


def encode_frame(record: bytes) -> bytes:
    """Return ``record`` framed: u16 BE length, the record, u32 BE CRC-32 of both."""
    if not 0 < len(record) <= MAX_RECORD_BYTES:
        raise ValueError(f"record size {len(record)} outside 1..{MAX_RECORD_BYTES}")
    head = struct.pack(">H", len(record))
    return head + record + struct.pack(">I", zlib.crc32(head + record))


def iter_frames(segment: str, data: bytes) -> Iterator[bytes]:
    """Yield the records framed in ``data``; raise CorruptFrameError on a bad frame."""
    offset = 0
    while offset < len(data):
        if len(data) - offset < FRAME_OVERHEAD:
            raise CorruptFrameError(segment, offset, "truncated frame header")
        (length,) = struct.unpack_from(">H", data, offset)
        end = offset + 2 + length + 4
        if length == 0 or end > len(data):
            raise CorruptFrameError(segment, offset, f"frame length {length} runs past the end")
        (crc,) = struct.unpack_from(">I", data, end - 4)
        if zlib.crc32(data[offset : end - 4]) != crc:
            raise CorruptFrameError(segment, offset, "CRC-32 mismatch")
        yield bytes(data[offset + 2 : end - 4])
        offset = end


def segment_name(index: int) -> str:
    return f"{JOURNAL_DIR}/{index:08d}.log"


class FlashContext(UserContext):
    """littlefs block-device callbacks onto the Flash port.

    littlefs aborts the process if a callback raises, so contract breaches
    by littlefs itself would be fatal; the Flash backends raise only on
    misuse, which littlefs never does within its configured geometry.
    """

    def __init__(self, flash: Flash) -> None:
        self.flash = flash

    def read(self, cfg: Any, block: int, off: int, size: int) -> bytearray:
        return bytearray(self.flash.read(block, off, size))

    def prog(self, cfg: Any, block: int, off: int, data: bytes) -> int:
        self.flash.program(block, off, data)  # littlefs-python hands bytes: no copy
        return 0

    def erase(self, cfg: Any, block: int) -> int:
        self.flash.erase(block)
        return 0

    def sync(self, cfg: Any) -> int:
        self.flash.sync()
        return 0


def _filesystem(flash: Flash) -> LittleFS:
    """littlefs on ``flash``, its caches sized for the commit path (none is on flash).

    Reads are whole cache lines: littlefs loads its read cache only as far
    as each small read asks (a 4-byte tag becomes one read of ``read_size``),
    so with the chip's 16-byte reads a metadata compaction walks the
    directory's log 16 bytes per callback, once per file in the directory:
    thousands of callbacks per compaction on a journal of a few hundred
    segments. One read of a whole block instead costs one callback. The
    lookahead bitmap covers the whole chip, so the allocator rescans the
    filesystem once per pass over the chip rather than every 256 blocks.
    Inline files stay at 256 bytes as with the former 256-byte cache, so
    what lands where on flash does not depend on the cache size.
    """
    g = flash.geometry
    unit = math.lcm(g.read_size, g.prog_size)  # littlefs: cache lines hold whole reads and programs
    top = min(CACHE_BYTES, g.block_size)
    cache = max(c for c in range(unit, top + 1, unit) if g.block_size % c == 0)
    return LittleFS(
        context=FlashContext(flash),
        mount=False,  # never let the constructor format a flash it cannot mount
        block_size=g.block_size,
        block_count=g.block_count,
        read_size=cache,
        prog_size=g.prog_size,
        cache_size=cache,
        lookahead_size=_lookahead_bytes(g.block_count),
        block_cycles=BLOCK_CYCLES,
        inline_max=min(INLINE_BYTES, cache, g.block_size // 8),
    )


def _lookahead_bytes(block_count: int) -> int:
    """Return a lookahead bitmap covering the whole chip (a bit per block, 8-byte multiple).

    littlefs finds free blocks by walking the whole filesystem to fill this
    bitmap, one window at a time. A window smaller than the chip costs one
    walk per window crossed: with 32 bytes (256 blocks) on a 70,000-block
    chip nearly full, the first write after a mount took minutes. One
    window over the whole chip: one walk per mount (and per chipful of
    allocations), for block_count / 8 bytes of RAM (8.5 KiB for 272 MiB).
    """
    return max(LOOKAHEAD_BYTES, (block_count + 63) // 64 * 8)


class Journal:
    """Append-only fiscal journal on a mounted littlefs (see the module docstring)."""

    def __init__(self, fs: LittleFS) -> None:
        self._fs = fs
        self._segment_index = -1  # the last segment, not yet located (see ``locate``)
        self._segment_size = 0
        self._counts: dict[str, int] = {}  # records per segment, learnt by reading or appending
        self._used = -1  # bytes of flash in use: measured, then kept up to date (-1: unknown)

    @classmethod
    def create(cls, flash: Flash, identity: bytes) -> Journal:
        """Format ``flash`` and write the terminal's identity; only at provisioning."""
        fs = _filesystem(flash)
        fs.format()
        fs.mount()
        fs.mkdir(ROOT)
        fs.mkdir(JOURNAL_DIR)
        with fs.open(IDENTITY_PATH, "wb") as f:
            f.write(identity)
        return cls(fs)

    @classmethod
    def mount(cls, flash: Flash) -> Journal:
        """Mount the journal on ``flash``; raise JournalError if there is none."""
        fs = _filesystem(flash)
        try:
            fs.mount()
        except LittleFSError as exc:
            raise JournalError("NO_FILESYSTEM", f"flash holds no journal ({exc})") from None
        try:
            fs.stat(JOURNAL_DIR)
        except LittleFSError:
            raise JournalError("NO_JOURNAL", "flash has no /fiscal/journal directory") from None
        try:
            return cls(fs)
        except LittleFSError as exc:  # the last segment cannot be stat'ed
            raise JournalError("UNREADABLE", f"journal segments unreadable: {exc!r}") from None

    def identity(self) -> bytes:
        """Return the identity file's bytes; raise JournalError when it cannot be read."""
        try:
            with self._fs.open(IDENTITY_PATH, "rb") as f:
                data: bytes = f.read()
        except (LittleFSError, OSError) as exc:
            raise JournalError("UNREADABLE", f"identity file unreadable: {exc!r}") from None
        return data

    def read_file(self, path: str) -> bytes | None:
        """Return a side file's bytes (e.g. CONFIG_PATH), or None when it does not exist."""
        try:
            with self._fs.open(path, "rb") as f:
                data: bytes = f.read()
        except FileNotFoundError:
            return None
        except (LittleFSError, OSError) as exc:
            raise JournalError("UNREADABLE", f"{path} unreadable: {exc!r}") from None
        return data

    def replace_file(self, path: str, data: bytes) -> None:
        """Replace a side file atomically: write a new file, then rename it over the old one.

        Never for the journal itself, which is only ever appended to.
        """
        if path.startswith(JOURNAL_DIR) or path == IDENTITY_PATH:
            raise ValueError(f"{path} is not a side file")
        try:
            self._fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
            with self._fs.open(path + ".new", "wb") as f:
                f.write(data)
            replaced = self._file_size(path)
            self._fs.rename(path + ".new", path)
        except (LittleFSError, OSError) as exc:
            raise JournalError("WRITE_FAILED", f"{path} not written: {exc!r}") from None
        self._grown(replaced, len(data))

    # The segment being appended to, left open between appends: (filesystem, path, file).
    _writing: tuple[LittleFS, str, Any] | None = None

    def append(self, record: bytes) -> None:
        """Append one record; durable when this returns (see the module docstring).

        The segment stays open from one append to the next, and each append
        ends with littlefs's file sync (``lfs_file_sync``, which the
        unbuffered file's ``flush`` calls): the very commit ``close`` runs,
        so it programs the data, syncs the flash, commits the metadata and
        syncs again. Reopening the segment for each record cost a walk down
        three directories, about half of littlefs's time per append. (A
        buffered file's ``flush`` only hands its buffer to littlefs and
        syncs nothing: not a commit.) A failed write or sync leaves the file
        errored; it is then closed, which commits nothing, and the next
        append opens the segment again.
        """
        frame = encode_frame(record)
        if self._segment_index < 0:
            self.locate()
        before = self._segment_size
        if self._segment_size >= SEGMENT_BYTES or self._segment_index == 0:
            self._segment_index += 1
            self._segment_size = 0
        path = segment_name(self._segment_index)
        writing = self._writing
        handle: Any = None
        try:
            if writing is not None and writing[0] is self._fs and writing[1] == path:
                handle = writing[2]
            else:
                self._writing = None
                if writing is not None:
                    writing[2].close()  # synced by its last append: commits nothing new
                handle = self._fs.open(path, "ab" if self._segment_size else "wb", buffering=0)
                self._writing = (self._fs, path, handle)
            handle.write(frame)
            handle.flush()  # lfs_file_sync: durable on return
        except (LittleFSError, OSError) as exc:
            # NOSPC and friends: the append did not happen (littlefs is atomic).
            self._writing = None
            if handle is not None:
                with contextlib.suppress(LittleFSError, OSError):
                    handle.close()  # errored: its close commits nothing
            raise JournalError("WRITE_FAILED", f"journal append failed: {exc}") from None
        self._segment_size += len(frame)
        if path in self._counts or self._segment_size == len(frame):
            self._counts[path] = self._counts.get(path, 0) + 1
        self._grown(before if self._segment_size > len(frame) else -1, self._segment_size)

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

    def list_dir(self, path: str) -> list[tuple[str, int]]:
        """Return (name, size) of the files in a side directory; [] when it does not exist."""
        try:
            names = sorted(self._fs.listdir(path))
            return [(n, int(self._fs.stat(f"{path}/{n}").size)) for n in names]
        except FileNotFoundError:
            return []
        except LittleFSError as exc:
            if exc.code == LFS_ERR_NOENT:
                return []
            raise JournalError("UNREADABLE", f"{path} unreadable: {exc!r}") from None
        except OSError as exc:
            raise JournalError("UNREADABLE", f"{path} unreadable: {exc!r}") from None

    def side_files(self) -> list[str]:
        """Return the path of every side file under /fiscal, sorted (not the journal, identity,
        nor the ``.new`` files an interrupted ``replace_file`` may leave)."""
        found: list[str] = []
        try:
            for top, _, names in self._fs.walk(ROOT):
                base = top.rstrip("/")
                found += [f"{base}/{n}" for n in names if not n.endswith(".new")]
        except (LittleFSError, OSError) as exc:
            raise JournalError("UNREADABLE", f"{ROOT} unreadable: {exc!r}") from None
        skip = (IDENTITY_PATH, RESTORE_PATH)
        return sorted(p for p in found if p not in skip and not p.startswith(JOURNAL_DIR + "/"))

    def remove_file(self, path: str) -> None:
        """Remove a side file (RESTORE_PATH when a restore is over); absent is fine."""
        if path.startswith(JOURNAL_DIR) or path == IDENTITY_PATH:
            raise ValueError(f"{path} is not a side file")
        try:
            self._fs.remove(path)
        except FileNotFoundError:
            return
        except LittleFSError as exc:
            if exc.code != LFS_ERR_NOENT:
                raise JournalError("WRITE_FAILED", f"{path} not removed: {exc!r}") from None
        except OSError as exc:
            raise JournalError("WRITE_FAILED", f"{path} not removed: {exc!r}") from None

    def _segment(self, path: str) -> bytes:
        try:
            with self._fs.open(path, "rb") as f:
                data: bytes = f.read()
        except (LittleFSError, OSError) as exc:
            raise JournalError("UNREADABLE", f"{path} unreadable: {exc!r}") from None
        return data

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
            if _seq_of(self._first_record(middle)) <= seq:
                low = middle
            else:
                high = middle - 1
        if high < 1:
            return None
        for record in iter_frames(segment_name(low), self._segment(segment_name(low))):
            if _seq_of(record) == seq:
                return record
        return None

    def used_bytes(self) -> int:
        """Return the bytes of flash in use (measured once, then kept up to date)."""
        if self._used < 0:
            self.measure_used_bytes()
        return self._used

    def measure_used_bytes(self) -> int:
        """Measure the flash in use with littlefs (a walk of every block); return it."""
        self._used = int(self._fs.used_block_count) * self._fs.cfg.block_size
        return self._used

    def assume_used_bytes(self, used: int, since: tuple[int, int]) -> None:
        """Take ``used`` (a checkpoint's figure at position ``since``) plus what came after.

        Each segment after ``since`` adds its blocks (and its entry in the
        directory's metadata), the segment at ``since`` what it grew.
        """
        self._used = used
        segment, offset = since
        last, size = self.position()
        if last == segment:
            self._grown(offset, size)
            return
        self._grown(offset, self._size(segment) if segment else 0)
        for index in range(max(segment, 0) + 1, last + 1):
            self._grown(-1, size if index == last else self._size(index))

    def _grown(self, before: int, after: int) -> None:
        """Count the blocks a file grew by, from ``before`` bytes (-1: new) to ``after``."""
        if self._used < 0:
            return
        block = self._fs.cfg.block_size
        added = _ctz_blocks(after, block) - _ctz_blocks(max(before, 0), block)
        self._used += added * block + (block // DIR_ENTRIES_PER_BLOCK if before < 0 else 0)

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


# A new file's entry in its directory's metadata: a metadata pair (2 blocks) holds
# a few dozen entries: a 16th of a block per file (the estimate stays within a few blocks).
DIR_ENTRIES_PER_BLOCK = 16
INLINE_MAX_BYTES = 256  # littlefs keeps smaller files in their directory's metadata (cache size)


def _ctz_blocks(size: int, block: int) -> int:
    """Return the blocks littlefs uses for a file of ``size`` bytes (its CTZ skip-list).

    Block i of a CTZ list holds ctz(i) + 1 pointers of 4 bytes before its
    data (littlefs DESIGN.md, "CTZ skip-lists"); small files are inline.
    """
    if size <= INLINE_MAX_BYTES:
        return 0
    count, room = 1, block
    while room < size:
        room += block - 4 * ((count & -count).bit_length())
        count += 1
    return count


def _seq_of(record: bytes) -> int:
    """Return a record's seq, field 2 of its CBOR array (docs/SPEC.md section 4).

    The journal reads no further into a record; the Verifier checks the rest.
    """
    try:
        fields = cbor2.loads(record)
        seq = fields[2]
    except Exception:  # cbor2 raises several error types on bad input
        seq = None
    if not isinstance(seq, int) or isinstance(seq, bool):
        raise JournalError("UNREADABLE", "a segment's first record has no seq")
    return seq
