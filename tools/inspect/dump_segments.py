"""The copy's journal in version 3: the terminal's segments as stored, checked on the way.

READ_SEGMENTS answers with segment files byte for byte (a bulk reply: the
bytes travel raw after a small header, their CRC-32 checked by the
framing), so the copy is the flash's journal by construction and neither
end decodes a record. What is checked here is cheap, per segment rather
than per record where it can be: the frames must tile each piece exactly
(their lengths walked), the first and last record of each piece must carry
the seqs their places give them (every record's when they do not, to name
the ones out of place), and a segment may only be left for the next one
once it holds SEGMENT_BYTES (the journal's rule). Frame CRCs and
signatures are ``fiscal-inspect verify``'s, over the copy.

Requests: the first goes alone (its answer names the journal's last
segment, and tells how many segments one answer carries: the terminal cuts
answers by size); then up to ``client.window`` of that many segments (at
most SEGMENTS_PER_REQUEST) each are kept in flight, the next asked as soon
as an answer comes. An answer cut short by the terminal's size budget
leaves a gap, asked for at once; answers are written in order, each with one write to the copy's
``segments.bin`` (``dump_sync``). A copy resumed, or a second pull after
the head statement, goes on from the copy's last segment at its size.
"""

from __future__ import annotations

from collections import deque

from tools.inspect.dump_journal import SEGMENT_BYTES, Stored, record_seq
from tools.inspect.dump_sync import JournalFiles
from tools.inspect.link_client import LinkClient
from tools.inspect.progress import Progress

SEGMENTS_PER_REQUEST = 8  # ~260 KiB of a journal of small records per answer
FRAME_OVERHEAD = 6  # u16 length before a record, CRC-32 after it (docs/SPEC.md §3)


def pull_segments(
    client: LinkClient, files: JournalFiles, stored: Stored, findings: list[str], progress: Progress
) -> None:
    """Copy the journal from the copy's last segment at its size to the terminal's end."""
    segment = max(stored.segment, 1)
    client.ask_segments(segment, stored.size, SEGMENTS_PER_REQUEST)
    asked: deque[tuple[int, int]] = deque([(segment, SEGMENTS_PER_REQUEST)])  # first, count
    got: dict[
        int, tuple[list[int], bytes | bytearray]
    ] = {}  # answers not written yet, by first segment
    ask_from = 0  # the next segment to ask for whole (0: the first answer is awaited)
    last = 0  # the journal's last segment, as the latest answer says
    per_request = SEGMENTS_PER_REQUEST  # what one answer carries, once the first has come
    while asked:
        first, count = asked.popleft()
        reply = client.segments()
        got[first] = (reply.segments.lengths, reply.data)
        served, last = len(reply.segments.lengths), max(last, reply.segments.last)
        if not ask_from:  # the first answer: as many segments as one answer carries
            per_request = min(max(served, 1), SEGMENTS_PER_REQUEST)
            ask_from = first + max(served, 1)
        elif served < count and first + served <= last:  # cut by size: the rest at once
            client.ask_segments(first + served, 0, count - served)
            asked.append((first + served, count - served))
        while segment in got:
            lengths, data = got.pop(segment)
            _write(files, stored, findings, segment, lengths, data)
            progress.update(stored.count, client.bytes_in)
            segment += max(len(lengths), 1)
            if segment > last:  # the journal's end as the terminal last said
                for _ in asked:
                    client.segments()  # answers in flight: read, so that none is left on the line
                return
        while len(asked) < client.window and ask_from <= last:
            client.ask_segments(ask_from, 0, per_request)
            asked.append((ask_from, per_request))
            ask_from += per_request


def _write(
    files: JournalFiles,
    stored: Stored,
    findings: list[str],
    first: int,
    lengths: list[int],
    data: bytes | bytearray,
) -> None:
    """Check each piece of an answer (``lengths[i]`` bytes of ``data`` for segment
    ``first + i``) as the next bytes of its segment, then append them all to the copy.

    The pieces are ``data`` end to end, and so are the segments in
    ``segments.bin``: one write for the answer, one for the index entries of
    the segments it leaves behind.
    """
    left: list[int] = []  # lengths of the segments left for the next one
    start = 0
    for index, length in enumerate(lengths, first):
        if index != stored.segment:  # a new segment: the one before must be full
            if stored.segment:
                if stored.size < SEGMENT_BYTES:
                    findings.append(f"segment {stored.segment} quitté à {stored.size} octets")
                left.append(stored.size)
            stored.segment, stored.size = index, 0
        if length:
            stop = start + length
            stored.count += _check_frames(data, start, stop, stored, findings)
            stored.size += length
            start = stop
    files.write(data)
    files.close(left)


def _check_frames(
    data: bytes | bytearray, start: int, stop: int, stored: Stored, findings: list[str]
) -> int:
    """Return the number of whole frames in ``data[start:stop]``, the next bytes of the copy's
    last segment; note in ``findings`` what the journal's rules do not allow there.

    One step per frame, reading its length only; the seqs of the first and
    last records only, unless they are not what their places give them.
    """
    count, last, offset = 0, start, start
    limit = stop - 6  # FRAME_OVERHEAD, as a constant: the loop is the tool's one step per frame
    while offset <= limit:
        last = offset
        offset += (data[offset] << 8 | data[offset + 1]) + 6
        count += 1
    where = f"segment {stored.segment} : "
    if offset != stop:  # a frame running past the piece, or bytes too few for one
        cut = last if offset > stop else offset
        findings.append(where + f"trame coupée à l'octet {stored.size + cut - start}")
        count -= offset > stop
    if count and stored.size + last - start >= SEGMENT_BYTES:
        findings.append(where + f"trame commencée à l'octet {stored.size + last - start}")
    seq = stored.count + 1
    if count and (
        record_seq(bytes(data[start + 2 : start + 14])) != seq
        or record_seq(bytes(data[last + 2 : last + 14])) != seq + count - 1
    ):
        offset = start
        for expected in range(seq, seq + count):
            found = record_seq(bytes(data[offset + 2 : offset + 14]))
            if found != expected:
                findings.append(f"enregistrement n°{expected} : séquence lue {found}")
            offset += ((data[offset] << 8) | data[offset + 1]) + FRAME_OVERHEAD
    return count
