"""The inspection link's journal reads: records by seq, segments as stored, the head statement.

(docs/LINK.md §2; the registry of every message is firmware/link/messages.py.)
"""

from firmware.link.codec import Malformed, array, blob, uint
from firmware.link.message_base import (
    COUNT_MAX,
    FRAMES_MAX,
    ID_MAX,
    NONCE_MAX,
    NONCE_MIN,
    RECORD_MAX,
    SEGMENTS_MAX,
    STATEMENT_MAX,
    Reply,
    Request,
    request_id,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from firmware.link.codec import CborValue


class ReadRecords(Request):
    """READ_RECORDS (6): up to ``max_count`` records from journal seq ``from_seq``."""

    TYPE = 6
    FIELDS = ("request_id", "from_seq", "max_count")
    __slots__ = ("from_seq", "max_count", "request_id")

    def __init__(self, request_id: int, from_seq: int, max_count: int) -> None:
        self.request_id = request_id
        self.from_seq = from_seq
        self.max_count = max_count

    @classmethod
    def parse(cls, f: "list[CborValue]") -> "ReadRecords":
        return cls(
            request_id(f[0]), uint(f[1], "from_seq", 1), uint(f[2], "max_count", 1, COUNT_MAX)
        )


class RecordBatch(Reply):
    """RECORDS (7): stored records from ``from_seq`` on, in seq order; ``more`` if any follow."""

    TYPE = 7
    FIELDS = ("request_id", "from_seq", "records", "more")
    __slots__ = ("from_seq", "more", "records", "request_id")

    def __init__(self, request_id: int, from_seq: int, records: "list[bytes]", more: bool) -> None:
        self.request_id = request_id
        self.from_seq = from_seq
        self.records = records
        self.more = more

    def fields(self) -> "list[CborValue]":
        records: list[CborValue] = list(self.records)
        return [self.request_id, self.from_seq, records, 1 if self.more else 0]

    @classmethod
    def parse(cls, f: "list[CborValue]") -> "RecordBatch":
        items = array(f[2], "records", COUNT_MAX)
        records = [r for r in items if type(r) is bytes]  # no call per record: batches are long
        sizes = list(map(len, records))
        if len(records) != len(items) or (sizes and (min(sizes) < 1 or max(sizes) > RECORD_MAX)):
            records = [blob(r, "record", 1, RECORD_MAX) for r in items]  # raises, naming why
        more = uint(f[3], "more", 0, 1) == 1
        return cls(request_id(f[0]), uint(f[1], "from_seq", 1), records, more)


class ReadSegments(Request):
    """READ_SEGMENTS (14, version 3): journal segment ``segment`` from byte ``offset`` to its
    end, then the segments after it whole: ``max_segments`` at most."""

    TYPE = 14
    FIELDS = ("request_id", "segment", "offset", "max_segments")
    __slots__ = ("max_segments", "offset", "request_id", "segment")

    def __init__(self, request_id: int, segment: int, offset: int, max_segments: int) -> None:
        self.request_id = request_id
        self.segment = segment
        self.offset = offset
        self.max_segments = max_segments

    @classmethod
    def parse(cls, f: "list[CborValue]") -> "ReadSegments":
        segment, offset = uint(f[1], "segment", 1, ID_MAX), uint(f[2], "offset", 0, FRAMES_MAX)
        return cls(request_id(f[0]), segment, offset, uint(f[3], "max_segments", 1, SEGMENTS_MAX))


class StoredSegments:
    """Journal segments as stored: ``lengths[i]`` bytes of segment ``first + i`` (the first
    from the offset asked, the others whole), ``data`` all of them end to end, and ``last``
    the journal's last segment when they were read (0: no segment yet).

    A Source may give the bytes as ``pieces`` (the segments as it read them) instead of
    ``data``: the terminal then sends them one after the other, never joined (``data``
    joins them only when asked for). On the inspector's side ``data`` is the buffer the
    raw part was received into (a bytearray: framing.Bulk), not a copy of it, and there
    are no ``pieces``: what was received is not sent on.
    """

    __slots__ = ("_data", "last", "lengths", "pieces")

    def __init__(
        self,
        lengths: "list[int]",
        last: int,
        data: "bytes | bytearray" = b"",
        pieces: "list[bytes] | None" = None,
    ) -> None:
        self.lengths = lengths
        self.last = last
        self._data: bytes | bytearray | None = data if pieces is None else None
        self.pieces = pieces if pieces is not None else [data] if type(data) is bytes else []

    @property
    def data(self) -> "bytes | bytearray":
        """The bytes end to end (the pieces joined, once)."""
        if self._data is None:
            self._data = b"".join(self.pieces)
        return self._data

    @data.setter
    def data(self, data: "bytes | bytearray") -> None:
        self._data = data
        self.pieces = [data] if type(data) is bytes else []

    def __repr__(self) -> str:
        return "StoredSegments(" + repr(self.lengths) + ", last=" + str(self.last) + ")"


class SegmentData(Reply):
    """SEGMENTS (15, version 3): a bulk reply. Its message says what the raw part after it
    (framing.Bulk) holds; the bytes themselves are ``segments.data``."""

    TYPE = 15
    FIELDS = ("request_id", "segment", "offset", "lengths", "last")
    __slots__ = ("offset", "request_id", "segment", "segments")

    def __init__(self, request_id: int, segment: int, offset: int, segments: StoredSegments):
        self.request_id = request_id
        self.segment = segment
        self.offset = offset
        self.segments = segments

    def fields(self) -> "list[CborValue]":
        lengths: list[CborValue] = list(self.segments.lengths)
        return [self.request_id, self.segment, self.offset, lengths, self.segments.last]

    @property
    def data(self) -> "bytes | bytearray":
        return self.segments.data

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SegmentData) and (self.fields(), self.data) == (
            other.fields(),
            other.data,
        )

    def __hash__(self) -> int:
        return hash(self.encode())

    def __repr__(self) -> str:
        shown = ", ".join(repr(f) for f in self.fields())
        return "SegmentData(" + shown + ", " + str(len(self.data)) + " raw bytes)"

    @classmethod
    def parse(cls, f: "list[CborValue]") -> "SegmentData":
        lengths = [uint(n, "length", 0, FRAMES_MAX) for n in array(f[3], "lengths", SEGMENTS_MAX)]
        segment, offset = uint(f[1], "segment", 1, ID_MAX), uint(f[2], "offset", 0, FRAMES_MAX)
        last = uint(f[4], "last", 0, ID_MAX)
        if (segment <= last) != bool(lengths) or segment + len(lengths) - 1 > last:
            raise Malformed("segments beyond the last one, or none before it")
        return cls(request_id(f[0]), segment, offset, StoredSegments(lengths, last, b""))


class GetHeadStatement(Request):
    """HEAD_STATEMENT (8): the terminal's signed statement of its journal head, over ``nonce``."""

    TYPE = 8
    FIELDS = ("request_id", "nonce")
    __slots__ = ("nonce", "request_id")

    def __init__(self, request_id: int, nonce: bytes) -> None:
        self.request_id = request_id
        self.nonce = nonce

    @classmethod
    def parse(cls, f: "list[CborValue]") -> "GetHeadStatement":
        return cls(request_id(f[0]), blob(f[1], "nonce", NONCE_MIN, NONCE_MAX))


class HeadStatement(Reply):
    """HEAD (9): the statement, opaque bytes whose format belongs to docs/SPEC.md."""

    TYPE = 9
    FIELDS = ("request_id", "statement")
    __slots__ = ("request_id", "statement")

    def __init__(self, request_id: int, statement: bytes) -> None:
        self.request_id = request_id
        self.statement = statement

    @classmethod
    def parse(cls, f: "list[CborValue]") -> "HeadStatement":
        return cls(request_id(f[0]), blob(f[1], "statement", 1, STATEMENT_MAX))
