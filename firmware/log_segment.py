"""A whole segment read from the journal log in bulk: its blocks at once, its frames in one pass.

The careful reader (firmware/journal_log.py, ``Log.frames``) walks the log
frame by frame and knows every shape a power cut can leave. Serving a
segment (docs/SPEC.md section 3: the frames whose place names it, back to
back) only needs that knowledge where the log is irregular, so this module
reads the segment's blocks one whole block per flash read, lays their data
areas end to end (the 16-byte block headers cut out, docs/SPEC.md section
1.2), and checks the frames in one tight pass:

- frames follow one another exactly (each at the aligned end of the one
  before), each with a non-zero length and its CRC-32;
- the header of every block a frame starts in names the first such frame
  (seq, offset in the block, place), and every block a frame runs across
  without one starting in it keeps an erased header;
- places follow the segment rule (``next_place``), and the pass goes on to
  the first frame of the next segment, checked the same way: the careful
  reader reads it too before it stops.

These are the careful reader's own checks on the same frames, so when the
pass holds, both return the same bytes. Anything else (a frame that does
not hold, a header that does not name its frame, erased bytes where a
frame should start, the log's end) makes ``read_segment`` return None and
the caller takes the careful path: what is served and what is refused
(CorruptFrameError) stays exactly what the careful reader decides.
"""

from __future__ import annotations

import zlib

from firmware.flash_layout import SEGMENT_BYTES
from firmware.frames import FRAME_OVERHEAD
from firmware.log_blocks import ERASED_HEADER, HEADER_BYTES, BlockRun, Cursor, Header
from hal.ports import Flash

_ERASED_LENGTH = (
    0xFFFF  # the length field of erased bytes: the end, or a frame left to the careful path
)


def read_segment(flash: Flash, at: Cursor, index: int) -> tuple[bytes, Cursor] | None:
    """Return segment ``index``'s frames back to back, and the cursor at the next segment.

    ``at`` is a cursor at a frame at or before the segment's first frame:
    one that opens its block (the log's start, a block header's frame), or
    the next segment's cursor a former read returned (the frames before it
    in its block were checked then). None when anything on the way is
    irregular (see the module docstring).
    """
    g = flash.geometry
    size, count, pad = g.block_size, g.block_count, g.prog_size - 1  # units divide 16: powers of 2
    area = size - HEADER_BYTES  # data bytes per block: block k's are data[k * area:]
    if at.off < HEADER_BYTES:
        return None
    first = at.block
    run = BlockRun(flash, first)
    data, headers, load = run.data, run.headers, run.load
    crc32, number = zlib.crc32, int.from_bytes
    pos = at.off - HEADER_BYTES
    seq, segment, offset = at.seq, at.segment, at.offset
    # The blocks a segment usually spans are read at once (any more, as the frames need them).
    n = load(min(pos + SEGMENT_BYTES + SEGMENT_BYTES // 8, (count - first) * area))
    next_block = crossing = 0  # the next block's data; a whole block after it
    if not at.fresh:  # the frames before ``at`` in its block, and its header, were checked
        next_block, crossing = area, 2 * area
        if n < crossing:
            n = load(crossing)
            if not n:
                return None
    frames: list[tuple[int, int]] = []  # where the segment's frames are in ``data``
    keep = frames.append
    while True:
        if pos >= next_block:
            # The first frame starting in this block: the block's header names it. The
            # next block is loaded too, so a length field never runs past the data.
            block = pos // area
            next_block, crossing = (block + 1) * area, (block + 2) * area
            if n < crossing:
                n = load(crossing)
                if not n:
                    return None
            start = pos - block * area + HEADER_BYTES
            if headers[block] != Header(seq, start, segment, offset).encode():
                return None
        length = data[pos] << 8 | data[pos + 1]
        end = pos + length + FRAME_OVERHEAD
        if end > n:
            n = load(end)
            if not n:
                return None
        view = run.view
        if not length or crc32(view[pos : end - 4]) != number(view[end - 4 : end], "big"):
            return None
        # Blocks the frame runs across, none starting in them: their headers stay erased.
        if end >= crossing and any(
            headers[b] != ERASED_HEADER for b in range(next_block // area, end // area)
        ):
            return None
        if segment == index:
            keep((pos, end))
        elif segment > index:
            break  # the next segment's first frame holds: the careful reader stops here too
        offset += length + FRAME_OVERHEAD
        if offset >= SEGMENT_BYTES:
            segment, offset = segment + 1, 0
        seq += 1
        pos = (end + pad) & ~pad
    block = pos // area
    start = pos - block * area + HEADER_BYTES
    fresh = headers[block] == Header(seq, start, segment, offset).encode()
    following = Cursor(first + block, start, seq, segment, offset, fresh)
    view = run.view
    if not pad and frames:  # no padding to the program unit: the frames are one run
        return bytes(view[frames[0][0] : frames[-1][1]]), following
    return b"".join([view[a:b] for a, b in frames]), following
