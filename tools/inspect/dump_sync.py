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

On Linux (5.8 and later), the files are not fsync'd one by one: syncfs(2)
writes everything of the filesystem holding the copy at once, and reports
a write-back that failed (since 5.8), for a fraction of 700 fsyncs (each of
which commits the filesystem's journal and flushes the disk's cache). So
whole segments are written on the calling thread (a create and a write
cost less than handing them to a thread); while the link carries the
journal, a syncfs runs in a thread every ``FLUSH_BYTES`` written, and one
when the copy is done makes every file and every name durable. Elsewhere
(macOS's sync may return before the data is written; Windows has none),
each file is fsync'd on the pool as above.
"""

from __future__ import annotations

import ctypes
import os
import platform
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

SYNC_THREADS = 16  # files written and fsync'd at once: concurrent fsyncs share commits
PENDING_MAX = 64  # whole segments waiting for a thread (about 2 MiB of a journal)
FLUSH_BYTES = 4 * 1024 * 1024  # written between two syncs in a thread (filesystem mode)
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
_APPEND = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0)


class Syncer:
    """Makes the copy's segments durable, in threads while the link carries the next ones."""

    def __init__(self, out: Path, pool: ThreadPoolExecutor, one_sync: bool | None = None) -> None:
        self.out = out
        self._journal = str(out / "journal")
        self._pool = pool
        self._syncs: dict[int, Future[None]] = {}
        self._room = threading.BoundedSemaphore(PENDING_MAX)
        # One syncfs(2) for the copy instead of an fsync a file (None: where it reports errors).
        self.one_sync = syncfs_reports_errors() if one_sync is None else one_sync
        self._unflushed = 0  # bytes handed over since the last sync in a thread
        self._flush: Future[None] | None = None

    def write_whole(self, index: int, data: bytes | memoryview) -> None:
        """Write segment ``index`` (a new file: no other piece of it goes to the copy) and
        sync it, in a thread (a failure is raised by ``finish``), or here when one sync
        covers the whole copy (a failure is raised at once)."""
        if self.one_sync:  # no fsync to wait for: written here, synced with the rest
            _write_all(self._path(index), _NEW_FILE, data, sync=False)
            self._unflushed += len(data)
            if self._unflushed >= FLUSH_BYTES and (self._flush is None or self._flush.done()):
                self._unflushed = 0
                self._flush = self._pool.submit(syncfs, self._journal)
            return
        self._room.acquire()  # released by the task, done or failed
        self._syncs[index] = self._pool.submit(self._whole, self._path(index), data)

    def append(self, index: int, data: bytes | memoryview) -> None:
        """Append ``data`` to segment ``index`` on this thread (synced once ``filled``)."""
        _write_all(self._path(index), _APPEND, data, sync=False)

    def filled(self, first: int, last: int) -> None:
        """Sync segments ``first`` to ``last`` (no more frame goes into them)."""
        if self.one_sync:
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
        if self.one_sync:
            syncfs(self._journal)  # every file of the copy, and the names; OSError if not
            return
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


def syncfs_reports_errors() -> bool:
    """True on Linux 5.8 and later, whose syncfs(2) returns a write-back's failure."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        major, minor = (int(part) for part in platform.release().split(".")[:2])
    except ValueError:
        return False
    return (major, minor) >= (5, 8) and hasattr(_libc(), "syncfs")


def syncfs(path: str) -> None:
    """Write everything of the filesystem holding ``path``; raise OSError when it failed."""
    fd = os.open(path, os.O_RDONLY)
    try:
        if _libc().syncfs(fd) != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, f"syncfs: {os.strerror(errno)}", path)
    finally:
        os.close(fd)


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)
