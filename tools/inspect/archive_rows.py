"""The rows of the archive files, compared with the journal's records as they are read.

When the journal is verified range after range (``stream``), no record is
held until the ARCHIVE records, which come after the records they archive,
are checked. So the archive files are read first, one row at a time: each
``records.csv`` row leaves the digest of what it holds
(``archive_content.stored_digest``), kept by seq (20 bytes a row). As each
record of that seq passes, trusted, the digest of the row it must have is
compared with them (``see``; the worker that read it computes it as it
rebuilds the data to sign, ``parallel``), and the seq is let go: at the end
only the seqs found different are left, per file, which ``differs`` answers
for ``archive_content.content_problems``. The outcome is the one of
``archive_content.journal_rows`` with the whole journal.
"""

from __future__ import annotations

from tools.inspect.archive_content import DIGEST_BYTES, read_rows, stored_digest
from tools.inspect.image import ArchiveFile

INDEX_BYTES = 4
ROW_BYTES = INDEX_BYTES + DIGEST_BYTES


class ArchiveRows:
    """The archive rows still to compare, and the rows found different, per file.

    Each seq waiting holds, packed in one byte string, for each row of that
    seq: the file's index in ``names`` (4 bytes) and the row's digest.
    """

    def __init__(self, files: tuple[ArchiveFile, ...] | None) -> None:
        self.names: list[str] = []
        self.waiting: dict[int, bytes] = {}  # seq -> (file index, row digest) ...
        self.different: dict[str, set[int]] = {}
        for f in files or ():
            if f.data is None:
                continue
            index = len(self.names).to_bytes(INDEX_BYTES, "big")
            rows: dict[int, bytes] = {}
            try:
                for seq, row in read_rows(f.data):
                    rows[seq] = rows.get(seq, b"") + index + stored_digest(row)
            except ValueError:
                continue  # a warning, given when its ARCHIVE is checked
            self.names.append(f.name)
            for seq, packed in rows.items():
                self.waiting[seq] = self.waiting.get(seq, b"") + packed

    def wanted(self, seq: int | None) -> bool:
        """True when some row has this seq and the journal's record is still to compare."""
        return seq in self.waiting

    def see(self, seq: int, digest: bytes | None) -> None:
        """Compare the rows of ``seq`` with the trusted record's ``digest`` (None: untrusted)."""
        packed = self.waiting.pop(seq, b"")
        if digest is None:
            return
        for start in range(0, len(packed), ROW_BYTES):
            if packed[start + INDEX_BYTES : start + ROW_BYTES] != digest:
                name = self.names[int.from_bytes(packed[start : start + INDEX_BYTES], "big")]
                self.different.setdefault(name, set()).add(seq)

    def differs(self, name: str, seq: int, row: dict[str, str]) -> bool:
        """Return True if ``seq``'s row of file ``name`` differs from the journal."""
        return seq in self.different.get(name, ())
