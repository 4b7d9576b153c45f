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
directory, so the names are as durable as the bytes. The copy's other
files are written by ``write_file`` (a ``.part`` synced, then renamed) and
their directories synced by ``sync_dir``. Nothing is said done before
these have returned.

A sync that fails (a write-back error) raises ``SyncFailed``, whatever
else is stopping the copy at the time: leaving ``JournalFiles`` waits for
the sync in flight and raises its failure over the exception that was
ending the copy. Linux reports a failed write-back once per open file, and
the bytes still read back from its page cache, so a resumed copy would read
them, sync without error, and say done with bytes that never reached the
disk: a copy whose sync failed is marked (``SYNC_FAILED_FILE``, its reason
in French) and never resumed; it is made again in another directory.

An interrupted copy may have lost the tail of either file (they are synced
together, not one before the other): ``dump_journal.read_stored`` keeps
what both agree on when the copy is resumed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType

from tools.inspect.dump_journal import DumpError
from tools.inspect.dumpdir import (
    INDEX_ENTRY,
    INDEX_FILE,
    JOURNAL_DIR,
    SEGMENTS_FILE,
    SYNC_FAILED_FILE,
)

FLUSH_BYTES = 4 * 1024 * 1024  # written between two syncs in a thread
_APPEND = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0)
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
_datasync = getattr(os, "fdatasync", os.fsync)  # the file's size is data too: fdatasync syncs it


class SyncFailed(DumpError):
    """A sync of the copy failed: what it holds may not be on disk, and it is not to be resumed."""


class JournalFiles:
    """Appends to the copy's ``segments.bin`` and ``segments.idx``; ``finish`` makes them durable.

    A context manager: leaving it waits for the sync in flight and closes
    both files, whether or not ``finish`` was reached; a sync that failed
    and was not said yet raises SyncFailed then, over any other exception.
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
        try:
            self._pool.shutdown(wait=True)
            self._flushed(exc)  # its failure outweighs what was ending the copy: said over it
        finally:
            try:
                os.close(self._index)
            finally:
                os.close(self._data)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        """Append ``data`` to ``segments.bin`` (the next bytes of the copy's last segment)."""
        _write_all(self._data, data)
        self._unflushed += len(data)
        if self._unflushed >= FLUSH_BYTES and (self._flush is None or self._flush.done()):
            self._flushed()  # a failed write-back: said now, not at the end
            self._unflushed = 0
            self._flush = self._pool.submit(_datasync, self._data)

    def close(self, lengths: list[int]) -> None:
        """Append to ``segments.idx`` the lengths of the segments the copy has just left."""
        if lengths:
            _write_all(self._index, b"".join(n.to_bytes(INDEX_ENTRY, "big") for n in lengths))

    def finish(self) -> None:
        """Return once both files and their names are on disk; raise SyncFailed if not."""
        self._flushed()
        _synced(self.out, self._journal / SEGMENTS_FILE, lambda: _datasync(self._data))
        _synced(self.out, self._journal / INDEX_FILE, lambda: _datasync(self._index))
        sync_dir(self.out, self._journal)
        sync_dir(self.out, self.out)

    def _flushed(self, during: BaseException | None = None) -> None:
        """Wait for the sync handed to the thread; raise SyncFailed if it failed."""
        flush, self._flush = self._flush, None
        error = flush.exception() if flush is not None else None
        if isinstance(error, Exception):
            raise _failed(self.out, self._journal / SEGMENTS_FILE, error, during) from error


def write_file(out: Path, path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` in the copy ``out``, synced, in place of any file of that name.

    Written to ``NAME.part``, synced, then renamed: never a file half
    written under its name. Its directory is synced by ``sync_dir`` once all
    its files are renamed. Raises SyncFailed when the sync fails.
    """
    part = path.with_name(path.name + ".part")
    fd = os.open(part, _CREATE, 0o666)
    try:
        _write_all(fd, data)
        _synced(out, path, lambda: _datasync(fd))
    finally:
        os.close(fd)
    part.replace(path)


def sync_dir(out: Path, directory: Path) -> None:
    """Return once the names in ``directory`` are on disk; raise SyncFailed if not."""
    if os.name == "posix":  # a directory is opened (and fsync'd) only there
        _synced(out, directory, lambda: _fsync(str(directory)))


def _synced(out: Path, path: Path, sync: Callable[[], None]) -> None:
    try:
        sync()
    except OSError as error:
        raise _failed(out, path, error) from error


def _failed(
    out: Path, path: Path, error: Exception, during: BaseException | None = None
) -> SyncFailed:
    """Return the SyncFailed for ``error``, a failed sync of ``path``, once the copy is marked.

    ``during``: the exception that was ending the copy meanwhile, said too.
    """
    where = path.relative_to(out) if path.is_relative_to(out) else path
    reason = getattr(error, "strerror", None) or str(error)
    said = f"écriture sur disque échouée ({where} : {reason})"
    if during is not None:
        said += f", alors que la copie s'arrêtait : {during}"
    said += " ; cette copie n'est pas sûre et ne se reprend pas"
    unmarked = _mark(out, said)
    if unmarked:
        said += f" (et {SYNC_FAILED_FILE} n'a pu y être écrit : {unmarked})"
    return SyncFailed(said)


def _mark(out: Path, said: str) -> str | None:
    """Leave ``SYNC_FAILED_FILE`` in the copy, saying ``said``; return why it could not be."""
    try:
        fd = os.open(out / SYNC_FAILED_FILE, _CREATE, 0o666)
        try:
            _write_all(fd, f"{said}.\nRefaire la copie dans un autre répertoire.\n".encode())
            os.fsync(fd)  # not the journal's sync: this one is all that is left to try
        finally:
            os.close(fd)
        if os.name == "posix":
            _fsync(str(out))
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


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
