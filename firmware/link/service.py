"""LinkService: the terminal serves the inspection link from its main loop, never blocking.

The runner calls ``poll()`` between keys. Each call does a bounded amount
of work, so a sale is never delayed by more than one poll:

1. while the previous answer is still being written, write at most
   ``write_bytes`` more of it and stop there (the inspector's next request
   waits in the port's buffer: that is the flow control). A bulk SEGMENTS
   reply (up to ``frames_bytes`` of journal segments, 512 KiB) is thus written
   in pieces of ``write_bytes`` across as many polls, keys handled between
   them (the reply's pieces are kept as they are: only the slice written is copied);
2. unless frames read before are still waiting, read at most ``read_bytes``
   from the port and hand them to the server;
3. take at most ``EVENTS_PER_POLL`` events, of which at most one request,
   answered by one call to the Source (at most ``reply_bytes`` of records,
   or ``frames_bytes`` of journal segments);
4. write at most ``write_bytes`` of what is to be sent.

Nothing the inspector sends, and no failure of the Source or of the port,
makes ``poll()`` raise: the first become ERROR replies, the port's
failures a ``PortFailed`` event. The link only reads: no request changes
fiscal data.
"""

from firmware.link import errors
from firmware.link.errors import LocalProtocolError
from firmware.link.messages import (
    CHUNK_MAX,
    COUNT_MAX,
    FRAMES_MAX,
    RECORD_MAX,
    SEGMENTS_MAX,
    STATEMENT_MAX,
    SUPPORTED_VERSIONS,
    ArchiveChunk,
    ArchiveList,
    ErrorReply,
    GetHeadStatement,
    HeadStatement,
    Identify,
    ListArchives,
    ReadArchive,
    ReadRecords,
    ReadSegments,
    RecordBatch,
    Reply,
    Request,
    SegmentData,
    StoredSegments,
    TerminalInfo,
    Undecodable,
    decode,
)
from firmware.link.protocol import NEED_DATA, PAUSED, Server

TYPE_CHECKING = False
if TYPE_CHECKING:
    from firmware.link.protocol import Event
    from firmware.link.source import Source
    from hal.ports import SerialLink

READ_BYTES_PER_POLL = 1024  # requests are small; more is a peer flooding the line
WRITE_BYTES_PER_POLL = 16 * 1024  # keep below what the port accepts without blocking
REPLY_BYTES = 60 * 1024  # records per RECORDS reply, in bytes (always at least one record):
# large, so that the per-request costs (a request, a wake-up of each side) are paid seldom;
# one reply is encoded in one poll (well under a millisecond on a desktop for 60 KiB)
FRAMES_BYTES = 512 * 1024  # journal segments per SEGMENTS reply (version 3), in bytes (always at
# least one): read whole from the flash and sent as they are, a ``write_bytes`` piece per poll
EVENTS_PER_POLL = 8
_RECORD_OVERHEAD = 3  # CBOR head of a byte string of up to 65535 bytes


class PortFailed:
    """The serial port raised (cable pulled, gadget reset); ``message`` says how."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message

    def __repr__(self) -> str:
        return "PortFailed(" + repr(self.message) + ")"


class LinkService:
    """Serves ``source`` over ``link`` (a hal SerialLink), a bounded step per ``poll()``."""

    def __init__(
        self,
        link: "SerialLink",
        source: "Source",
        read_bytes: int = READ_BYTES_PER_POLL,
        write_bytes: int = WRITE_BYTES_PER_POLL,
        reply_bytes: int = REPLY_BYTES,
        versions: "tuple[int, ...]" = SUPPORTED_VERSIONS,
        frames_bytes: int = FRAMES_BYTES,
    ) -> None:
        self.link = link
        self.source = source
        self.read_bytes = read_bytes
        self.write_bytes = write_bytes
        self.reply_bytes = reply_bytes
        self.frames_bytes = min(frames_bytes, FRAMES_MAX)
        self.server = Server(versions)
        self._outbox: list[bytes] = []  # the pieces left to write of the last answer
        self._sent = 0  # bytes of the first of them already written
        self.requests = 0  # requests answered by the Source (retries excluded)

    @property
    def busy(self) -> bool:
        """True while work is left (an answer being written, frames waiting): poll again soon."""
        return bool(self._outbox) or self.server.pending > 0

    def poll(self) -> "list[Event | PortFailed]":
        """Do one bounded step; return what happened (Hello, requests served, errors)."""
        events: list[Event | PortFailed] = []
        try:
            if self._outbox:
                self._flush()
                if self._outbox:
                    return events
            if not self.server.pending:  # a flood of small frames waits in the port
                self.server.receive_data(self.link.read(self.read_bytes))
            self._step(events)
            self._outbox, self._sent = self.server.pieces_to_send(), 0
            self._flush()
        except OSError as exc:  # pyserial's SerialException is an OSError
            self._outbox = []
            events.append(PortFailed(type(exc).__name__ + ": " + str(exc)))
        return events

    def _step(self, events: "list[Event | PortFailed]") -> None:
        for _ in range(EVENTS_PER_POLL):
            event = self.server.next_event()
            if event is NEED_DATA or event is PAUSED:
                return
            events.append(event)
            if isinstance(event, Request):
                self._answer(event)
                return  # one request, one Source call, per poll

    def _flush(self) -> None:
        """Write at most ``write_bytes`` of the pieces left: a piece whole when it fits (no
        copy: a bulk reply's segments as the Source gave them), else a slice of it."""
        budget = self.write_bytes
        while self._outbox and budget > 0:
            piece, start = self._outbox[0], self._sent
            end = min(len(piece), start + budget)
            self.link.write(piece if start == 0 and end == len(piece) else piece[start:end])
            budget -= end - start
            if end == len(piece):
                del self._outbox[0]
                self._sent = 0
            else:
                self._sent = end

    def _answer(self, request: Request) -> None:
        self.requests += 1
        rid = request.request_id
        try:
            reply = self._reply(request)
        except _Refused as exc:
            reply = ErrorReply(rid, exc.code, exc.text)
        except Exception as exc:  # a failing Source must not stop the cash register
            reply = ErrorReply(rid, errors.SOURCE_FAILED, type(exc).__name__ + ": " + str(exc))
        try:
            self.server.send(reply)
        except LocalProtocolError as exc:  # an answer too large for a frame
            self.server.send(ErrorReply(rid, errors.SOURCE_FAILED, exc.message))

    def _reply(self, request: Request) -> Reply:
        rid = request.request_id
        source = self.source
        if isinstance(request, Identify):
            return _checked(TerminalInfo(rid, source.identify()))
        if isinstance(request, ReadRecords):
            return self._records(request)
        if isinstance(request, ReadSegments):
            return self._segments(request)
        if isinstance(request, GetHeadStatement):
            statement = source.head_statement(request.nonce)
            if type(statement) is not bytes or not 0 < len(statement) <= STATEMENT_MAX:
                raise _Refused(errors.SOURCE_FAILED, "head statement of a wrong size")
            return HeadStatement(rid, statement)
        if isinstance(request, ListArchives):
            return _checked(ArchiveList(rid, source.archives()))
        if isinstance(request, ReadArchive):
            return self._archive(request)
        raise _Refused(errors.UNKNOWN_MESSAGE, type(request).__name__ + " is not served")

    def _records(self, request: ReadRecords) -> RecordBatch:
        wanted = min(request.max_count, COUNT_MAX)
        found = self.source.records(request.from_seq, wanted + 1)  # one more: does any follow?
        batch: list[bytes] = []
        size = 0
        for record in found[:wanted]:
            if type(record) is not bytes or not 0 < len(record) <= RECORD_MAX:
                raise _Refused(errors.SOURCE_FAILED, "a stored record of a wrong size")
            size += len(record) + _RECORD_OVERHEAD
            if batch and size > self.reply_bytes:
                break
            batch.append(record)
        return RecordBatch(request.request_id, request.from_seq, batch, len(found) > len(batch))

    def _segments(self, request: ReadSegments) -> SegmentData:
        wanted = min(request.max_segments, SEGMENTS_MAX)
        stored = self.source.segments(request.segment, request.offset, wanted, self.frames_bytes)
        size = (
            sum(len(piece) for piece in stored.pieces)
            if type(stored) is StoredSegments and all(type(p) is bytes for p in stored.pieces)
            else -1
        )
        if (
            size < 0
            or len(stored.lengths) > wanted
            or size != sum(stored.lengths)
            or size > FRAMES_MAX
            or (request.segment <= stored.last) != bool(stored.lengths)
            or request.segment + len(stored.lengths) - 1 > stored.last
        ):
            raise _Refused(errors.SOURCE_FAILED, "journal segments that do not add up")
        return SegmentData(request.request_id, request.segment, request.offset, stored)

    def _archive(self, request: ReadArchive) -> ArchiveChunk:
        sizes = dict(self.source.archives())
        if request.name not in sizes:
            raise _Refused(errors.NO_SUCH_ARCHIVE, request.name)
        total = sizes[request.name]
        if request.offset > total:
            raise _Refused(errors.BAD_ARGUMENT, "offset past the end of " + request.name)
        size = min(request.size, CHUNK_MAX, total - request.offset)
        data = self.source.read_archive(request.name, request.offset, size) if size else b""
        if type(data) is not bytes or len(data) > size:
            raise _Refused(errors.SOURCE_FAILED, "archive read of a wrong size")
        return ArchiveChunk(request.request_id, request.name, request.offset, data)


class _Refused(Exception):
    def __init__(self, code: int, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


def _checked(reply: Reply) -> Reply:
    """Return ``reply`` if it decodes back to itself (what the Source gave is well-formed)."""
    try:
        parsed = decode(reply.encode())
    except Undecodable as exc:
        raise _Refused(errors.SOURCE_FAILED, "malformed answer: " + exc.text) from None
    if parsed != reply:
        raise _Refused(errors.SOURCE_FAILED, "malformed answer")
    return reply
