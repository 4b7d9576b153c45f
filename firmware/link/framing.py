"""Link framing: COBS with a CRC-32 per frame, 0x00 between frames (docs/LINK.md §1).

Theory of operation. A serial line is a byte stream that can lose, add or
change bytes (a cable plugged in mid-frame, line noise, a peer restarting
half-way through a write). A frame must therefore be recognisable on its
own, and whatever is not a whole valid frame must be skipped without losing
the frames around it.

COBS (Consistent Overhead Byte Stuffing, Cheshire & Baker 1999) rewrites a
byte string so that it contains no 0x00, at a cost of one byte per 254
bytes. 0x00 is then free to mark frame boundaries: a receiver that starts
anywhere, or that lost sync, is back in step at the next 0x00. Each frame
on the wire is::

    00  COBS(payload || CRC-32(payload), 4 bytes big-endian)  00

The leading 0x00 closes whatever partial frame the receiver may hold (the
peer's frame cut off by a timeout or a restart), so the new frame never
merges with it; an empty chunk between two 0x00 is ignored.

``FrameDecoder`` is fed arbitrary chunks and returns, in order, the payload
of every chunk between two 0x00 whose COBS and CRC hold, and a ``Dropped``
item for every chunk that does not (``TRUNCATED``: a COBS block runs past
the delimiter or no room for the CRC, ``BAD_CRC``, ``OVERSIZED``: longer
than the maximum frame, discarded as it arrives so memory stays bounded).
It never raises on what the peer sends. A random chunk passes the CRC-32
with probability 2**-32.

Bulk frames (version 3). COBS costs a pass over every byte at both ends;
the bulk of a copy (the journal's stored frames) is better sent as it is.
A *bulk header* is a frame whose payload starts with BULK_MARK (0xFF, the
CBOR "break" byte, which never starts a message), then the length and the
CRC-32 of a raw part, then the message. Right after its closing 0x00 come
exactly that many raw bytes, neither COBS-encoded nor split at 0x00. The
decoder, having checked the header's own CRC, takes the next ``length``
bytes as they come, runs their CRC-32 over each chunk as it arrives (the
receiver's work overlaps the transfer instead of waiting for its end), and
returns a ``Bulk`` item; a mismatch drops the whole (``BAD_CRC``) and
decoding goes on at the next 0x00, as after any damaged chunk. The raw part
is received into a buffer of its announced size, either from ``feed`` or
read straight into it by the caller (``raw_room``, ``raw_received``), and
that buffer itself is handed over, never copied. A raw part
cut short is completed by whatever comes next: its CRC then fails, and the
peer's timeout (``reset``, then a retry of its idempotent requests) puts
both ends back in step.

Written for MicroPython too: no typing, dataclasses or enum at run time,
and the CRC is ``binascii.crc32`` (the same CRC-32 as ``zlib.crc32``), which
both Pythons have.
"""

from binascii import crc32

from firmware.link.errors import LocalProtocolError

CRC_BYTES = 4
MAX_PAYLOAD_BYTES = 66 * 1024  # one whole record (<= 65535 bytes) and its reply header
MAX_BULK_BYTES = 1024 * 1024  # the raw part after a bulk header
BULK_MARK = 0xFF  # first byte of a bulk header's payload
BULK_HEAD = 9  # BULK_MARK, u32 BE length, u32 BE CRC-32 of the raw part
_BLOCK = 254  # data bytes in a full COBS block (code 0xFF)

# Reasons a chunk is dropped (stable codes, reported in Dropped.reason).
TRUNCATED = "TRUNCATED"
BAD_CRC = "BAD_CRC"
OVERSIZED = "OVERSIZED"


_CODES = [bytes([n + 1]) for n in range(_BLOCK)]  # code byte of a block of n data bytes
_ZERO = b"\x00"


def cobs_encode(data: bytes) -> bytes:
    """Return ``data`` COBS-encoded: no 0x00 in the result, one code byte per block.

    The runs between zeros are cut by ``bytes.split`` and glued by ``join``
    (C loops in both Pythons); only a run of 254 bytes or more, which needs
    full blocks, is cut by hand.
    """
    chunks = bytes(data).split(_ZERO)  # each but the last was followed by a zero
    codes = _CODES
    last = len(chunks) - 1
    return b"".join(
        [
            codes[len(chunk)] + chunk if len(chunk) < _BLOCK else _long_run(chunk, i == last)
            for i, chunk in enumerate(chunks)
        ]
    )


def _long_run(chunk: bytes, final: bool) -> bytes:
    """Return the blocks of a run of 254 bytes or more: full blocks (code FF), then the rest."""
    full = len(chunk) - len(chunk) % _BLOCK
    parts = [b"\xff" + chunk[position : position + _BLOCK] for position in range(0, full, _BLOCK)]
    if full < len(chunk) or not final:  # a run ending exactly on a full block, last: no code
        parts.append(_CODES[len(chunk) - full] + chunk[full:])
    return b"".join(parts)


def cobs_decode(data: bytes) -> "bytes | None":
    """Return the bytes COBS-encoded in ``data``, or None when it is not valid COBS.

    Each block's code says where the next one starts: one step per block,
    and the blocks are glued by one ``join``. Every block but a full one
    (code FF) stands for its bytes and an implied zero; the very last
    block has no zero after it.
    """
    if _ZERO in data:
        return None
    parts: list[bytes] = []
    append = parts.append
    position = 0
    end = len(data)
    code = 0xFF
    while position < end:
        code = data[position]
        block_end = position + code
        append(data[position + 1 : block_end])
        if code != 0xFF:
            append(_ZERO)
        position = block_end
    if position != end:  # the last block runs past the end of the chunk
        return None
    if code != 0xFF:
        parts.pop()
    return b"".join(parts)


def max_encoded_size(payload_bytes: int) -> int:
    """Return the largest COBS chunk (no delimiters) a payload of that size can give."""
    size = payload_bytes + CRC_BYTES
    return size + size // _BLOCK + 1


def encode_frame(payload: bytes, max_payload: int = MAX_PAYLOAD_BYTES) -> bytes:
    """Return ``payload`` as one frame on the wire (delimiter, COBS of payload + CRC, delimiter).

    Raises LocalProtocolError (FRAME_TOO_LARGE) when the payload is empty or
    larger than ``max_payload``.
    """
    if not 0 < len(payload) <= max_payload:
        raise LocalProtocolError(
            "FRAME_TOO_LARGE",
            "frame payload of " + str(len(payload)) + " bytes, not 1.." + str(max_payload),
        )
    crc = crc32(payload) & 0xFFFFFFFF
    return b"\x00" + cobs_encode(payload + crc.to_bytes(4, "big")) + b"\x00"


def encode_bulk(payload: bytes, raw: bytes, max_payload: int = MAX_PAYLOAD_BYTES) -> bytes:
    """Return the bulk header framing ``payload`` and announcing ``raw``, then ``raw`` itself.

    Raises LocalProtocolError (FRAME_TOO_LARGE) when the payload is empty or
    too large, or ``raw`` longer than MAX_BULK_BYTES.
    """
    return bulk_header(payload, [raw], max_payload) + raw


def bulk_header(payload: bytes, raw: "list[bytes]", max_payload: int = MAX_PAYLOAD_BYTES) -> bytes:
    """Return the bulk header framing ``payload`` and announcing the raw part ``raw`` (its
    pieces end to end, which go after it as they are: a sender that queues the header and
    the pieces copies none of them). Raises as ``encode_bulk``."""
    size = 0
    crc = 0
    for piece in raw:
        size += len(piece)
        crc = crc32(piece, crc)
    if size > MAX_BULK_BYTES:
        raise LocalProtocolError(
            "FRAME_TOO_LARGE",
            "bulk part of " + str(size) + " bytes, not 0.." + str(MAX_BULK_BYTES),
        )
    head = bytes([BULK_MARK]) + size.to_bytes(4, "big") + (crc & 0xFFFFFFFF).to_bytes(4, "big")
    return encode_frame(head + payload, max_payload + BULK_HEAD)


class Bulk:
    """A bulk header's message payload and the raw part that came after it, CRC checked
    (``raw``: the buffer it was received into, which the decoder no longer holds)."""

    __slots__ = ("payload", "raw")

    def __init__(self, payload: bytes, raw: "bytes | bytearray") -> None:
        self.payload = payload
        self.raw = raw

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Bulk) and (self.payload, self.raw) == (other.payload, other.raw)

    def __hash__(self) -> int:
        return hash((self.payload, bytes(self.raw)))

    def __repr__(self) -> str:
        return "Bulk(" + repr(self.payload) + ", " + str(len(self.raw)) + " raw bytes)"


class Dropped:
    """A chunk of the stream that was not a valid frame: why (a stable code) and its size."""

    __slots__ = ("reason", "size")

    def __init__(self, reason: str, size: int) -> None:
        self.reason = reason
        self.size = size

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Dropped) and (self.reason, self.size) == (
            other.reason,
            other.size,
        )

    def __hash__(self) -> int:
        return hash((self.reason, self.size))

    def __repr__(self) -> str:
        return "Dropped(" + repr(self.reason) + ", " + str(self.size) + ")"


class FrameDecoder:
    """Turns arbitrary chunks of the byte stream into frame payloads and Dropped items."""

    def __init__(self, max_payload: int = MAX_PAYLOAD_BYTES, bulk: bool = False) -> None:
        self.max_payload = max_payload
        self.bulk = bulk  # bulk headers accepted (the inspector's side); else plain frames
        self._max_chunk = max_encoded_size(max_payload + (BULK_HEAD if bulk else 0))
        self._partial = bytearray()
        self._discarding = False  # inside a chunk already reported OVERSIZED
        self._discarded = 0  # bytes of that chunk thrown away since the report
        self._raw = bytearray()  # the raw part being received, filled in place
        self._raw_got = 0  # bytes of it received
        self._raw_left = 0  # bytes of it still to come
        self._raw_head = b""  # the header's message payload, then its raw part's CRC
        self._raw_crc = 0
        self._raw_run = 0  # CRC-32 of the raw part's bytes received so far
        self.frames = 0  # valid frames decoded so far
        self.dropped_bytes = 0  # bytes of every dropped chunk so far (delimiters excluded)

    def feed(self, data: bytes) -> "list[bytes | Bulk | Dropped]":
        """Return the frames completed by ``data`` and what was dropped, in stream order."""
        items: list[bytes | Bulk | Dropped] = []
        start = 0
        end = len(data)
        while start < end:
            if self._raw_left:
                start = self._take_raw(data, start, items)
                continue
            stop = data.find(b"\x00", start)
            if stop == -1:
                self._hold(data[start:], items)
                break
            if self._discarding:
                size = self._discarded + stop - start
                self._discarding = False
                self._discarded = 0
                if size:
                    self._drop(OVERSIZED, size, items)
            elif self._partial:
                self._partial += data[start:stop]
                chunk = bytes(self._partial)
                self._partial = bytearray()
                self._chunk(chunk, items)
            elif stop > start:
                self._chunk(data[start:stop], items)
            start = stop + 1
        return items

    @property
    def progress(self) -> "tuple[int, int, int]":
        """What the bytes received built: frames completed, bytes of a frame and of a raw
        part under way.

        Delimiters alone (a line held low reads as NUL bytes) and bytes thrown
        away leave it as it was: a reader waiting for an answer tells a line
        that carries a frame from one that only carries noise.
        """
        return (self.frames, len(self._partial), self._raw_got)

    def reset(self) -> None:
        """Forget any partial frame or raw part (after a timeout, or the port was reopened)."""
        self._partial = bytearray()
        self._discarding = False
        self._discarded = 0
        self._raw = bytearray()
        self._raw_got = 0
        self._raw_left = 0

    def raw_room(self) -> "memoryview | None":
        """Return the rest of the raw part being received, to read the port straight into
        (then ``raw_received``); None when no raw part is awaited.

        A bulk reply's bytes then go from the port to their place without a
        chunk object, a ``feed`` and a copy each: what a fast link costs the
        receiver is its system calls, as a raw transfer's.
        """
        if not self._raw_left:
            return None
        return memoryview(self._raw)[self._raw_got :]

    def raw_received(self, count: int) -> "list[bytes | Bulk | Dropped]":
        """Take ``count`` bytes written at the start of ``raw_room()``; return what completes."""
        if not 0 <= count <= self._raw_left:
            raise ValueError("more raw bytes than the raw part's rest")
        got = self._raw_got
        with memoryview(self._raw) as raw:
            self._raw_run = crc32(raw[got : got + count], self._raw_run)
        self._raw_got = got + count
        self._raw_left -= count
        items: list[bytes | Bulk | Dropped] = []
        if count and not self._raw_left:
            self._end_raw(items)
        return items

    def _take_raw(self, data: bytes, start: int, items: "list[bytes | Bulk | Dropped]") -> int:
        """Take what ``data`` holds of the raw part from ``start``; return where the rest starts."""
        take = min(self._raw_left, len(data) - start)
        got = self._raw_got
        with memoryview(data) as view:
            piece = view[start : start + take]
            self._raw[got : got + take] = piece
            self._raw_run = crc32(piece, self._raw_run)
        self._raw_got = got + take
        self._raw_left -= take
        if not self._raw_left:
            self._end_raw(items)
        return start + take

    def _end_raw(self, items: "list[bytes | Bulk | Dropped]") -> None:
        """The raw part is complete: hand it up with its message, or drop it (BAD_CRC)."""
        raw = self._raw  # handed over as it is: the next raw part gets a buffer of its own
        self._raw = bytearray()
        self._raw_got = 0
        if self._raw_run & 0xFFFFFFFF == self._raw_crc:
            self.frames += 1
            items.append(Bulk(self._raw_head, raw))
        else:
            self._drop(BAD_CRC, len(raw), items)

    def _hold(self, tail: bytes, items: "list[bytes | Bulk | Dropped]") -> None:
        if self._discarding:
            self._discarded += len(tail)
            return
        self._partial += tail
        if len(self._partial) > self._max_chunk:
            # Report at once; the rest of the chunk is dropped, and reported, at the next 0x00.
            self._drop(OVERSIZED, len(self._partial), items)
            self._partial = bytearray()
            self._discarding = True

    def _chunk(self, chunk: bytes, items: "list[bytes | Bulk | Dropped]") -> None:
        if len(chunk) > self._max_chunk:
            self._drop(OVERSIZED, len(chunk), items)
            return
        decoded = cobs_decode(chunk)
        if decoded is None or len(decoded) <= CRC_BYTES:
            self._drop(TRUNCATED, len(chunk), items)
            return
        payload = decoded[:-CRC_BYTES]
        bulk = self.bulk and payload[0] == BULK_MARK
        if len(payload) > self.max_payload + (BULK_HEAD if bulk else 0):
            self._drop(OVERSIZED, len(chunk), items)
            return
        if crc32(payload) & 0xFFFFFFFF != int.from_bytes(decoded[-CRC_BYTES:], "big"):
            self._drop(BAD_CRC, len(chunk), items)
            return
        if bulk:
            self._bulk_header(payload, len(chunk), items)
            return
        self.frames += 1
        items.append(payload)

    def _bulk_header(
        self, payload: bytes, size: int, items: "list[bytes | Bulk | Dropped]"
    ) -> None:
        """Start taking the raw part a valid bulk header announces (or drop the header)."""
        length = int.from_bytes(payload[1:5], "big")
        if len(payload) <= BULK_HEAD or length > MAX_BULK_BYTES:
            # No message, or a raw part longer than any: dropped, and what follows is
            # decoded as frames (a raw part then goes by as damaged chunks).
            self._drop(TRUNCATED if len(payload) <= BULK_HEAD else OVERSIZED, size, items)
            return
        self._raw_head = payload[BULK_HEAD:]
        self._raw_crc = int.from_bytes(payload[5:9], "big")
        self._raw = bytearray(length)
        self._raw_got = 0
        self._raw_left = length
        self._raw_run = 0
        if not length:
            self._end_raw(items)  # an empty raw part: complete at once

    def _drop(self, reason: str, size: int, items: "list[bytes | Bulk | Dropped]") -> None:
        self.dropped_bytes += size
        items.append(Dropped(reason, size))
