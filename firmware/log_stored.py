"""A whole segment as stored, for the inspector's dump: cut by the block headers, frames unread.

A dump sends segments as they are on flash (docs/LINK.md, READ_SEGMENTS);
the inspector's tool checks every frame's CRC-32 and its verification every
record. What the terminal must get right is the cut: which bytes are
segment ``N`` (docs/SPEC.md section 3). The log's block headers (section
1.2) say it at every block a frame starts in: that frame's seq, its offset
in the block and its place (segment, offset in the segment). So between
two holding headers of one segment, the distance on flash must equal the
distance of their places; only around the segment's first and last frames
are frame lengths walked (a block or two). A frame's bytes are not read
here: a frame damaged after it was written is sent as stored, for the
inspector's tool to name.

Anything the headers do not vouch for (a torn frame, which leaves more
bytes on flash than places advance; a header that does not hold; a length
walked into erased bytes; the log's end before a header names a frame of
the next segment, found within a frame's reach of blocks) returns None,
and the caller takes
the bulk reader that checks every frame (firmware/log_segment.py), then the
careful one (``Log.frames``), which decide what is served or refused.
Units of one byte only: with a larger program unit, frames are padded and
the segment is not one run of bytes on flash.
"""

from __future__ import annotations

from firmware.flash_layout import SEGMENT_BYTES
from firmware.frames import FRAME_OVERHEAD, MAX_RECORD_BYTES
from firmware.log_blocks import ERASED_HEADER, HEADER_BYTES, BlockRun, Cursor, decode_header
from hal.ports import Flash

_ERASED_LENGTH = 0xFFFF


class _Following(Cursor):
    """The cursor at the next segment, with the blocks read so far: the read of the next
    segment goes on in them, rather than reading its first blocks again (a dump reads
    segment after segment; about a third of the blocks were read twice)."""

    __slots__ = ("blocks",)

    def __init__(self, blocks: BlockRun, block: int, off: int, seq: int, segment: int) -> None:
        super().__init__(block, off, seq, segment, 0, False)
        self.blocks = blocks


def resumed(at: Cursor) -> Cursor:
    """``at``, a cursor a read returned, to start a later read from: the blocks it
    carries before its own are dropped (a dump's next request goes on from there)."""
    if isinstance(at, _Following):
        at.blocks.drop_before(at.block)
    return at


def read_stored_segment(flash: Flash, at: Cursor, index: int) -> tuple[bytes, Cursor] | None:
    """Return segment ``index`` as stored and the cursor at the next segment, or None.

    ``at`` is a cursor at a frame at or before the segment's first frame
    (a block header's frame, or the cursor a former read returned). None:
    see the module docstring.
    """
    if flash.geometry.prog_size != 1 or at.off < HEADER_BYTES or at.segment > index:
        return None
    # Data positions are counted from the run's first block (``at``'s, unless the run of
    # the read before goes on: the flash has not changed since, the same call reads both).
    reused = isinstance(at, _Following) and at.blocks.flash is flash
    blocks = at.blocks if isinstance(at, _Following) and reused else BlockRun(flash, at.block)
    area = blocks.area
    begin = (at.block - blocks.first) * area + at.off - HEADER_BYTES
    # Walk to the segment's first frame: from ``at``, a block's worth of frames at most.
    walked = _walk(blocks, begin, at.seq, at.segment, at.offset, (index, 0))
    if walked is None:
        return None
    start, seq, _ = walked
    # Jump from header to header while they name frames of this segment where they lie.
    last_pos, last_seq, last_offset = start, seq, 0
    block = start // area + 1
    span = -(-(MAX_RECORD_BYTES + FRAME_OVERHEAD) // area) + 1  # blocks one frame touches
    erased = 0  # blocks in a row with no header: inside a long frame, or past the log's end
    while True:
        if erased > span:
            return None  # the log's end before a header of the next segment names a frame
        if len(blocks.data) < (block + 1) * area and not blocks.load((block + 1) * area):
            return None
        raw = blocks.headers[block]
        if raw == ERASED_HEADER:
            block += 1  # a frame runs across this block, or the log has ended
            erased += 1
            continue
        erased = 0
        header = decode_header(raw)
        if header is None:
            return None
        pos = block * area + header.start - HEADER_BYTES
        if header.segment == index:
            if pos - start != header.offset or header.seq <= last_seq:
                return None  # a torn frame left bytes the places do not count
            last_pos, last_seq, last_offset = pos, header.seq, header.offset
            block += 1
            continue
        if header.segment != index + 1:
            return None
        # The segment ends between the last frame a header named and this one: walk there.
        walked = _walk(blocks, last_pos, last_seq, index, last_offset, (index + 1, 0))
        if walked is None:
            return None
        end, next_seq, _ = walked
        on_to_header = _walk(blocks, end, next_seq, index + 1, 0, (index + 1, header.offset))
        if on_to_header is None or on_to_header[:2] != (pos, header.seq):
            return None
        break
    end_block = end // area
    off = end - end_block * area + HEADER_BYTES
    following = _Following(blocks, blocks.first + end_block, off, next_seq, index + 1)
    following.fresh = blocks.headers[end_block] == following.header().encode()
    return blocks.view[start:end].tobytes(), following


def _walk(
    blocks: BlockRun, pos: int, seq: int, segment: int, offset: int, target: tuple[int, int]
) -> tuple[int, int, int] | None:
    """Walk frame lengths from data byte ``pos`` (frame ``seq`` at ``segment``/``offset``).

    Return (data position, seq, frames walked) of the frame whose place is
    ``target``; None when a length is erased or out of reach, or the walk
    passes the target, or goes further than a few blocks.
    """
    limit = pos + 4 * blocks.area + SEGMENT_BYTES  # a frame is far smaller than this
    walked = 0
    data = blocks.data  # grown in place by ``load``: the same object all along
    loaded = len(data)
    # One step per frame, its length read inline: some 12,000 steps a dump of 100,000 records.
    while (segment, offset) < target:
        if loaded < pos + 2:
            loaded = blocks.load(pos + 2)
            if not loaded:
                return None  # out of reach: the log's end
        length = data[pos] << 8 | data[pos + 1]
        if length == _ERASED_LENGTH or not length or pos > limit:
            return None
        size = length + FRAME_OVERHEAD
        pos += size
        offset += size
        if offset >= SEGMENT_BYTES:
            segment, offset = segment + 1, 0
        seq += 1
        walked += 1
    if (segment, offset) != target:
        return None
    return pos, seq, walked
