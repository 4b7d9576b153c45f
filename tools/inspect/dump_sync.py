"""The copy's journal files, appended in order and made durable while the link carries the rest.

A copy of 100,000 records is some 700 segments. Written as a file each, the
files cost more than the link itself: creating a file and syncing it wait
on the filesystem's journal (about 140 µs of processor a file created on a
desktop's ext4, against 12 ms to write the same 22.7 MB to one file). So
the copy's journal is two files, each opened once (docs/LINK.md §6,
``tools/inspect/dumpdir.py``):

- ``journal/segments.bin``: the segments end to end, appended as they come
  (``write``);
- ``journal/segments.idx``: the length of each segment but the last (u32
  BE), appended when the copy moves on to the next segment (``close``).

Durability: while the link carries the journal, the data written so far is
synced in a thread every ``FLUSH_BYTES`` (an fdatasync, so the disk works
while the link does, and little is left for the end); ``finish`` waits for
it, syncs both files, then the ``journal`` directory and the copy's
directory, so the names are as durable as the bytes, and raises OSError
when any of these syncs failed (a write-back that failed). Nothing is said
done before ``finish`` has returned.

An interrupted copy may have lost the tail of either file (they are synced
together, not one before the other): ``dump_journal.read_stored`` keeps
what both agree on when the copy is resumed.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType

from tools.inspect.dumpdir import INDEX_ENTRY, INDEX_FILE, JOURNAL_DIR, SEGMENTS_FILE

FLUSH_BYTES = 4 * 1024 * 1024  # written between two syncs in a thread
_APPEND = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0)
_datasync = getattr(os, "fdatasync", os.fsync)  # the file's size is data too: fdatasync syncs it


class JournalFiles:
    """Appends to the copy's ``segments.bin`` and ``segments.idx``; ``finish`` makes them durable.

    A context manager: leaving it closes the files (and waits for the sync
    in flight) whether or not ``finish`` was reached.
    """

    def __init__(self, out: Path) -> None:
        self.out = out
        self._journal = out / JOURNAL_DIR
        self._data = os.open(self._journal / SEGMENTS_FILE, _APPEND, 0o666)
        try:
            self._index = os.open(self._journal / INDEX_FILE, _APPEND, 0o666)
        except OSError:
            os.close(self._data)
            raise
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="copy-sync")
        self._flush: Future[None] | None = None
        self._unflushed = 0  # bytes written since the last sync handed to the thread

    def __enter__(self) -> JournalFiles:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._pool.shutdown(wait=True)
        os.close(self._index)
        os.close(self._data)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        """Append ``data`` to ``segments.bin`` (the next bytes of the copy's last segment)."""
        _write_all(self._data, data)
        self._unflushed += len(data)
        if self._unflushed >= FLUSH_BYTES and (self._flush is None or self._flush.done()):
            if self._flush is not None:
                self._flush.result()  # a failed write-back: said now, not at the end
            self._unflushed = 0
            self._flush = self._pool.submit(_datasync, self._data)

    def close(self, lengths: list[int]) -> None:
        """Append to ``segments.idx`` the lengths of the segments the copy has just left."""
        if lengths:
            _write_all(self._index, b"".join(n.to_bytes(INDEX_ENTRY, "big") for n in lengths))

    def finish(self) -> None:
        """Return once both files and their names are on disk; raise OSError if not."""
        if self._flush is not None:
            self._flush.result()
        _datasync(self._data)
        _datasync(self._index)
        if os.name == "posix":  # a directory is opened (and fsync'd) only there
            _fsync(str(self._journal))
            _fsync(str(self.out))


def _write_all(fd: int, data: bytes | bytearray | memoryview) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _fsync(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
