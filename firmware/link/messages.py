"""The messages of the inspection link, one class each (docs/LINK.md §2).

A message is the canonical CBOR array ``[type, fields...]`` with fixed
positions. The inspector sends even types (HELLO and requests), the
terminal odd ones (its replies, each the type of its request plus one, and
ERROR). Every request carries an id (1..2**32-1) that its reply echoes.
HELLO, SERVER_HELLO and ERROR keep their layout in every protocol version,
so that two versions can always tell each other apart.

There is no message that writes: the link is read-only by construction.
"""

from firmware.link.archive_messages import ArchiveChunk, ArchiveList, ListArchives, ReadArchive
from firmware.link.codec import Malformed, array, blob, dumps, loads, text, uint
from firmware.link.errors import BAD_MESSAGE, UNKNOWN_MESSAGE
from firmware.link.journal_messages import (
    GetHeadStatement,
    HeadStatement,
    ReadRecords,
    ReadSegments,
    RecordBatch,
    SegmentData,
    StoredSegments,
)
from firmware.link.message_base import (
    CHUNK_MAX,
    COUNT_MAX,
    FRAMES_MAX,
    ID_MAX,
    NONCE_MAX,
    NONCE_MIN,
    PROTOCOL_NAME,
    PROTOCOL_VERSION,
    RECORD_MAX,
    SEGMENTS_MAX,
    STATEMENT_MAX,
    SUPPORTED_VERSIONS,
    TEXT_MAX,
    WINDOW,
    Message,
    Reply,
    Request,
    request_id,
)

__all__ = [  # every message and limit: what the link's users import from here
    "CHUNK_MAX",
    "COUNT_MAX",
    "FRAMES_MAX",
    "ID_MAX",
    "MESSAGES",
    "NONCE_MAX",
    "NONCE_MIN",
    "PROTOCOL_NAME",
    "PROTOCOL_VERSION",
    "RECORD_MAX",
    "SEGMENTS_MAX",
    "SINCE_VERSION",
    "STATEMENT_MAX",
    "SUPPORTED_VERSIONS",
    "WINDOW",
    "ArchiveChunk",
    "ArchiveList",
    "ErrorReply",
    "GetHeadStatement",
    "HeadStatement",
    "Hello",
    "Identification",
    "Identify",
    "ListArchives",
    "Message",
    "ReadArchive",
    "ReadRecords",
    "ReadSegments",
    "RecordBatch",
    "Reply",
    "Request",
    "SegmentData",
    "ServerHello",
    "StoredSegments",
    "TerminalInfo",
    "Undecodable",
    "decode",
]
TYPE_CHECKING = False
if TYPE_CHECKING:
    from firmware.link.codec import CborValue


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
        return cls(request_id(f[0]))


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
        return cls(request_id(f[0]), info)


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
