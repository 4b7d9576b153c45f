"""The inspection link, sans-I/O: bytes in -> events out, messages in -> bytes out.

Theory of operation. ``Client`` (the inspector's tool) and ``Server`` (the
terminal) are state machines in the style of h11: no port, thread or clock
inside, so the same code runs in the terminal's main loop, in a blocking
tool over pyserial, and in tests over an in-memory pipe. Each side:

- ``receive_data(bytes)``: hands over whatever arrived, in any chunking;
  it is framed at once (``framing.FrameDecoder``) and kept in order;
- ``next_event()``: returns the next thing the user must know, or
  ``NEED_DATA`` (nothing complete yet), or ``PAUSED`` (server: answer the
  request handed out first). Events are the messages of ``messages.py``
  and ``RemoteProtocolError`` instances: what the peer got wrong is
  *returned*, never raised, and never changes the state;
- ``send(message)``: checks it against the state table (``state.py``),
  raising ``LocalProtocolError`` when the user breaks a rule, and queues
  its frame; ``data_to_send()`` returns (and forgets) everything queued,
  including what the server answers by itself (SERVER_HELLO, ERRORs,
  resent answers to retries).

The server answers every HELLO and every faulty frame or request by itself;
it hands its user only the HELLOs that open a session (to journal them)
and valid requests in order. The client checks that each reply matches its
outstanding request (type, id, range), and drops the duplicate answers
that retries cause.
"""

from firmware.link import state as st
from firmware.link.errors import (
    BAD_FRAME,
    ID_REUSED,
    NOT_READY,
    UNKNOWN_MESSAGE,
    LocalProtocolError,
    RemoteProtocolError,
    code_name,
)
from firmware.link.framing import (
    MAX_PAYLOAD_BYTES,
    Bulk,
    Dropped,
    FrameDecoder,
    bulk_header,
    encode_frame,
)
from firmware.link.messages import (
    ID_MAX,
    PROTOCOL_NAME,
    PROTOCOL_VERSION,
    SINCE_VERSION,
    SUPPORTED_VERSIONS,
    WINDOW,
    ArchiveChunk,
    ErrorReply,
    Hello,
    Message,
    ReadArchive,
    ReadRecords,
    ReadSegments,
    RecordBatch,
    Reply,
    Request,
    SegmentData,
    ServerHello,
    Undecodable,
    decode,
)

REQUEST_MAX_BYTES = 512  # payload of the largest request; the server drops longer frames

_DROP_TEXT = {
    "TRUNCATED": "a frame cut short, or garbage",
    "BAD_CRC": "a frame whose CRC-32 does not match",
    "OVERSIZED": "a frame longer than the maximum",
}


class _Sentinel:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


NEED_DATA = _Sentinel("NEED_DATA")  # nothing complete: receive more bytes
PAUSED = _Sentinel("PAUSED")  # server: send the reply to the request being served first

TYPE_CHECKING = False
if TYPE_CHECKING:
    Event = Message | RemoteProtocolError | _Sentinel


def dropped_error(item: Dropped) -> RemoteProtocolError:
    """Return the error event for a chunk the frame decoder dropped."""
    what = _DROP_TEXT.get(item.reason, item.reason)
    return RemoteProtocolError(item.reason, "dropped " + str(item.size) + " bytes: " + what)


class _Connection:
    """What both sides share: framing in and out, the pending items, the state."""

    def __init__(
        self, table: "dict[str, dict[str, str]]", receive_max: int, send_max: int, bulk: bool
    ) -> None:
        self._table = table
        self._decoder = FrameDecoder(receive_max, bulk)
        self._send_max = send_max
        self._pending: list[bytes | Bulk | Dropped] = []
        self._out: list[bytes] = []  # frames (a bulk reply: its header, then its raw part)
        self.state = st.IDLE

    @property
    def pending(self) -> int:
        """Frames (or dropped chunks) received and not yet taken by ``next_event()``."""
        return len(self._pending)

    @property
    def progress(self) -> "tuple[int, int, int]":
        """How far received bytes went towards frames (``FrameDecoder.progress``)."""
        return self._decoder.progress

    def receive_data(self, data: bytes) -> None:
        """Take bytes received from the peer (any chunk: part of a frame, several frames)."""
        if data:
            self._pending.extend(self._decoder.feed(data))

    def raw_room(self) -> "memoryview | None":
        """The rest of a bulk reply's raw part being received, to read the port straight into
        (``FrameDecoder.raw_room``); None when none is awaited. Then ``raw_received``."""
        return self._decoder.raw_room()

    def raw_received(self, count: int) -> None:
        """Take ``count`` bytes read into the start of ``raw_room()``."""
        self._pending.extend(self._decoder.raw_received(count))

    def discard_partial(self) -> None:
        """Forget a frame or bulk raw part half received (after a timeout: it will not end)."""
        self._decoder.reset()

    def data_to_send(self) -> bytes:
        """Return everything queued for the peer since the last call, and forget it."""
        return b"".join(self.pieces_to_send())

    def pieces_to_send(self) -> "list[bytes]":
        """Return what ``data_to_send`` would, as the pieces queued, end to end, and forget it.

        A bulk reply's raw part is one piece, the bytes its Source gave: a
        sender that writes the pieces one after the other copies none of it.
        """
        pieces = self._out
        self._out = []
        return pieces

    def _frames(self, message: Message) -> "list[bytes]":
        if type(message) is SegmentData:  # the segments travel raw after their header
            pieces = message.segments.pieces
            return [bulk_header(message.encode(), pieces, self._send_max), *pieces]
        return [encode_frame(message.encode(), self._send_max)]

    def _frame(self, message: Message) -> bytes:
        return encode_frame(message.encode(), self._send_max)

    def _move(self, move: str) -> bool:
        new = st.next_state(self._table, self.state, move)
        if new is None:
            return False
        self.state = new
        return True

    def _local(self, move: str) -> None:
        if st.next_state(self._table, self.state, move) is None:
            raise LocalProtocolError("BAD_STATE", move + " is not allowed in state " + self.state)
        self._move(move)


class Server(_Connection):
    """The terminal's side: hands out requests, sends their replies, answers the rest itself.

    It speaks every version in ``versions``; a session speaks the version
    its HELLO asked for.
    """

    def __init__(self, versions: "tuple[int, ...]" = SUPPORTED_VERSIONS) -> None:
        super().__init__(st.SERVER_TRANSITIONS, REQUEST_MAX_BYTES, MAX_PAYLOAD_BYTES, False)
        self.versions = tuple(versions)
        self.version = max(self.versions)  # its own: named to a HELLO of another version
        self.session_version = 0  # of the session open, 0 when none
        self._serving: tuple[Request, bytes] | None = None
        self._answered: list[tuple[int, bytes, list[bytes]]] = []  # id, request, reply's pieces

    def next_event(self) -> "Event":
        """Return the next Hello, request or RemoteProtocolError; NEED_DATA; or PAUSED."""
        if self.state == st.SERVING:
            return PAUSED
        while self._pending:
            item = self._pending.pop(0)
            if isinstance(item, Dropped):
                self._out.append(self._frame(ErrorReply(0, BAD_FRAME, item.reason)))
                return dropped_error(item)
            event = self._receive(item)  # type: ignore[arg-type]  # no Bulk: decoder not bulk
            if event is not None:
                return event
        return NEED_DATA

    def send(self, reply: Reply) -> None:
        """Queue the reply (or ErrorReply) to the request being served.

        Raises LocalProtocolError when no request is being served, when the
        reply does not answer it, or when it is too large for a frame; the
        request is then still being served.
        """
        if self.state != st.SERVING or self._serving is None:
            raise LocalProtocolError("BAD_STATE", "no request is being served")
        request, raw = self._serving
        if reply.request_id != request.request_id:
            raise LocalProtocolError("WRONG_ID", "the reply must echo the request's id")
        if not isinstance(reply, ErrorReply) and reply.TYPE != request.TYPE + 1:
            raise LocalProtocolError("WRONG_REPLY", type(reply).__name__ + " does not answer it")
        frames = self._frames(reply)
        self._local(st.SEND_REPLY)
        self._out += frames
        self._answered.append((request.request_id, raw, frames))
        keep = WINDOW if self.session_version >= 2 else 1  # answers kept for retries (rule 3)
        del self._answered[:-keep]
        self._serving = None

    def _receive(self, raw: bytes) -> "Event | None":
        try:
            message = decode(raw)
        except Undecodable as exc:
            if exc.msg_type < 0 or exc.msg_type % 2 == 0:  # never answer odd types (rule 7)
                self._out.append(self._frame(ErrorReply(exc.request_id, exc.code, exc.text)))
            return RemoteProtocolError(code_name(exc.code), exc.text)
        if type(message) is Hello:
            return self._hello(message)
        if not isinstance(message, Request):
            name = type(message).__name__
            return RemoteProtocolError("UNEXPECTED_MESSAGE", name + " is not a request")
        rid = message.request_id
        if self.state == st.IDLE:
            self._move(st.RECV_REQUEST)
            self._out.append(self._frame(ErrorReply(rid, NOT_READY, "send HELLO first")))
            return RemoteProtocolError("NOT_READY", "request " + str(rid) + " before HELLO")
        since = SINCE_VERSION.get(message.TYPE, 1)
        if since > self.session_version:  # unknown to the version this session speaks
            text = type(message).__name__ + " needs version " + str(since)
            self._out.append(self._frame(ErrorReply(rid, UNKNOWN_MESSAGE, text)))
            return RemoteProtocolError("UNKNOWN_MESSAGE", text)
        for answered_id, answered_raw, answer in self._answered:
            if answered_id != rid:
                continue
            if answered_raw != raw:
                self._out.append(self._frame(ErrorReply(rid, ID_REUSED, "id of a recent request")))
                return RemoteProtocolError("ID_REUSED", "request id " + str(rid) + " reused")
            self._move(st.RECV_RETRY)
            self._out += answer
            return None
        self._move(st.RECV_REQUEST)
        self._serving = (message, raw)
        return message

    def _hello(self, hello: Hello) -> "Event":
        self._answered = []
        if hello.protocol == PROTOCOL_NAME and hello.version in self.versions:
            self._out.append(self._frame(ServerHello(PROTOCOL_NAME, hello.version)))
            self._move(st.RECV_HELLO)
            self.session_version = hello.version
            return hello
        self._out.append(self._frame(ServerHello(PROTOCOL_NAME, self.version)))
        self._move(st.RECV_OTHER_VERSION)
        self.session_version = 0
        return _mismatch(hello, PROTOCOL_NAME, self.version, "the inspector", "this terminal")


class Client(_Connection):
    """The inspector's side: sends HELLO then requests (pipelined READ_RECORDS in version 2).

    Replies are matched to the outstanding requests by id, in whatever
    order they come; the duplicate answers that retries cause are dropped.
    """

    def __init__(self, version: int = PROTOCOL_VERSION) -> None:
        super().__init__(st.CLIENT_TRANSITIONS, MAX_PAYLOAD_BYTES, REQUEST_MAX_BYTES, True)
        self.version = version
        self.peer_version = 0  # the version of the last SERVER_HELLO, 0 before one
        self.next_request_id = 1
        self._outstanding: dict[int, tuple[Message, bytes]] = {}  # id (HELLO: 0) -> it, frame
        self._recent: list[int] = []  # ids answered lately: a retry's second answer is dropped

    @property
    def window(self) -> int:
        """READ_RECORDS that may be outstanding at once (rule 2)."""
        return WINDOW if self.version >= 2 else 1

    @property
    def outstanding(self) -> int:
        """Requests sent and not yet answered."""
        return 0 if self.state != st.WAITING else len(self._outstanding)

    def send(self, message: Message) -> None:
        """Queue HELLO or a request (whose id must be ``next_request_id``).

        Raises LocalProtocolError when the state table forbids it (a request
        before the handshake, or while another is outstanding unless both
        are READ_RECORDS within the window of version 2), for an id out of
        turn, or for a message the client does not send.
        """
        if type(message) is Hello:
            frame = self._frame(message)
            self._local(st.SEND_HELLO)
            self._outstanding = {0: (message, frame)}
        elif isinstance(message, Request):
            if message.request_id != self.next_request_id:
                raise LocalProtocolError(
                    "WRONG_ID", "the next request id is " + str(self.next_request_id)
                )
            since = SINCE_VERSION.get(message.TYPE, 1)
            if since > self.version:
                raise LocalProtocolError(
                    "BAD_STATE", type(message).__name__ + " needs version " + str(since)
                )
            if self.state == st.WAITING and not self._pipelines(message):
                raise LocalProtocolError(
                    "BAD_STATE",
                    "SEND_REQUEST is not allowed in state WAITING (version 2 on: only "
                    + str(WINDOW)
                    + " READ_RECORDS or READ_SEGMENTS at once)",
                )
            frame = self._frame(message)
            self._local(st.SEND_REQUEST)
            self.next_request_id = message.request_id % ID_MAX + 1
            self._outstanding[message.request_id] = (message, frame)
        else:
            raise LocalProtocolError(
                "NOT_A_REQUEST", type(message).__name__ + " is not sent by a client"
            )
        self._out.append(frame)

    def _pipelines(self, message: Request) -> bool:
        """True when ``message`` may join the requests outstanding (rule 2)."""
        reads = [m for m, _ in self._outstanding.values() if type(m) in _READS]
        return (
            type(message) in _READS
            and len(reads) == len(self._outstanding)
            and len(reads) < self.window
        )

    def retry(self) -> None:
        """Queue the outstanding HELLO or requests again, byte for byte, oldest first.

        Idempotent for the terminal: it answers a retry without running the
        request again. Raises LocalProtocolError when nothing is outstanding.
        """
        self._local(st.SEND_RETRY)
        self._out += [frame for _, frame in self._outstanding.values()]

    def next_event(self) -> "Event":
        """Return the next reply, ServerHello, ErrorReply or RemoteProtocolError; or NEED_DATA."""
        while self._pending:
            item = self._pending.pop(0)
            if isinstance(item, Dropped):
                return dropped_error(item)
            try:
                message = decode(item.payload if isinstance(item, Bulk) else item)
            except Undecodable as exc:
                return RemoteProtocolError(code_name(exc.code), exc.text)
            if isinstance(item, Bulk) != (type(message) is SegmentData):
                text = type(message).__name__ + (" with" if isinstance(item, Bulk) else " without")
                return RemoteProtocolError("BAD_MESSAGE", text + " a raw part")
            if isinstance(item, Bulk) and isinstance(message, SegmentData):
                message.segments.data = item.raw
            event = self._receive(message)
            if event is not None:
                return event
        return NEED_DATA

    def _receive(self, message: Message) -> "Event | None":
        if type(message) is ServerHello:
            if self.state != st.HELLO_SENT:
                return None if self.state in (st.READY, st.WAITING) else _unexpected(message)
            self.peer_version = message.version
            self._outstanding = {}
            if message.protocol == PROTOCOL_NAME and message.version == self.version:
                self._move(st.RECV_HELLO)
                return message
            self._move(st.RECV_OTHER_VERSION)
            return _mismatch(message, PROTOCOL_NAME, self.version, "the terminal", "this tool")
        if not isinstance(message, Reply):
            return _unexpected(message)
        rid = message.request_id
        if isinstance(message, ErrorReply) and rid == 0:
            self._move(st.RECV_BAD_FRAME)
            return message
        entry = self._outstanding.get(rid) if self.state == st.WAITING and rid else None
        if entry is None or not isinstance(entry[0], Request):
            return None if rid in self._recent else _unexpected(message)
        request = entry[0]
        if isinstance(message, ErrorReply) and message.code == NOT_READY:
            self._move(st.RECV_NOT_READY)
            self._outstanding = {}  # the session is lost: every request must be sent again
        else:
            if not isinstance(message, ErrorReply):
                problem = _mismatch_reply(request, message)
                if problem:
                    return RemoteProtocolError("BAD_REPLY", problem)
            del self._outstanding[rid]
            self._move(st.RECV_REPLY_MORE if self._outstanding else st.RECV_REPLY)
        self._recent.append(rid)
        del self._recent[: -2 * WINDOW]
        return message


_READS = (ReadRecords, ReadSegments)  # the requests that may be pipelined (rule 2)


def _unexpected(message: Message) -> RemoteProtocolError:
    name = type(message).__name__
    rid = getattr(message, "request_id", 0)
    return RemoteProtocolError("UNEXPECTED_MESSAGE", name + " (id " + str(rid) + ") not expected")


def _mismatch(hello: Hello, protocol: str, version: int, peer: str, me: str) -> RemoteProtocolError:
    if hello.protocol != protocol:
        text = peer + " speaks " + repr(hello.protocol) + ", not " + repr(protocol)
        return RemoteProtocolError("WRONG_PROTOCOL", text)
    text = (
        peer
        + " speaks "
        + protocol
        + " version "
        + str(hello.version)
        + "; "
        + me
        + " speaks version "
        + str(version)
    )
    return RemoteProtocolError("VERSION_MISMATCH", text)


def _mismatch_reply(request: Request, reply: Reply) -> str:
    """Return why ``reply`` cannot be the answer to ``request`` ('' when it can)."""
    if reply.TYPE != request.TYPE + 1:
        return type(reply).__name__ + " does not answer " + type(request).__name__
    if isinstance(request, ReadRecords) and isinstance(reply, RecordBatch):
        if reply.from_seq != request.from_seq or len(reply.records) > request.max_count:
            return "records outside the range asked for"
        if reply.more and not reply.records:
            return "no records, yet more follow"
    if isinstance(request, ReadSegments) and isinstance(reply, SegmentData):
        if (reply.segment, reply.offset) != (request.segment, request.offset):
            return "segments from another place than asked"
        lengths = reply.segments.lengths
        if len(lengths) > request.max_segments or sum(lengths) != len(reply.data):
            return "more segments than asked for, or bytes not as announced"
    if isinstance(request, ReadArchive) and isinstance(reply, ArchiveChunk):
        if (reply.name, reply.offset) != (request.name, request.offset):
            return "archive bytes of another file or offset"
        if len(reply.data) > request.size:
            return "more archive bytes than asked for"
    return ""
