"""The rows of the archive files, compared with the journal's records as they are read.

When the journal is verified range after range (``stream``), no record is
held until the ARCHIVE records, which come after the records they archive,
are checked. So the archive files are read first: each ``records.csv`` row
leaves the digest of what it holds (``archive_content.stored_digest``),
kept by seq. As each record of that seq passes, trusted, the digest of the
row it must have is compared with them (``see``; the worker that read it
computes it as it rebuilds the data to sign, ``parallel``), and the seq is
let go: at the end only the seqs found different are left, per file, which
``differs`` answers for ``archive_content.content_problems``. The outcome
is the one of ``archive_content.journal_rows`` with the whole journal.
"""

from __future__ import annotations

from tools.inspect.archive_content import read_rows, stored_digest
from tools.inspect.image import ArchiveFile


class ArchiveRows:
    """The archive rows still to compare, and the rows found different, per file."""

    def __init__(self, files: tuple[ArchiveFile, ...] | None) -> None:
        self.waiting: dict[int, list[tuple[str, bytes]]] = {}  # seq -> (file, row digest)
        self.different: dict[str, set[int]] = {}
        for f in files or ():
            if f.data is None:
                continue
            try:
                rows = read_rows(f.data)
            except ValueError:
                continue  # a warning, given when its ARCHIVE is checked
            for seq, row in rows:
                self.waiting.setdefault(seq, []).append((f.name, stored_digest(row)))

    def wanted(self, seq: int | None) -> bool:
        """True when some row has this seq and the journal's record is still to compare."""
        return seq in self.waiting

    def see(self, seq: int, digest: bytes | None) -> None:
        """Compare the rows of ``seq`` with the trusted record's ``digest`` (None: untrusted)."""
        for name, stored in self.waiting.pop(seq, ()):
            if digest is not None and stored != digest:
                self.different.setdefault(name, set()).add(seq)

    def differs(self, name: str, seq: int, row: dict[str, str]) -> bool:
        """Return True if ``seq``'s row of file ``name`` differs from the journal."""
        return seq in self.different.get(name, ())
