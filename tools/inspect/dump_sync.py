"""Writing the copy's journal segments durably while the link carries the next ones.

A copy of 100,000 records is some 700 segment files, and each must be on
disk before the dump says it is done: created, written, fsync'd, and the
directories holding them fsync'd. One at a time on the thread reading the
link, the files would cost more than the link itself: creating a file and
fsyncing it wait on the filesystem's journal, not on the processor. So:

- a segment that arrives whole and will not grow (a new file, before the
  journal's last segment when the terminal read it) is created, written,
  fsync'd and closed by one task on a pool of threads (``write_whole``): the
  reading thread only hands it over. The filesystem commits concurrent
  fsyncs together, so the pool is larger than the cores;
- the other pieces (the first piece of a resumed copy, the journal's last
  segment, records in versions 1 and 2) are appended on the calling thread,
  in order (``append``), and fsync'd on the pool once full (``filled``);
- ``finish`` waits for every task (raising the first failure), fsyncs the
  segments not synced yet, then the journal directory and the copy's
  directory, so the names are as durable as the bytes.

At most ``PENDING_MAX`` whole segments wait for a thread at once: the
replies they are views of stay in memory until written.

On Linux, whose sync(2) returns once everything is written, the files are
not fsync'd one by one as they come, and so are written on the calling
thread (a create and a write cost less than handing them to a thread).
While the link carries the journal, a sync runs in a thread every
``FLUSH_BYTES`` written; one ``os.sync()`` when the copy is done writes
what is left, every file and every name, for a fraction of 700 fsyncs
(each of which commits the filesystem's journal). Then each file and
directory is fsync'd all the same: nothing is left to write, but a
write-back that failed is reported (sync(2) reports none). Elsewhere
(macOS's sync may return before the data is written; Windows has none),
each file is fsync'd on the pool as above.
"""

from __future__ import annotations

import os
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

SYNC_THREADS = 16  # files written and fsync'd at once: concurrent fsyncs share commits
PENDING_MAX = 64  # whole segments waiting for a thread (about 2 MiB of a journal)
FLUSH_BYTES = 4 * 1024 * 1024  # written between two syncs in a thread (whole-system mode)
WHOLE_SYSTEM_SYNC = sys.platform.startswith("linux")
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
_APPEND = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0)


class Syncer:
    """Makes the copy's segments durable, in threads while the link carries the next ones."""

    def __init__(
        self, out: Path, pool: ThreadPoolExecutor, whole_system: bool = WHOLE_SYSTEM_SYNC
    ) -> None:
        self.out = out
        self._journal = str(out / "journal")
        self._pool = pool
        self._syncs: dict[int, Future[None]] = {}
        self._room = threading.BoundedSemaphore(PENDING_MAX)
        self.whole_system = whole_system  # one os.sync() instead of an fsync a file
        self._unflushed = 0  # bytes handed over since the last sync in a thread
        self._flush: Future[None] | None = None

    def write_whole(self, index: int, data: bytes | memoryview) -> None:
        """Write segment ``index`` (a new file: no other piece of it goes to the copy) and
        sync it, in a thread (a failure is raised by ``finish``), or here when one sync
        covers the whole copy (a failure is raised at once)."""
        if self.whole_system:  # no fsync to wait for: written here, synced with the rest
            _write_all(self._path(index), _NEW_FILE, data, sync=False)
            self._unflushed += len(data)
            if self._unflushed >= FLUSH_BYTES and (self._flush is None or self._flush.done()):
                self._unflushed = 0
                self._flush = self._pool.submit(os.sync)
            return
        self._room.acquire()  # released by the task, done or failed
        self._syncs[index] = self._pool.submit(self._whole, self._path(index), data)

    def append(self, index: int, data: bytes | memoryview) -> None:
        """Append ``data`` to segment ``index`` on this thread (synced once ``filled``)."""
        _write_all(self._path(index), _APPEND, data, sync=False)

    def filled(self, first: int, last: int) -> None:
        """Sync segments ``first`` to ``last`` (no more frame goes into them)."""
        if self.whole_system:
            return  # ``finish``'s sync covers them
        for index in range(max(first, 1), last + 1):
            if index not in self._syncs:
                self._syncs[index] = self._pool.submit(_fsync, self._path(index))

    def finish(self) -> None:
        """Return once every segment of the copy and its name are on disk; raise OSError if not."""
        for index in sorted(self._syncs):
            self._syncs[index].result()
        if self._flush is not None:
            self._flush.result()
        if self.whole_system:
            # Every file of the copy, and the names, written when it returns; sync(2)
            # reports no error, so each file is fsync'd after it (cheap: nothing is left
            # to write) for a failed write-back to be raised here.
            os.sync()
        for name in sorted(os.listdir(self._journal)):
            if name.endswith(".log") and int(name[:8]) not in self._syncs:
                _fsync(f"{self._journal}/{name}")
        if os.name == "posix":  # a directory is opened (and fsync'd) only there
            _fsync(self._journal)
            _fsync(str(self.out))

    def _path(self, index: int) -> str:
        return f"{self._journal}/{index:08d}.log"

    def _whole(self, path: str, data: bytes | memoryview) -> None:
        try:
            _write_all(path, _NEW_FILE, data, sync=True)
        finally:
            self._room.release()


def _write_all(path: str, flags: int, data: bytes | memoryview, sync: bool) -> None:
    fd = os.open(path, flags, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        if sync:
            os.fsync(fd)
    finally:
        os.close(fd)


def _fsync(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
