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
    LocalProtocolError,
    RemoteProtocolError,
    code_name,
)
from firmware.link.framing import MAX_PAYLOAD_BYTES, Dropped, FrameDecoder, encode_frame
from firmware.link.messages import (
    ID_MAX,
    PROTOCOL_NAME,
    PROTOCOL_VERSION,
    ArchiveChunk,
    ErrorReply,
    Hello,
    Message,
    ReadArchive,
    ReadRecords,
    RecordBatch,
    Reply,
    Request,
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

    def __init__(self, table: "dict[str, dict[str, str]]", receive_max: int, send_max: int) -> None:
        self._table = table
        self._decoder = FrameDecoder(receive_max)
        self._send_max = send_max
        self._pending: list[bytes | Dropped] = []
        self._out = bytearray()
        self.state = st.IDLE

    @property
    def pending(self) -> int:
        """Frames (or dropped chunks) received and not yet taken by ``next_event()``."""
        return len(self._pending)

    def receive_data(self, data: bytes) -> None:
        """Take bytes received from the peer (any chunk: part of a frame, several frames)."""
        if data:
            self._pending.extend(self._decoder.feed(data))

    def data_to_send(self) -> bytes:
        """Return everything queued for the peer since the last call, and forget it."""
        data = bytes(self._out)
        self._out = bytearray()
        return data

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
    """The terminal's side: hands out requests, sends their replies, answers the rest itself."""

    def __init__(self, version: int = PROTOCOL_VERSION) -> None:
        super().__init__(st.SERVER_TRANSITIONS, REQUEST_MAX_BYTES, MAX_PAYLOAD_BYTES)
        self.version = version
        self._serving: tuple[Request, bytes] | None = None
        self._answered: tuple[int, bytes, bytes] | None = None  # id, request bytes, reply frame

    def next_event(self) -> "Event":
        """Return the next Hello, request or RemoteProtocolError; NEED_DATA; or PAUSED."""
        if self.state == st.SERVING:
            return PAUSED
        while self._pending:
            item = self._pending.pop(0)
            if isinstance(item, Dropped):
                self._out += self._frame(ErrorReply(0, BAD_FRAME, item.reason))
                return dropped_error(item)
            event = self._receive(item)
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
        frame = self._frame(reply)
        self._local(st.SEND_REPLY)
        self._out += frame
        self._answered = (request.request_id, raw, frame)
        self._serving = None

    def _receive(self, raw: bytes) -> "Event | None":
        try:
            message = decode(raw)
        except Undecodable as exc:
            if exc.msg_type < 0 or exc.msg_type % 2 == 0:  # never answer odd types (rule 7)
                self._out += self._frame(ErrorReply(exc.request_id, exc.code, exc.text))
            return RemoteProtocolError(code_name(exc.code), exc.text)
        if type(message) is Hello:
            return self._hello(message)
        if not isinstance(message, Request):
            name = type(message).__name__
            return RemoteProtocolError("UNEXPECTED_MESSAGE", name + " is not a request")
        rid = message.request_id
        if self.state == st.IDLE:
            self._move(st.RECV_REQUEST)
            self._out += self._frame(ErrorReply(rid, NOT_READY, "send HELLO first"))
            return RemoteProtocolError("NOT_READY", "request " + str(rid) + " before HELLO")
        if self._answered is not None and self._answered[0] == rid:
            if self._answered[1] != raw:
                self._out += self._frame(ErrorReply(rid, ID_REUSED, "id of the last request"))
                return RemoteProtocolError("ID_REUSED", "request id " + str(rid) + " reused")
            self._move(st.RECV_RETRY)
            self._out += self._answered[2]
            return None
        self._move(st.RECV_REQUEST)
        self._serving = (message, raw)
        return message

    def _hello(self, hello: Hello) -> "Event":
        self._out += self._frame(ServerHello(PROTOCOL_NAME, self.version))
        self._answered = None
        if hello.protocol == PROTOCOL_NAME and hello.version == self.version:
            self._move(st.RECV_HELLO)
            return hello
        self._move(st.RECV_OTHER_VERSION)
        return _mismatch(hello, PROTOCOL_NAME, self.version, "the inspector", "this terminal")


class Client(_Connection):
    """The inspector's side: sends HELLO then one request at a time, checks the replies."""

    def __init__(self, version: int = PROTOCOL_VERSION) -> None:
        super().__init__(st.CLIENT_TRANSITIONS, MAX_PAYLOAD_BYTES, REQUEST_MAX_BYTES)
        self.version = version
        self.next_request_id = 1
        self._outstanding: Message | None = None
        self._outstanding_frame = b""
        self._last_answered = 0

    def send(self, message: Message) -> None:
        """Queue HELLO or a request (whose id must be ``next_request_id``).

        Raises LocalProtocolError when the state table forbids it (a request
        before the handshake or while another is outstanding), for an id out
        of turn, or for a message the client does not send.
        """
        if type(message) is Hello:
            frame = self._frame(message)
            self._local(st.SEND_HELLO)
        elif isinstance(message, Request):
            if message.request_id != self.next_request_id:
                raise LocalProtocolError(
                    "WRONG_ID", "the next request id is " + str(self.next_request_id)
                )
            frame = self._frame(message)
            self._local(st.SEND_REQUEST)
            self.next_request_id = message.request_id % ID_MAX + 1
        else:
            raise LocalProtocolError(
                "NOT_A_REQUEST", type(message).__name__ + " is not sent by a client"
            )
        self._outstanding = message
        self._outstanding_frame = frame
        self._out += frame

    def retry(self) -> None:
        """Queue the outstanding HELLO or request again, byte for byte (after a timeout).

        Idempotent for the terminal: it answers a retry without running the
        request again. Raises LocalProtocolError when nothing is outstanding.
        """
        self._local(st.SEND_RETRY)
        self._out += self._outstanding_frame

    def next_event(self) -> "Event":
        """Return the next reply, ServerHello, ErrorReply or RemoteProtocolError; or NEED_DATA."""
        while self._pending:
            item = self._pending.pop(0)
            if isinstance(item, Dropped):
                return dropped_error(item)
            try:
                message = decode(item)
            except Undecodable as exc:
                return RemoteProtocolError(code_name(exc.code), exc.text)
            event = self._receive(message)
            if event is not None:
                return event
        return NEED_DATA

    def _receive(self, message: Message) -> "Event | None":
        if type(message) is ServerHello:
            if self.state != st.HELLO_SENT:
                return None if self.state in (st.READY, st.WAITING) else _unexpected(message)
            if message.protocol == PROTOCOL_NAME and message.version == self.version:
                self._move(st.RECV_HELLO)
                self._outstanding = None
                return message
            self._move(st.RECV_OTHER_VERSION)
            return _mismatch(message, PROTOCOL_NAME, self.version, "the terminal", "this tool")
        if not isinstance(message, Reply):
            return _unexpected(message)
        rid = message.request_id
        if isinstance(message, ErrorReply) and rid == 0:
            self._move(st.RECV_BAD_FRAME)
            return message
        outstanding = self._outstanding
        if self.state != st.WAITING or not isinstance(outstanding, Request):
            return None if rid == self._last_answered else _unexpected(message)
        if rid != outstanding.request_id:
            return None if rid == self._last_answered else _unexpected(message)
        if isinstance(message, ErrorReply):
            self._move(st.RECV_NOT_READY if message.code == NOT_READY else st.RECV_REPLY)
        else:
            problem = _mismatch_reply(outstanding, message)
            if problem:
                return RemoteProtocolError("BAD_REPLY", problem)
            self._move(st.RECV_REPLY)
        self._outstanding = None
        self._last_answered = rid
        return message


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
    if isinstance(request, ReadArchive) and isinstance(reply, ArchiveChunk):
        if (reply.name, reply.offset) != (request.name, request.offset):
            return "archive bytes of another file or offset"
        if len(reply.data) > request.size:
            return "more archive bytes than asked for"
    return ""
