"""The fiscal journal: append-only framed records in littlefs on the terminal's flash.

Theory of operation. littlefs (a power-safe, copy-on-write filesystem made
for NOR flash) sits on the Flash port (firmware/flash_fs.py). Each record
is appended to the current segment file as one frame (firmware/frames.py),
and the file is synced after each append (``lfs_file_sync``, what a close
does): littlefs commits a file atomically there, and the commit ends with
the flash's ``sync``, so when ``append`` returns the record is durable; if
the power fails before, the file is as it was before the append. The
frame's own length and CRC-32 are a second line of defence, and let the
inspector check the bytes without trusting littlefs.

Segments are named ``/fiscal/journal/NNNNNNNN.log`` (8 decimal digits, from
00000001; firmware/flash_layout.py); a new one starts when the current one
holds SEGMENT_BYTES or more. Nothing is ever rewritten or deleted. See
docs/SPEC.md, "Journal". Beside the journal, side files (configuration,
checkpoint, archives...) are replaced whole and atomically.

Mounting reads nothing of the journal: the reading side
(firmware/journal_reader.py) finds the last segment when it is first
needed. Storage use is kept up to date by each write
(firmware/storage_use.py); littlefs measures it (a walk of the filesystem)
only when it is unknown, and from 80 % full at each capacity check
(firmware/health.py).

The journal never formats a flash it cannot mount: ``create`` does that,
once, when the terminal is provisioned.
"""

from __future__ import annotations

import contextlib
from typing import Any

from littlefs import LittleFS, LittleFSError

from firmware.flash_fs import LFS_ERR_NOENT, filesystem
from firmware.flash_layout import (
    CHECKPOINT_PATH,
    CONFIG_PATH,
    IDENTITY_PATH,
    JOURNAL_DIR,
    PRINTED_PATH,
    RESTORE_PATH,
    ROOT,
    SEGMENT_BYTES,
    segment_name,
)
from firmware.frames import (
    FRAME_OVERHEAD,
    MAX_RECORD_BYTES,
    CorruptFrameError,
    JournalError,
    encode_frame,
    iter_frames,
)
from firmware.journal_reader import JournalReader
from firmware.storage_use import StorageUse
from hal.ports import Flash

__all__ = [  # what the rest of the terminal imports from here
    "CHECKPOINT_PATH",
    "CONFIG_PATH",
    "FRAME_OVERHEAD",
    "IDENTITY_PATH",
    "JOURNAL_DIR",
    "MAX_RECORD_BYTES",
    "PRINTED_PATH",
    "RESTORE_PATH",
    "ROOT",
    "SEGMENT_BYTES",
    "CorruptFrameError",
    "Journal",
    "JournalError",
    "encode_frame",
    "iter_frames",
    "segment_name",
]


class Journal(JournalReader):
    """Append-only fiscal journal on a mounted littlefs (see the module docstring)."""

    def __init__(self, fs: LittleFS) -> None:
        super().__init__(fs)
        self._storage = StorageUse(fs)

    @classmethod
    def create(cls, flash: Flash, identity: bytes) -> Journal:
        """Format ``flash`` and write the terminal's identity; only at provisioning."""
        fs = filesystem(flash)
        fs.format()
        fs.mount()
        fs.mkdir(ROOT)
        fs.mkdir(JOURNAL_DIR)
        with fs.open(IDENTITY_PATH, "wb") as f:
            f.write(identity)
        return cls(fs)

    @classmethod
    def mount(cls, flash: Flash) -> Journal:
        """Mount the journal on ``flash``; raise JournalError if there is none."""
        fs = filesystem(flash)
        try:
            fs.mount()
        except LittleFSError as exc:
            raise JournalError("NO_FILESYSTEM", f"flash holds no journal ({exc})") from None
        try:
            fs.stat(JOURNAL_DIR)
        except LittleFSError:
            raise JournalError("NO_JOURNAL", "flash has no /fiscal/journal directory") from None
        return cls(fs)  # reads nothing: the reading side finds the last segment when needed

    def identity(self) -> bytes:
        """Return the identity file's bytes; raise JournalError when it cannot be read."""
        return self._existing(IDENTITY_PATH)

    def read_file(self, path: str, offset: int = 0, size: int = -1) -> bytes | None:
        """Return a side file's bytes (e.g. CONFIG_PATH), or None when it does not exist.

        ``offset`` and ``size`` read a part only (an archive sent over the
        link a chunk at a time), without reading what comes before it.
        """
        return self._read(path, offset, size)

    def replace_file(self, path: str, data: bytes) -> None:
        """Replace a side file atomically: write a new file, then rename it over the old one.

        Never for the journal itself, which is only ever appended to.
        """
        if path.startswith(JOURNAL_DIR) or path == IDENTITY_PATH:
            raise ValueError(f"{path} is not a side file")
        parent = path.rsplit("/", 1)[0]
        try:
            if parent != ROOT:  # ROOT exists from provisioning: no mkdir per ticket's marker
                self._fs.makedirs(parent, exist_ok=True)
            with self._fs.open(path + ".new", "wb") as f:
                f.write(data)
            replaced = self._file_size(path)
            self._fs.rename(path + ".new", path)
        except (LittleFSError, OSError) as exc:
            raise JournalError("WRITE_FAILED", f"{path} not written: {exc!r}") from None
        self._storage.grown(replaced, len(data))

    # The segment being appended to, left open between appends: (filesystem, path, file).
    _writing: tuple[LittleFS, str, Any] | None = None

    def append(self, record: bytes) -> None:
        """Append one record; durable when this returns (see the module docstring).

        The segment stays open from one append to the next, and each append
        ends with littlefs's file sync (``lfs_file_sync``, which the
        unbuffered file's ``flush`` calls): the very commit ``close`` runs,
        so it programs the data, syncs the flash, commits the metadata and
        syncs again. Reopening the segment for each record cost a walk down
        three directories, about half of littlefs's time per append. (A
        buffered file's ``flush`` only hands its buffer to littlefs and
        syncs nothing: not a commit.) A failed write or sync leaves the file
        errored; it is then closed, which commits nothing, and the next
        append opens the segment again.
        """
        frame = encode_frame(record)
        if self._segment_index < 0:
            self.locate()
        before = self._segment_size
        if self._segment_size >= SEGMENT_BYTES or self._segment_index == 0:
            self._segment_index += 1
            self._segment_size = 0
        path = segment_name(self._segment_index)
        writing = self._writing
        handle: Any = None
        try:
            if writing is not None and writing[0] is self._fs and writing[1] == path:
                handle = writing[2]
            else:
                self._writing = None
                if writing is not None:
                    writing[2].close()  # synced by its last append: commits nothing new
                handle = self._fs.open(path, "ab" if self._segment_size else "wb", buffering=0)
                self._writing = (self._fs, path, handle)
            handle.write(frame)
            handle.flush()  # lfs_file_sync: durable on return
        except (LittleFSError, OSError) as exc:
            # NOSPC and friends: the append did not happen (littlefs is atomic).
            self._writing = None
            if handle is not None:
                with contextlib.suppress(LittleFSError, OSError):
                    handle.close()  # errored: its close commits nothing
            raise JournalError("WRITE_FAILED", f"journal append failed: {exc}") from None
        self._segment_size += len(frame)
        index = self._segment_index
        if self._segment_size == len(frame):  # a new segment, after the full one before it
            self._counts[index] = 1
            if index - 1 in self._starts and index - 1 in self._counts:
                self._learn(index, self._starts[index - 1] + self._counts[index - 1])
        elif index in self._counts:
            self._counts[index] += 1
        self._storage.grown(before if self._segment_size > len(frame) else -1, self._segment_size)

    def list_dir(self, path: str) -> list[tuple[str, int]]:
        """Return (name, size) of the files in a side directory; [] when it does not exist."""
        try:
            names = sorted(self._fs.listdir(path))
            return [(n, int(self._fs.stat(f"{path}/{n}").size)) for n in names]
        except FileNotFoundError:
            return []
        except LittleFSError as exc:
            if exc.code == LFS_ERR_NOENT:
                return []
            raise JournalError("UNREADABLE", f"{path} unreadable: {exc!r}") from None
        except OSError as exc:
            raise JournalError("UNREADABLE", f"{path} unreadable: {exc!r}") from None

    def side_files(self) -> list[str]:
        """Return the path of every side file under /fiscal, sorted (not the journal, identity,
        nor the ``.new`` files an interrupted ``replace_file`` may leave)."""
        found: list[str] = []
        try:
            for top, _, names in self._fs.walk(ROOT):
                base = top.rstrip("/")
                found += [f"{base}/{n}" for n in names if not n.endswith(".new")]
        except (LittleFSError, OSError) as exc:
            raise JournalError("UNREADABLE", f"{ROOT} unreadable: {exc!r}") from None
        skip = (IDENTITY_PATH, RESTORE_PATH)
        return sorted(p for p in found if p not in skip and not p.startswith(JOURNAL_DIR + "/"))

    def remove_file(self, path: str) -> None:
        """Remove a side file (RESTORE_PATH when a restore is over); absent is fine."""
        if path.startswith(JOURNAL_DIR) or path == IDENTITY_PATH:
            raise ValueError(f"{path} is not a side file")
        try:
            self._fs.remove(path)
        except FileNotFoundError:
            return
        except LittleFSError as exc:
            if exc.code != LFS_ERR_NOENT:
                raise JournalError("WRITE_FAILED", f"{path} not removed: {exc!r}") from None
        except OSError as exc:
            raise JournalError("WRITE_FAILED", f"{path} not removed: {exc!r}") from None

    def used_bytes(self) -> int:
        """Return the bytes of flash in use (measured once, then kept up to date)."""
        return self._storage.used_bytes()

    def measure_used_bytes(self) -> int:
        """Measure the flash in use with littlefs (a walk of every block); return it."""
        return self._storage.measure()

    def assume_used_bytes(self, used: int, since: tuple[int, int]) -> None:
        """Take ``used`` (a checkpoint's figure at position ``since``) plus what came after."""
        self._storage.assume(used, since, self.position(), self._size)
