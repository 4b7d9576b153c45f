"""The fiscal journal: framed records on a log partition, side files in littlefs.

Theory of operation. The chip is split at provisioning (firmware/partitions.py):
a partition table, the journal's log, and littlefs. Each record is appended
to the log as one frame (firmware/frames.py, firmware/journal_log.py): one
program of the frame and one flash ``sync``, so when ``append`` returns the
record is durable, and a power cut before leaves at most a torn frame that
no reader takes for a record (``torn``: the boot journals it, JET 936). The
frame's own length and CRC-32 let the inspector check the bytes.

The record stream is cut into segments (docs/SPEC.md section 3: a new one
starts once the current one holds SEGMENT_BYTES or more), numbered from 1:
the logical unit that backups, checkpoints and the inspector's copies name
(``/fiscal/journal/NNNNNNNN.log``; firmware/flash_layout.py). Nothing is
ever rewritten or erased. Beside the journal, side files (identity,
configuration, checkpoint, archives...) are littlefs files (a power-safe,
copy-on-write filesystem made for NOR flash, firmware/flash_fs.py),
replaced whole and atomically.

Mounting reads the partition table and mounts littlefs; the log's end is
found when first needed (a binary search over its block headers). Storage
use: the log's is exact (where its end is); littlefs's is kept up to date by
each side-file write (firmware/storage_use.py) and measured (a walk of its
partition) only when unknown, and near full (firmware/health.py).

The journal never formats a flash it cannot mount: ``create`` does that,
once, when the terminal is provisioned.
"""

from __future__ import annotations

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
from firmware.journal_log import Log
from firmware.journal_reader import JournalReader
from firmware.log_blocks import Torn
from firmware.partitions import Partitions, layout, read_table, write_table
from firmware.storage_use import StorageUse
from hal.ports import ERASED_BYTE, Flash

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
    """Append-only fiscal journal on a provisioned chip (see the module docstring)."""

    def __init__(self, partitions: Partitions, fs: LittleFS) -> None:
        super().__init__(fs, Log(partitions.log))
        self._partitions = partitions
        self._storage = StorageUse(fs)

    @classmethod
    def create(cls, flash: Flash, identity: bytes) -> Journal:
        """Split and format ``flash``, write the terminal's identity; only at provisioning.

        The log's blocks are erased (those a new chip does not already hold
        erased), littlefs formatted and the identity written; the partition
        table comes last, so a provisioning cut short leaves a chip that
        mounts as nothing (NO_FILESYSTEM), to be provisioned again.
        """
        partitions = layout(flash)
        log = partitions.log
        g = log.geometry
        for block in range(g.block_count):
            if log.read(block, 0, g.block_size).count(ERASED_BYTE) != g.block_size:
                log.erase(block)
        fs = filesystem(partitions.files)
        fs.format()
        fs.mount()
        fs.mkdir(ROOT)
        with fs.open(IDENTITY_PATH, "wb") as f:
            f.write(identity)
        write_table(flash)
        return cls(partitions, fs)

    @classmethod
    def mount(cls, flash: Flash) -> Journal:
        """Mount the journal on ``flash``; raise JournalError if there is none."""
        partitions = read_table(flash)
        fs = filesystem(partitions.files)
        try:
            fs.mount()
        except LittleFSError as exc:
            raise JournalError("NO_FILESYSTEM", f"flash holds no journal ({exc})") from None
        try:
            fs.stat(ROOT)
        except LittleFSError:
            raise JournalError("NO_JOURNAL", f"flash has no {ROOT} directory") from None
        return cls(partitions, fs)  # reads nothing of the log: its end is found when needed

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

    def append(self, record: bytes) -> None:
        """Append one record; durable when this returns (see the module docstring).

        Raises JournalError WRITE_FAILED when the log has no room for it
        (nothing written) or the flash fails.
        """
        self._log.append(encode_frame(record))

    @property
    def torn(self) -> Torn | None:
        """The torn frame found at the log's end (a power cut during an append), until noted."""
        return self._log.torn

    def torn_noted(self) -> None:
        """Forget the torn frame once its JET 936 is durable."""
        self._log.torn = None

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

    def space(self) -> list[tuple[int, int]]:
        """Return (bytes in use, bytes) of the log partition, then of littlefs's."""
        files = self._partitions.files.geometry
        return [
            (self._log.used(), self._log.capacity()),
            (self._storage.used_bytes(), files.total_size),
        ]

    def used_bytes(self) -> int:
        """Return littlefs's bytes in use (measured once, then kept up to date)."""
        return self._storage.used_bytes()

    def measure_used_bytes(self) -> int:
        """Measure littlefs's bytes in use (a walk of its partition); return them."""
        return self._storage.measure()

    def assume_used_bytes(self, used: int, since: tuple[int, int]) -> None:
        """Take ``used`` (a checkpoint's figure of littlefs's use) as littlefs's use now.

        ``since`` (the checkpoint's place in the journal) no longer matters:
        the journal is not in littlefs, and the side files written since
        were counted by nothing; littlefs measures again near full.
        """
        del since
        self._storage.assume(used)
