"""The inspection link on the terminal: what it serves, and the JET lines it leaves.

The serial link (firmware/link/) reads through a ``Source``; this module's
``TerminalSource`` is that Source over the terminal's journal and ledger:
records exactly as stored, the journal's segments as stored (version 3's
bulk copy: ``read_segments``), the archive files, and a head statement
signed fresh over the inspector's nonce (fiscal_core/head.py). Every inspection is
itself journaled (5.4.2.4): JET 230 when a session opens, JET 231 with the
range read when the inspector asks for the head statement.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmware.archiving import ARCHIVE_DIR
from firmware.link.messages import (
    GetHeadStatement,
    Hello,
    Identification,
    ReadRecords,
    ReadSegments,
    StoredSegments,
)
from firmware.link.service import LinkService
from firmware.version import SOFTWARE_NAME, SOFTWARE_VERSION
from fiscal_core import codes
from fiscal_core.head import HeadStatement
from fiscal_core.records import Record

if TYPE_CHECKING:
    from firmware.journal_reader import JournalReader
    from firmware.runner import Terminal


def read_segments(
    journal: JournalReader, first: int, offset: int, count: int, max_bytes: int
) -> StoredSegments:
    """Return segment ``first`` from ``offset``, then whole segments: as the Source says.

    Segments are read from the journal log as stored, one after the other
    (``JournalReader.segments_from``: cut by the block headers where they vouch
    for the cut, frames unread; frame by frame elsewhere), and sent as they
    are: no record is parsed here (the inspector's tool checks the frames, its
    verification the records). Raises ValueError for an offset past the
    segment's end, JournalError when a segment before the last is missing.
    """
    last = journal.position()[0]
    lengths: list[int] = []
    parts: list[bytes] = []
    total = 0
    if first < 1 and first <= min(last, first + count - 1):
        raise ValueError(f"journal segment {first} missing")
    stored = journal.segments_from(first, first + count - 1, as_stored=True)
    for index, data in enumerate(stored, first):
        if index == first:
            if offset > len(data):
                raise ValueError(f"offset {offset} past the end of segment {index}")
            data = data[offset:]
        parts.append(data)
        lengths.append(len(data))
        total += len(data)
        if total >= max_bytes:
            break
    return StoredSegments(lengths, last, pieces=parts)  # sent one after the other, not joined


class TerminalSource:
    """The terminal's memory, read-only, as the link serves it."""

    def __init__(self, terminal: Terminal) -> None:
        self.terminal = terminal

    def identify(self) -> Identification:
        t = self.terminal
        state = t.ledger.state
        counts = [
            (doc_type, head.number)
            for doc_type, head in state.chains.items()
            if head.number and doc_type != codes.DOC_GT_TICKET
        ]
        return Identification(
            t.ledger.terminal_id,
            f"{SOFTWARE_NAME} {SOFTWARE_VERSION}",
            t.ledger.signer.public_key,
            counts,
            state.seq,
            t.journal.identity(),
        )

    def records(self, from_seq: int, max_count: int) -> list[bytes]:
        return self.terminal.journal.read_records(from_seq, max_count)

    def segments(self, first: int, offset: int, count: int, max_bytes: int) -> StoredSegments:
        return read_segments(self.terminal.journal, first, offset, count, max_bytes)

    def head_statement(self, nonce: bytes) -> bytes:
        t = self.terminal
        state = t.ledger.state
        last = b""
        if state.seq:
            (raw,) = t.journal.read_records(state.seq, 1)
            last = Record.decode(raw).signature
        clock = t.board.clock
        statement = HeadStatement(
            t.ledger.terminal_id,
            state.seq,
            last,
            t.counter_value(),
            clock.now_utc(),
            clock.utc_offset_minutes(),
            nonce,
        )
        return statement.sign(t.ledger.signer)

    def archives(self) -> list[tuple[str, int]]:
        return self.terminal.journal.list_dir(ARCHIVE_DIR)

    def read_archive(self, name: str, offset: int, size: int) -> bytes:
        if "/" in name or name.startswith("."):
            raise ValueError(f"no archive named {name!r}")
        data = self.terminal.journal.read_file(f"{ARCHIVE_DIR}/{name}", offset, size)
        if data is None:
            raise ValueError(f"no archive named {name!r}")
        return data


class Inspection:
    """Serves the link between keys and journals each inspection session."""

    def __init__(self, terminal: Terminal) -> None:
        serial = terminal.board.serial
        if serial is None:
            raise ValueError("the board has no serial link")
        self.terminal = terminal
        self.service = LinkService(serial, TerminalSource(terminal))
        self.first_seq = 0
        self.last_seq = 0

    def poll(self) -> bool:
        """Do one bounded step of the link; return True while it has more to do."""
        for event in self.service.poll():
            if isinstance(event, Hello):
                self.first_seq = self.last_seq = 0
                self._journal(codes.JET_INSPECTION_OPEN, "inspection: session ouverte")
            elif isinstance(event, ReadRecords):
                self.first_seq = min(self.first_seq or event.from_seq, event.from_seq)
                self.last_seq = max(self.last_seq, event.from_seq + event.max_count - 1)
            elif isinstance(event, ReadSegments):  # a bulk copy reads the journal to its end
                self.first_seq = self.first_seq or 1
                self.last_seq = self.terminal.ledger.state.seq
            elif isinstance(event, GetHeadStatement):
                last = min(self.last_seq, self.terminal.ledger.state.seq)
                text = f"inspection: enregistrements {self.first_seq} a {last} lus, releve de tete"
                self._journal(codes.JET_INSPECTION_HEAD, text)
        return self.service.busy

    def _journal(self, code: int, text: str) -> None:
        self.terminal.journal_event(code, text)
