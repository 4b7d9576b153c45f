"""The messages of the inspection link, one class each (docs/LINK.md §2).

A message is the canonical CBOR array ``[type, fields...]`` with fixed
positions. The inspector sends even types (HELLO and requests), the
terminal odd ones (its replies, each the type of its request plus one, and
ERROR). Every request carries an id (1..2**32-1) that its reply echoes.
HELLO, SERVER_HELLO and ERROR keep their layout in every protocol version,
so that two versions can always tell each other apart.

There is no message that writes: the link is read-only by construction.
"""

from firmware.link.codec import Malformed, archive_name, array, blob, dumps, loads, text, uint
from firmware.link.errors import BAD_MESSAGE, UNKNOWN_MESSAGE

TYPE_CHECKING = False
if TYPE_CHECKING:
    from firmware.link.codec import CborValue

PROTOCOL_NAME = "fiscal-link"
PROTOCOL_VERSION = 3  # what this code speaks first; the terminal also serves SUPPORTED_VERSIONS
SUPPORTED_VERSIONS = (1, 2, 3)
WINDOW = 4  # version 2 on: reads outstanding at once (pipelined); version 1: one request
ID_MAX = 2**32 - 1
TEXT_MAX = 200  # characters of an error text
NONCE_MIN, NONCE_MAX = 16, 64
RECORD_MAX = 0xFFFF  # bytes of one record (a journal frame's u16 length)
COUNT_MAX = 0xFFFF  # records asked for in one READ_RECORDS
STATEMENT_MAX = 16 * 1024
ARCHIVES_MAX = 1024
CHUNK_MAX = 60 * 1024  # bytes of archive asked for, or sent, at once
FRAMES_MAX = 1024 * 1024  # bytes of journal segments sent at once (version 3's bulk reply)
SEGMENTS_MAX = 64  # segments asked for at once


class Message:
    """Base of every message: ``TYPE`` and the fields after it, in wire order."""

    TYPE = 0
    FIELDS: "tuple[str, ...]" = ()  # attribute names, in wire order after the type
    __slots__: "tuple[str, ...]" = ()

    def fields(self) -> "list[CborValue]":
        return [getattr(self, name) for name in self.FIELDS]

    def encode(self) -> bytes:
        """Return the message's payload: the canonical CBOR of ``[TYPE, *fields]``."""
        return dumps([self.TYPE, *self.fields()])

    @classmethod
    def parse(cls, f: "list[CborValue]") -> "Message":
        """Return the message whose fields after the type are ``f``; raise Malformed if not one."""
        raise Malformed("message type " + str(cls.TYPE) + " has no layout")

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.fields() == other.fields()

    def __hash__(self) -> int:
        return hash(self.encode())

    def __repr__(self) -> str:
        shown = ", ".join(name + "=" + repr(getattr(self, name)) for name in self.FIELDS)
        return type(self).__name__ + "(" + shown + ")"


class Request(Message):
    """A message from the inspector that the terminal answers with the same ``request_id``."""

    __slots__ = ()
    request_id: int


class Reply(Message):
    """A message from the terminal answering the request with ``request_id``."""

    __slots__ = ()
    request_id: int


class Hello(Message):
    """HELLO (2): the inspector opens a session, naming the protocol and its version."""

    TYPE = 2
    FIELDS = ("protocol", "version")
    __slots__ = ("protocol", "version")

    def __init__(self, protocol: str = PROTOCOL_NAME, version: int = PROTOCOL_VERSION) -> None:
        self.protocol = protocol
        self.version = version

    @classmethod
    def parse(cls, f: "list[CborValue]") -> "Hello":
        return cls(text(f[0], "protocol", 32), uint(f[1], "version", 0, ID_MAX))


class ServerHello(Hello):
    """SERVER_HELLO (3): the terminal's answer to HELLO, with the version *it* speaks."""

    TYPE = 3
    __slots__ = ()


class ErrorReply(Reply):
    """ERROR (1): the terminal refuses a request (or a frame: ``request_id`` 0)."""

    TYPE = 1
    FIELDS = ("request_id", "code", "text")
    __slots__ = ("code", "request_id", "text")

    def __init__(self, request_id: int, code: int, text: str) -> None:
        self.request_id = request_id
        self.code = code
        self.text = text[:TEXT_MAX]

    @classmethod
    def parse(cls, f: "list[CborValue]") -> "ErrorReply":
        return cls(uint(f[0], "id", 0, ID_MAX), uint(f[1], "code"), text(f[2], "text", TEXT_MAX))


class Identify(Request):
    """IDENTIFY (4): who the terminal is and what its memory holds."""

    TYPE = 4
    FIELDS = ("request_id",)
    __slots__ = ("request_id",)

    def __init__(self, request_id: int) -> None:
        self.request_id = request_id

    @classmethod
    def parse(cls, f: "list[CborValue]") -> "Identify":
        return cls(_id(f[0]))


class Identification:
    """What the terminal says of itself (the fields of TERMINAL_INFO after the id)."""

    __slots__ = ("counts", "identity", "last_seq", "public_key", "software_version", "terminal_id")

    def __init__(
        self,
        terminal_id: str,
        software_version: str,
        public_key: bytes,
        counts: "list[tuple[int, int]]",
        last_seq: int,
        identity: bytes,
    ) -> None:
        self.terminal_id = terminal_id
        self.software_version = software_version
        self.public_key = public_key
        self.counts = sorted(counts)  # (doc_type, number of records), by doc_type
        self.last_seq = last_seq
        self.identity = identity  # the identity file, byte for byte (docs/SPEC.md §2)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Identification) and _info_fields(self) == _info_fields(other)

    def __hash__(self) -> int:
        return hash(dumps(_info_fields(self)))

    def __repr__(self) -> str:
        return "Identification(" + repr(self.terminal_id) + ", last_seq=" + str(self.last_seq) + ")"


def _info_fields(i: Identification) -> "list[CborValue]":
    counts: list[CborValue] = [[t, n] for t, n in i.counts]
    return [i.terminal_id, i.software_version, i.public_key, counts, i.last_seq, i.identity]


class TerminalInfo(Reply):
    """TERMINAL_INFO (5): the answer to IDENTIFY."""

    TYPE = 5
    FIELDS = ("request_id", "identification")
    __slots__ = ("identification", "request_id")

    def __init__(self, request_id: int, identification: Identification) -> None:
        self.request_id = request_id
        self.identification = identification

    def fields(self) -> "list[CborValue]":
        return [self.request_id, *_info_fields(self.identification)]

    @classmethod
    def parse(cls, f: "list[CborValue]") -> "TerminalInfo":
        counts = []
        for item in array(f[4], "counts", 256):
            pair = array(item, "count", 2, 2)
            counts.append((uint(pair[0], "doc_type"), uint(pair[1], "count")))
        if [t for t, _ in counts] != sorted({t for t, _ in counts}):
            raise Malformed("counts must be in increasing doc_type order, once each")
        info = Identification(
            text(f[1], "terminal id", 64),
            text(f[2], "software version", 64),
            blob(f[3], "public key", 32, 32),
            counts,
            uint(f[5], "last seq"),
            blob(f[6], "identity", 1, 1024),
        )
        return cls(_id(f[0]), info)


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
        return cls(_id(f[0]), uint(f[1], "from_seq", 1), uint(f[2], "max_count", 1, COUNT_MAX))


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
        return cls(_id(f[0]), uint(f[1], "from_seq", 1), records, more)


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
        return cls(_id(f[0]), segment, offset, uint(f[3], "max_segments", 1, SEGMENTS_MAX))


class StoredSegments:
    """Journal segments as stored: ``lengths[i]`` bytes of segment ``first + i`` (the first
    from the offset asked, the others whole), ``data`` all of them end to end, and ``last``
    the journal's last segment when they were read (0: no segment yet)."""

    __slots__ = ("data", "last", "lengths")

    def __init__(self, lengths: "list[int]", last: int, data: bytes) -> None:
        self.lengths = lengths
        self.last = last
        self.data = data

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
    def data(self) -> bytes:
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
        return cls(_id(f[0]), segment, offset, StoredSegments(lengths, last, b""))


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
        return cls(_id(f[0]), blob(f[1], "nonce", NONCE_MIN, NONCE_MAX))


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
        return cls(_id(f[0]), blob(f[1], "statement", 1, STATEMENT_MAX))


class ListArchives(Request):
    """LIST_ARCHIVES (10): the archive files the terminal holds."""

    TYPE = 10
    FIELDS = ("request_id",)
    __slots__ = ("request_id",)

    def __init__(self, request_id: int) -> None:
        self.request_id = request_id

    @classmethod
    def parse(cls, f: "list[CborValue]") -> "ListArchives":
        return cls(_id(f[0]))


class ArchiveList(Reply):
    """ARCHIVES (11): ``(name, size in bytes)`` of each archive file, by name."""

    TYPE = 11
    FIELDS = ("request_id", "archives")
    __slots__ = ("archives", "request_id")

    def __init__(self, request_id: int, archives: "list[tuple[str, int]]") -> None:
        self.request_id = request_id
        self.archives = sorted(archives)

    def fields(self) -> "list[CborValue]":
        return [self.request_id, [[name, size] for name, size in self.archives]]

    @classmethod
    def parse(cls, f: "list[CborValue]") -> "ArchiveList":
        archives = []
        for item in array(f[1], "archives", ARCHIVES_MAX):
            pair = array(item, "archive", 2, 2)
            archives.append((archive_name(pair[0]), uint(pair[1], "size")))
        names = [name for name, _ in archives]
        if names != sorted(set(names)):
            raise Malformed("archives must be in name order, once each")
        return cls(_id(f[0]), archives)


class ReadArchive(Request):
    """READ_ARCHIVE (12): up to ``size`` bytes of archive ``name`` from ``offset``."""

    TYPE = 12
    FIELDS = ("request_id", "name", "offset", "size")
    __slots__ = ("name", "offset", "request_id", "size")

    def __init__(self, request_id: int, name: str, offset: int, size: int) -> None:
        self.request_id = request_id
        self.name = name
        self.offset = offset
        self.size = size

    @classmethod
    def parse(cls, f: "list[CborValue]") -> "ReadArchive":
        return cls(_id(f[0]), archive_name(f[1]), uint(f[2], "offset"), uint(f[3], "size", 1))


class ArchiveChunk(Reply):
    """ARCHIVE_DATA (13): bytes of ``name`` from ``offset``; fewer than asked only at the end."""

    TYPE = 13
    FIELDS = ("request_id", "name", "offset", "data")
    __slots__ = ("data", "name", "offset", "request_id")

    def __init__(self, request_id: int, name: str, offset: int, data: bytes) -> None:
        self.request_id = request_id
        self.name = name
        self.offset = offset
        self.data = data

    @classmethod
    def parse(cls, f: "list[CborValue]") -> "ArchiveChunk":
        return cls(
            _id(f[0]), archive_name(f[1]), uint(f[2], "offset"), blob(f[3], "data", 0, CHUNK_MAX)
        )


def _id(value: "CborValue") -> int:
    return uint(value, "request id", 1, ID_MAX)


# type -> (class, number of fields after the type)
MESSAGES: "dict[int, tuple[type[Message], int]]" = {
    ErrorReply.TYPE: (ErrorReply, 3),
    Hello.TYPE: (Hello, 2),
    ServerHello.TYPE: (ServerHello, 2),
    Identify.TYPE: (Identify, 1),
    TerminalInfo.TYPE: (TerminalInfo, 7),
    ReadRecords.TYPE: (ReadRecords, 3),
    RecordBatch.TYPE: (RecordBatch, 4),
    GetHeadStatement.TYPE: (GetHeadStatement, 2),
    HeadStatement.TYPE: (HeadStatement, 2),
    ListArchives.TYPE: (ListArchives, 1),
    ArchiveList.TYPE: (ArchiveList, 2),
    ReadArchive.TYPE: (ReadArchive, 4),
    ArchiveChunk.TYPE: (ArchiveChunk, 4),
    ReadSegments.TYPE: (ReadSegments, 4),
    SegmentData.TYPE: (SegmentData, 5),
}
SINCE_VERSION = {ReadSegments.TYPE: 3, SegmentData.TYPE: 3}  # types younger than version 1


class Undecodable(Exception):
    """A payload that is no message: the wire error ``code`` and what could be read of it."""

    def __init__(self, code: int, text: str, msg_type: int, request_id: int) -> None:
        super().__init__(text)
        self.code = code  # errors.BAD_MESSAGE or errors.UNKNOWN_MESSAGE
        self.text = text
        self.msg_type = msg_type  # -1 when unreadable
        self.request_id = request_id  # 0 when unreadable


def decode(payload: bytes) -> Message:
    """Return the message in ``payload``; raise Undecodable when it is not a valid one."""
    msg_type, request_id = -1, 0
    try:
        items = loads(payload)
        if type(items[0]) is int:
            msg_type = items[0]
        if msg_type % 2 == 0 and len(items) > 1 and type(items[1]) is int:
            request_id = items[1] if 0 < items[1] <= ID_MAX else 0
        entry = MESSAGES.get(msg_type)
        if entry is None:
            what = "message type " + repr(items[0]) + " is unknown"
            raise Undecodable(UNKNOWN_MESSAGE, what, msg_type, request_id)
        cls, count = entry
        if len(items) != count + 1:
            raise Malformed(cls.__name__ + " has " + str(count) + " fields after its type")
        return cls.parse(items[1:])
    except Malformed as exc:
        raise Undecodable(BAD_MESSAGE, str(exc), msg_type, request_id) from None
