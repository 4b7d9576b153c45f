"""The journal's log: frames appended back to back on a partition erased at provisioning.

Theory of operation (docs/SPEC.md section 1.2). The log partition's blocks
are erased once, when the terminal is provisioned, and afterwards only
programmed, in order: nothing is ever erased in service, so there is no
torn erase to survive. Frames (firmware/frames.py) follow one another in
the blocks' data areas (after each block's 16-byte header,
firmware/log_blocks.py) and may run across a block boundary. An append is
one program of the frame (two or more when it opens a block after the end
of another frame, or runs into the next blocks) and one ``sync``: durable
when ``append`` returns.

A power cut during an append can leave a torn frame at the end (some of
its bytes programmed, its CRC failing). It was never acknowledged, so it
is not a record: a reader skips it when it has the only shape a cut can
leave (a frame that does not hold, then nothing but a block header naming
the same seq at the start of a later block, or erased blocks to the end),
and the next append starts at the next block boundary after it, never over
programmed bytes. Any other bad frame is corruption (CorruptFrameError).

Reading by seq or by logical place is a binary search over the block
headers (``find_seq``, ``find_place``), then a forward scan (``frames``):
a boot reads the blocks from its checkpoint's place to the end, whatever
the journal's length.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from typing import Any

from firmware.flash_layout import segment_name
from firmware.frames import FRAME_OVERHEAD, MAX_RECORD_BYTES, CorruptFrameError, JournalError
from firmware.log_blocks import (
    ERASED_HEADER,
    HEADER_BYTES,
    Cursor,
    Header,
    Torn,
    decode_header,
    next_place,
)
from firmware.log_segment import read_segment
from firmware.log_stored import read_stored_segment
from hal.ports import ERASED_BYTE, Flash, FlashContractError

_BLOCKS_CACHED = 4


class Log:
    """The journal's frames on the log partition ``flash`` (see the module docstring)."""

    def __init__(self, flash: Flash) -> None:
        """Raise ValueError when the partition cannot hold a log (units not dividing 16)."""
        g = flash.geometry
        if HEADER_BYTES % g.prog_size or HEADER_BYTES % g.read_size:
            raise ValueError(f"a journal log needs program and read units dividing {HEADER_BYTES}")
        self._flash = flash
        self._size = g.block_size
        self._count = g.block_count
        self._align = g.prog_size  # frames start at multiples of the program unit
        data = self._size - HEADER_BYTES
        span = -(-(MAX_RECORD_BYTES + FRAME_OVERHEAD) // data) + 1  # blocks one frame touches
        self._reach = 2 * span + 2  # at most this many blocks from one holding header to the next
        self._span = span
        self._end: Cursor | None = None
        self._last = (0, 0)  # (segment, offset) just after the last frame
        self._blocks: dict[int, bytes] = {}
        self._broken = False
        self.torn: Torn | None = None  # a torn frame found at the end, until journaled

    # -- where things are -----------------------------------------------------

    def start(self) -> Cursor:
        """The cursor at the first frame of the log."""
        return Cursor(0, HEADER_BYTES, 1, 1, 0, True)

    def end(self) -> Cursor:
        """The cursor where the next frame goes (found once: headers, then the last blocks)."""
        if self._end is None:
            last = self._search(lambda h: h.seq, float("inf"))
            begin = self.find_seq(last[1].seq - 1) if last and last[1].seq > 1 else self.start()
            for _ in self.frames(begin):
                pass
        assert self._end is not None  # set by frames() at the end of the log
        return self._end

    def last(self) -> tuple[int, int]:
        """Return (segment, offset) just after the last frame; (0, 0) when the log is empty."""
        self.end()
        return self._last

    def used(self) -> int:
        """Return the bytes of the partition before the next frame (exact)."""
        end = self.end()
        return min(end.block * self._size + end.off, self._count * self._size)

    def capacity(self) -> int:
        return self._count * self._size

    def find_seq(self, seq: int) -> Cursor:
        """A cursor at or before the frame ``seq`` (the first frame when none is earlier)."""
        found = self._search(lambda h: h.seq, seq)
        return Cursor.at(*found) if found else self.start()

    def find_place(self, segment: int, offset: int) -> Cursor:
        """A cursor at or before the frame starting at (``segment``, ``offset``)."""
        found = self._search(lambda h: (h.segment, h.offset), (segment, offset))
        return Cursor.at(*found) if found else self.start()

    # -- reading --------------------------------------------------------------

    def segment(self, index: int, at: Cursor | None = None) -> tuple[bytes, Cursor] | None:
        """Return segment ``index``'s frames read in bulk, and the cursor at the next segment.

        ``at``: the cursor a read of the segment before returned (else a
        search over the block headers finds where to start). None when the
        pass finds anything irregular on the way (firmware/log_segment.py):
        ``frames`` then decides what the segment is, or that the log is corrupt.
        """
        return read_segment(self._flash, at or self.find_place(index, 0), index)

    def stored_segment(self, index: int, at: Cursor | None = None) -> tuple[bytes, Cursor] | None:
        """``segment``, cut by the block headers alone: frames sent unread (firmware/log_stored.py).

        None when the headers do not vouch for the cut: ``segment`` decides then.
        """
        return read_stored_segment(self._flash, at or self.find_place(index, 0), index)

    def records(self, at: Cursor) -> Iterator[tuple[bytes, Cursor]]:
        """Yield (record, cursor at its frame) from ``at`` to the end of the log (see frames)."""
        for frame, c in self.frames(at):
            yield frame[2:-4], c

    def frames(self, at: Cursor) -> Iterator[tuple[bytes, Cursor]]:
        """Yield (frame as stored, cursor at it) from ``at`` to the end of the log.

        Reaching the end sets it (and ``torn`` when a torn frame is the last
        thing written). Raises CorruptFrameError on anything a power cut
        cannot leave.
        """
        c = at
        last: tuple[int, int] | None = None
        self._blocks.clear()  # each read sees the flash as it is now, not as a former read did
        size, align = self._size, self._align
        while True:
            c = self._normal(c)
            if c.block < self._count and not c.fresh:
                # The common case, checked first: a whole frame inside the cursor's
                # block after another frame (no header to match, no boundary to
                # cross). Anything else, the end included, takes the full path.
                data = self._block(c.block)
                off = c.off
                end = off + int.from_bytes(data[off : off + 2], "big") + FRAME_OVERHEAD
                if end <= size and end > off + FRAME_OVERHEAD and _crc_holds(data[off:end]):
                    yield data[off:end], c
                    logical_end = c.offset + end - off
                    last = (c.segment, logical_end)
                    segment, offset = next_place(c.segment, logical_end)
                    end += -end % align
                    c = Cursor(c.block, end, c.seq + 1, segment, offset, False)
                    continue
            if c.block >= self._count or self._is_end(c):
                self._found_end(c, last)
                return
            found = self._frame(c)
            if found is None:
                resume, torn = self._skip_torn(c)
                c = Cursor(resume, HEADER_BYTES, c.seq, c.segment, c.offset, True)
                if resume >= self._count or self._is_end(c):
                    self.torn = self.torn or torn
                    self._found_end(c, last)
                    return
                continue
            frame, block, off = found
            yield frame, c
            end = c.offset + len(frame)
            last = (c.segment, end)
            segment, offset = next_place(c.segment, end)
            off += -off % self._align
            c = Cursor(block, off, c.seq + 1, segment, offset, block != c.block)

    def _frame(self, c: Cursor) -> tuple[bytes, int, int] | None:
        """Return (frame, block and offset after it) when a whole frame holds at ``c``.

        None when it does not, or when it opens its block and the block's
        header does not name it (a torn frame, or corruption: the caller
        decides). A block header inside a frame is corruption.
        """
        head = self._take(c.block, c.off, 2)
        if head is None:
            return None
        length = int.from_bytes(head[0], "big")
        rest = self._take(head[1], head[2], length + 4) if length else None
        if rest is None:
            return None
        frame = head[0] + rest[0]
        if not _crc_holds(frame) or (c.fresh and self._header(c.block) != c.header()):
            return None  # a frame whose block header was lost with the cut is torn too
        block, off = rest[1], rest[2]
        crossed = range(c.block + 1, block + (1 if off >= self._size else 0))
        if any(self._block(b)[:HEADER_BYTES] != ERASED_HEADER for b in crossed):
            raise CorruptFrameError(
                segment_name(c.segment), c.offset, "a block header inside the frame"
            )
        return frame, block, off

    def _take(self, block: int, off: int, size: int) -> tuple[bytes, int, int] | None:
        """Return ``size`` bytes of the data areas from (block, off), and where they end."""
        pieces = []
        while size > 0:
            if off >= self._size:
                block, off = block + 1, HEADER_BYTES
            if block >= self._count:
                return None
            take = min(size, self._size - off)
            pieces.append(self._block(block)[off : off + take])
            off += take
            size -= take
        return b"".join(pieces), block, off

    def _is_end(self, c: Cursor) -> bool:
        """True when nothing is programmed from ``c`` on (the clean end of the log)."""
        data = self._block(c.block)
        if c.fresh and data[:HEADER_BYTES] != ERASED_HEADER:
            return False
        if data[c.off :].count(ERASED_BYTE) != self._size - c.off:
            return False
        following = range(c.block + 1, min(self._count, c.block + self._span + 1))
        return all(self._erased(b) for b in following)

    def _skip_torn(self, c: Cursor) -> tuple[int, Torn]:
        """Return the block after the torn frame at ``c`` and what it was.

        The next block whose header holds must name the same seq and place
        at the block's start (the next append went there); blocks with no
        header in between are part of the torn area. No such header within a
        frame's reach: the torn frame is the last thing written, and the log
        goes on after its last programmed block. Anything else is corruption.
        """
        data = self._block(c.block)
        programmed = self._size - c.off - data[c.off :].count(ERASED_BYTE)
        if c.fresh:
            programmed += HEADER_BYTES - data[:HEADER_BYTES].count(ERASED_BYTE)
        written = c.block if programmed else c.block - 1
        resume = -1
        for block in range(c.block + 1, min(self._count, c.block + self._reach)):
            header = self._header(block)
            if header is not None:
                if header == Cursor(block, HEADER_BYTES, c.seq, c.segment, c.offset, True).header():
                    resume = block
                break
            other = self._size - self._block(block).count(ERASED_BYTE)
            if other:
                programmed, written = programmed + other, block
        else:
            resume = written + 1
        if resume > c.block and not self._frame_inside(c, resume):
            return resume, Torn(c, programmed)
        raise CorruptFrameError(
            segment_name(c.segment), c.offset, "frame or block header damaged (CRC-32 or length)"
        )

    def _frame_inside(self, c: Cursor, resume: int) -> bool:
        """True when a whole frame starts after ``c`` and before block ``resume``.

        A torn frame is the last thing an interrupted append wrote: no frame
        that holds can follow it (a frame damaged later, with records after
        it, is corruption, not a power cut).
        """
        room = (resume - c.block) * (self._size - HEADER_BYTES) - (c.off - HEADER_BYTES)
        area = self._take(c.block, c.off, min(room, (self._count - c.block) * self._size))
        data = area[0] if area else b""
        for at in range(self._align, len(data) - FRAME_OVERHEAD + 1, self._align):
            length = int.from_bytes(data[at : at + 2], "big")
            end = at + length + FRAME_OVERHEAD
            if length and end <= len(data) and _crc_holds(data[at:end]):
                return True
        return False

    def _found_end(self, c: Cursor, last: tuple[int, int] | None) -> None:
        self._end = c
        if last is not None:
            self._last = last
        elif c.seq == 1:
            self._last = (0, 0)

    def _normal(self, c: Cursor) -> Cursor:
        if c.off < self._size:
            return c
        return Cursor(c.block + 1, HEADER_BYTES, c.seq, c.segment, c.offset, True)

    # -- the binary search over block headers ------------------------------------

    def _search(self, key: Callable[[Header], Any], target: Any) -> tuple[int, Header] | None:
        """Return the last block whose header holds with ``key(header) <= target``, and it.

        Blocks without a header (filled by a frame, torn, or past the end)
        take the key of the nearest holding header before them, within a
        frame's reach; past the end there is none. Headers hold keys in log
        order (seq and place only grow), so this is a binary search.
        """
        low, high, best = 0, self._count - 1, None
        while low <= high:
            middle = (low + high) // 2
            found = self._holding_before(middle)
            if found is None:
                if middle < self._reach:  # no header yet: a torn area at the start
                    low = middle + 1
                else:
                    high = middle - 1
            elif key(found[1]) <= target:
                best, low = found, middle + 1
            else:
                high = middle - 1
        return best

    def _holding_before(self, block: int) -> tuple[int, Header] | None:
        for index in range(block, max(-1, block - self._reach), -1):
            header = self._header(index)
            if header is not None:
                return index, header
        return None

    # -- the flash ------------------------------------------------------------

    def _header(self, block: int) -> Header | None:
        data = self._blocks.get(block)
        return decode_header(data if data is not None else self._flash.read(block, 0, HEADER_BYTES))

    def _block(self, block: int) -> bytes:
        data = self._blocks.get(block)
        if data is None:
            if len(self._blocks) >= _BLOCKS_CACHED:
                self._blocks.clear()
            data = self._blocks[block] = self._flash.read(block, 0, self._size)
        return data

    def _erased(self, block: int) -> bool:
        return self._block(block).count(ERASED_BYTE) == self._size

    # -- appending ------------------------------------------------------------

    def append(self, frame: bytes) -> Cursor:
        """Append ``frame``, sync, and return the cursor it was written at.

        Raises JournalError WRITE_FAILED when the partition has no room for
        it (nothing written), or when the flash fails (the log then takes no
        more appends until it is mounted again: what reached the flash is
        for the next boot to read).
        """
        if self._broken:
            raise JournalError("WRITE_FAILED", "journal log unusable since a flash failure")
        c = self._end or self.end()
        if c.off >= self._size:
            c = self._normal(c)
        programs = self._plan(c, frame)
        try:
            for block, off, data in programs:
                self._flash.program(block, off, data)
            self._flash.sync()
        except (FlashContractError, OSError) as exc:
            self._broken = True
            raise JournalError("WRITE_FAILED", f"journal append failed: {exc!r}") from None
        finally:
            self._blocks.clear()
        block, off, data = programs[-1]
        end = c.offset + len(frame)
        self._last = (c.segment, end)
        segment, offset = next_place(c.segment, end)
        self._end = Cursor(block, off + len(data), c.seq + 1, segment, offset, block != c.block)
        return c

    def _plan(self, c: Cursor, frame: bytes) -> list[tuple[int, int, bytes]]:
        """Return the programs that write ``frame`` at ``c``; JournalError when it does not fit."""
        if not c.fresh and c.off + len(frame) <= self._size and self._align == 1:
            return [(c.block, c.off, frame)]  # most appends: after another frame, in its block
        programs: list[tuple[int, int, bytes]] = []
        block, off, done = c.block, c.off, 0
        header = c.header().encode() if c.fresh else b""
        while done < len(frame):
            if off >= self._size:
                block, off = block + 1, HEADER_BYTES
            if block >= self._count:
                raise JournalError("WRITE_FAILED", "journal log full: no room for the frame")
            piece = frame[done : done + self._size - off]
            done += len(piece)
            piece += b"\xff" * (-len(piece) % self._align)  # the next frame starts aligned
            if header and off == HEADER_BYTES:
                programs.append((block, 0, header + piece))
            else:
                if header:
                    programs.append((block, 0, header))
                programs.append((block, off, piece))
            header = b""
            off += len(piece)
        return programs


def _crc_holds(frame: bytes) -> bool:
    return zlib.crc32(frame[:-4]) == int.from_bytes(frame[-4:], "big")
