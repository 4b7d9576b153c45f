"""A blocking client of the inspection link (firmware/link) over pyserial, for fiscal-inspect.

The protocol itself is the terminal's own sans-I/O ``Client``; this module
adds what the protocol leaves to the caller: the port, the clock, timeouts
and retries. Every failure becomes a ``LinkError`` with a stable code:

- ``PORT_UNAVAILABLE``: the port cannot be opened;
- ``DISCONNECTED``: the port failed under us (cable pulled, adapter gone);
- ``NO_ANSWER``: nothing came back after every try, each ended by a silence
  of ``timeout_s`` (terminal stalled, not serving the link, wrong port): the
  timeout bounds the silence, not the answer, which may take far longer on
  a slow line;
- ``GARBLED``: bytes came back, but never a valid answer (wrong baud rate,
  noisy line, not a fiscal terminal);
- ``VERSION_MISMATCH`` / ``WRONG_PROTOCOL``: the terminal speaks another
  protocol (``RemoteProtocolError``, naming both versions);
- the terminal's ERROR replies, blamed by ``errors.reply_error``.
"""

from __future__ import annotations

import contextlib
import os
import select
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from firmware.link.errors import NOT_READY, LinkError, RemoteProtocolError, reply_error
from firmware.link.framing import MAX_BULK_BYTES, MAX_PAYLOAD_BYTES
from firmware.link.messages import (
    SUPPORTED_VERSIONS,
    ArchiveChunk,
    ArchiveList,
    ErrorReply,
    GetHeadStatement,
    HeadStatement,
    Hello,
    Identification,
    Identify,
    ListArchives,
    Message,
    ReadArchive,
    ReadRecords,
    ReadSegments,
    RecordBatch,
    Request,
    SegmentData,
    TerminalInfo,
)
from firmware.link.protocol import NEED_DATA, Client
from firmware.link.state import IDLE

DEFAULT_BAUD = 115200
DEFAULT_TIMEOUT_S = 2.0
DEFAULT_TRIES = 3
READ_SLICE_S = 0.05  # longest single wait for a byte; the deadline is checked between reads
READ_MAX = 64 * 1024  # bytes taken from the port at once: a whole reply in few system calls
_FATAL = ("VERSION_MISMATCH", "WRONG_PROTOCOL")
_HUNG_UP = "device reports readiness to read but returned no data"  # as pyserial says it
_M = TypeVar("_M", bound=Message)


class LinkIOError(LinkError):
    """The link failed as a line (port, cable, silence, noise), not as a protocol."""


class Port(Protocol):
    """What the client needs of a pyserial port (``serial.Serial`` and its URL handlers)."""

    @property
    def in_waiting(self) -> int: ...

    def read(self, size: int = 1) -> bytes: ...

    def write(self, data: bytes) -> int | None: ...

    def close(self) -> None: ...


def open_port(url: str, baudrate: int = DEFAULT_BAUD, timeout_s: float = DEFAULT_TIMEOUT_S) -> Any:
    """Open ``url`` (a device path or any pyserial URL); raise LinkIOError PORT_UNAVAILABLE."""
    import serial  # pyserial, only when a port is really opened

    try:
        return serial.serial_for_url(
            url, baudrate=baudrate, timeout=READ_SLICE_S, write_timeout=timeout_s
        )
    except (serial.SerialException, OSError, ValueError) as exc:
        raise LinkIOError("PORT_UNAVAILABLE", f"impossible d'ouvrir {url} : {exc}") from None


class PortReader:
    """Takes whatever ``port`` has received, waiting at most READ_SLICE_S for the first byte.

    On a POSIX device (``serial.Serial``: a tty, a pty, a USB CDC adapter)
    it reads the descriptor directly, up to READ_MAX bytes per system call:
    pyserial's ``read`` asks the driver how much is waiting, then loops
    over ``select`` and ``read`` in Python, which costs more than the bytes
    themselves on a fast link. Other ports (pyserial URLs, test doubles) go
    through ``in_waiting`` and ``read``.
    """

    def __init__(self, port: Port) -> None:
        self.port = port
        self.fd = _posix_fd(port)

    def read(self) -> bytes:
        """Return the bytes received (b"" after READ_SLICE_S of silence); raise on a failed port."""
        fd = self.fd
        if fd is None:
            waiting = self.port.in_waiting
            return bytes(self.port.read(waiting if waiting > 0 else 1))
        # pyserial sets VMIN = VTIME = 0: a read returns at once, empty when nothing is
        # waiting. A read first, then a wait only when it was empty: one system call
        # per chunk while a reply streams in.
        with contextlib.suppress(BlockingIOError):
            data = os.read(fd, READ_MAX)
            if data:
                return data
        ready, _, _ = select.select([fd], [], [], READ_SLICE_S)
        if not ready:
            return b""
        data = os.read(fd, READ_MAX)
        if not data:  # readable yet empty: the other end hung up (as pyserial reports it)
            raise OSError(_HUNG_UP)
        return data

    def read_into(self, view: memoryview, clock: Callable[[], float], until: float) -> int:
        """Read the POSIX device into ``view`` until it is full, READ_SLICE_S pass in silence,
        or ``clock()`` reaches ``until`` while waiting; return the bytes read.

        For a bulk reply's raw part (``Client.raw_room``): the bytes go from the
        port to their place, one system call per chunk the driver hands over
        and no object made for it, as in a raw transfer.
        """
        fd = self.fd
        if fd is None:
            raise ValueError("read_into needs a POSIX device")
        got, size = 0, len(view)
        while got < size:
            try:
                count = os.readv(fd, [view[got:]])
            except BlockingIOError:
                count = 0
            if not count:
                if clock() >= until:
                    break
                ready, _, _ = select.select([fd], [], [], READ_SLICE_S)
                if not ready:
                    break
                count = os.readv(fd, [view[got:]])
                if not count:
                    raise OSError(_HUNG_UP)
            got += count
        return got


def _posix_fd(port: Port) -> int | None:
    try:
        from serial.serialposix import Serial as PosixSerial
    except ImportError:  # not a POSIX system
        return None
    fd = getattr(port, "fd", None) if isinstance(port, PosixSerial) else None
    return fd if isinstance(fd, int) else None


class LinkClient:
    """Requests over ``port``, each tried ``tries`` times; a try ends after ``timeout_s`` of
    silence (no byte received), however long the answer takes to arrive."""

    def __init__(
        self,
        port: Port,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        tries: int = DEFAULT_TRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.port = port
        self.timeout_s = timeout_s
        self.tries = tries
        self.clock = clock
        # The longest a try may last however the line behaves: the largest
        # answer (a bulk reply's header and raw part) at the port's rate
        # (10 bits a byte), twice over, after the silence allowed.
        baud = getattr(port, "baudrate", None) or DEFAULT_BAUD
        largest = (MAX_BULK_BYTES + MAX_PAYLOAD_BYTES) * 10 / baud
        self.try_limit_s = timeout_s + 2 * largest
        self.protocol = Client()
        self.reader = PortReader(port)
        self.bytes_in = 0
        self.retries = 0
        self.errors: list[LinkError] = []  # what the peer got wrong along the way
        self._asked: deque[tuple[int, Callable[[int], Request]]] = deque()  # id, maker; in order
        self._replies: dict[int, Message] = {}  # answers come, not yet taken

    def connect(self) -> None:
        """Open a session (HELLO); raise LinkError as the module docstring says.

        A terminal that speaks an older version of the protocol (it names
        it in SERVER_HELLO) is spoken to in that version: records one by
        one in version 2 (no READ_SEGMENTS), without pipelining in version 1.
        """
        try:
            self._hello()
        except RemoteProtocolError as exc:
            peer = self.protocol.peer_version
            if exc.code != "VERSION_MISMATCH" or peer not in SUPPORTED_VERSIONS:
                raise
            self.protocol = Client(peer)
            self._hello()

    @property
    def window(self) -> int:
        """READ_RECORDS that may be outstanding at once in the session's version."""
        return self.protocol.window

    @property
    def asked(self) -> int:
        """Requests sent whose answer has not been taken yet."""
        return len(self._asked)

    def identify(self) -> Identification:
        """Return what the terminal says of itself (IDENTIFY)."""
        return _expect(self._request(Identify), TerminalInfo).identification

    def read_records(self, from_seq: int, max_count: int) -> RecordBatch:
        """Return up to ``max_count`` stored records from ``from_seq`` (READ_RECORDS)."""
        self.ask_records(from_seq, max_count)
        return self.records()

    def ask_records(self, from_seq: int, max_count: int) -> None:
        """Send READ_RECORDS without waiting (up to ``window`` of them): the terminal answers
        the next while this side works on the last."""
        self._send(lambda rid: ReadRecords(rid, from_seq, max_count))

    def records(self) -> RecordBatch:
        """Return the answer to the oldest READ_RECORDS sent by ``ask_records``."""
        return _expect(self._receive(), RecordBatch)

    def ask_segments(self, segment: int, offset: int, max_segments: int) -> None:
        """Send READ_SEGMENTS (version 3) without waiting, as ``ask_records`` does."""
        self._send(lambda rid: ReadSegments(rid, segment, offset, max_segments))

    def segments(self) -> SegmentData:
        """Return the answer to the oldest READ_SEGMENTS sent by ``ask_segments``."""
        return _expect(self._receive(), SegmentData)

    def head_statement(self, nonce: bytes) -> bytes:
        """Return the terminal's signed head statement over ``nonce`` (HEAD_STATEMENT)."""
        reply = self._request(lambda rid: GetHeadStatement(rid, nonce))
        return _expect(reply, HeadStatement).statement

    def list_archives(self) -> list[tuple[str, int]]:
        """Return (name, size) of each archive file (LIST_ARCHIVES)."""
        return _expect(self._request(ListArchives), ArchiveList).archives

    def read_archive(self, name: str, offset: int, size: int) -> bytes:
        """Return up to ``size`` bytes of archive ``name`` from ``offset`` (READ_ARCHIVE)."""
        reply = self._request(lambda rid: ReadArchive(rid, name, offset, size))
        return _expect(reply, ArchiveChunk).data

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.port.close()

    def _request(self, make: Callable[[int], Request]) -> Message:
        self._send(make)
        return self._receive()

    def _hello(self) -> None:
        self._asked.clear()
        self._replies.clear()
        self.protocol.send(Hello(version=self.protocol.version))
        self._write()
        self._answer()

    def _send(self, make: Callable[[int], Request]) -> None:
        rid = self.protocol.next_request_id
        self.protocol.send(make(rid))
        self._write()
        self._asked.append((rid, make))

    def _receive(self) -> Message:
        """Return the answer to the oldest request asked; raise the terminal's ERROR."""
        for _ in range(2):  # NOT_READY: the terminal lost the session (restart): HELLO, again
            rid = self._asked[0][0]
            while rid not in self._replies:
                answer = self._answer()
                lost = isinstance(answer, ErrorReply) and answer.code == NOT_READY
                if lost and self.protocol.state == IDLE:
                    break
                self._replies[getattr(answer, "request_id", 0)] = answer
            else:
                self._asked.popleft()
                answer = self._replies.pop(rid)
                if isinstance(answer, ErrorReply):
                    raise reply_error(answer.code, answer.text)
                return answer
            makers = [make for _, make in self._asked]
            self.connect()
            for make in makers:  # every request not answered yet, again, in the same order
                self._send(make)
        raise reply_error(NOT_READY, "the session is lost at every request")

    def _answer(self) -> Message:
        """Return the next answer to an outstanding message, retrying after each silence.

        A try lasts until the line has been silent ``timeout_s`` (no byte
        received): an answer may take far longer to arrive than that (512 KiB
        of segments are some 45 s at 115,200 baud). Bytes keep a try going
        only while they arrive intact and build a frame: delimiters alone (a
        line held low reads as NUL bytes) do not, and once a chunk was
        dropped in this try (noise, a wrong baud rate, a reply cut short) its
        deadline no longer moves. Whatever arrives, a try never outlasts
        ``try_limit_s``: the largest answer at the port's rate, twice over.
        So a line that carries no answer ends each try, and the whole after
        ``tries`` tries.
        """
        tries = 1
        deadline, limit = self._try_ends()
        seen = clean = len(self.errors)  # errors before this answer, before this try
        while True:
            event = self.protocol.next_event()
            if event is NEED_DATA:
                before = self.protocol.progress
                got = self._read(deadline)
                now = self.clock()
                if got and len(self.errors) == clean and self.protocol.progress != before:
                    # A deadline of silence, not of the answer; never past the try's limit.
                    deadline = min(now + self.timeout_s, limit)
                if now < deadline:
                    continue
                if tries >= self.tries:
                    raise self._silence(tries, self.errors[seen:])
                self.protocol.discard_partial()  # a frame or raw part cut short never ends
            elif isinstance(event, RemoteProtocolError):
                if event.code in _FATAL:
                    raise event
                self.errors.append(event)
                continue
            elif isinstance(event, ErrorReply) and event.request_id == 0:
                self.errors.append(reply_error(event.code, event.text))  # our frame arrived damaged
                if tries >= self.tries:
                    raise self._silence(tries, self.errors[seen:])
            elif isinstance(event, Message):
                return event
            tries += 1
            self.retries += 1
            self.protocol.retry()
            self._write()
            deadline, limit = self._try_ends()
            clean = len(self.errors)

    def _try_ends(self) -> tuple[float, float]:
        """Return when a try starting now ends if silent, and at the latest."""
        now = self.clock()
        return now + self.timeout_s, now + self.try_limit_s

    def _silence(self, tries: int, errors: list[LinkError]) -> LinkIOError:
        if errors:
            return LinkIOError(
                "GARBLED",
                f"aucune réponse valide du terminal en {tries} essais : {len(errors)} trame(s) "
                f"endommagée(s) ou invalide(s) (dernière : {errors[-1].message}) ; "
                "débit (-b) erroné ou liaison perturbée ?",
            )
        return LinkIOError(
            "NO_ANSWER",
            f"pas de réponse du terminal en {tries} essais ({self.timeout_s:g} s sans un octet "
            "à chaque fois) : terminal bloqué, liaison d'inspection non servie, ou mauvais port ?",
        )

    def _read(self, deadline: float) -> int:
        """Take what the port has received (waiting READ_SLICE_S at most for a first byte)
        into the protocol; return how many bytes came."""
        import serial

        try:
            room = self.protocol.raw_room() if self.reader.fd is not None else None
            if room is not None:  # a bulk reply's raw part: read straight into its place
                with room:
                    count = self.reader.read_into(room, self.clock, deadline)
                if count:
                    self.bytes_in += count
                    self.protocol.raw_received(count)
                return count
            data = self.reader.read()
        except (serial.SerialException, OSError) as exc:
            raise LinkIOError(
                "DISCONNECTED", f"liaison perdue : {exc} (câble débranché ?)"
            ) from None
        if data:
            self.bytes_in += len(data)
            self.protocol.receive_data(data)
        return len(data)

    def _write(self) -> None:
        import serial

        data = self.protocol.data_to_send()
        try:
            self.port.write(data)
        except serial.SerialTimeoutException:
            raise LinkIOError(
                "NO_ANSWER", "le terminal ne lit plus la liaison (écriture bloquée)"
            ) from None
        except (serial.SerialException, OSError) as exc:
            raise LinkIOError(
                "DISCONNECTED", f"liaison perdue : {exc} (câble débranché ?)"
            ) from None


def _expect(reply: Message, kind: type[_M]) -> _M:
    """Return ``reply`` as a ``kind`` (the protocol has already matched it to the request)."""
    if not isinstance(reply, kind):
        raise RemoteProtocolError("BAD_REPLY", f"{type(reply).__name__} instead of {kind.__name__}")
    return reply
