"""FileFlash: a NOR image in a file, the simulator's chip and the tests' "real fsync'd file".

Programming goes through ``os.pwrite`` and ``sync`` through ``os.fdatasync``,
so what ``sync`` returned for survives a crash of the process or the machine.
A new image is written whole (0xFF at the geometry's size) under a temporary
name, fsync'd, then renamed into place: an interrupted creation never leaves
a short image that the next start would mistake for a chip.

Why ``fdatasync`` is enough: it writes the data and every piece of
metadata needed to read it back (POSIX: block allocation, size); it skips
only what matters to ``stat`` alone, such as the modification time. Why it
is cheaper: the image never changes size after creation and every byte of
it was written then (no hole), so a program overwrites allocated blocks in
place and there is no metadata to persist at all; ``fsync`` would still
journal the time stamps, a second device flush per ``sync`` on ext4.
Opening checks the size, so an image truncated or extended is refused.

The contract's check before a program (only erased bytes) would read the
target bytes back from the file at each program, a system call per journal
append. The flash remembers instead, for each block, from which offset on
its bytes are known erased: what its own erases and programs left, and
what a read found (the first program in a block after opening reads the
block's rest once). A program below that offset is checked by a read, as
before. The image must have no other writer while it is open (it never
does: one process drives the chip).
"""

from __future__ import annotations

import os
from types import TracebackType

from hal.flash.contract import SIM_FLASH_GEOMETRY, CheckedFlash, unerased_error
from hal.ports import ERASED_BYTE, FlashGeometry


class FileFlash(CheckedFlash):
    """A contract-checking flash backed by an image file; build it with ``FileFlash.open``."""

    def __init__(self, fd: int, geometry: FlashGeometry, path: str) -> None:
        """Wrap an image already open read-write as ``fd``; prefer ``FileFlash.open``."""
        super().__init__(geometry)
        self._fd = fd
        self.path = path
        # Per block: its bytes from this offset to its end are known erased
        # (block_size: nothing known yet). See the module docstring.
        self._erased_from = [geometry.block_size] * geometry.block_count

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        geometry: FlashGeometry = SIM_FLASH_GEOMETRY,
        *,
        create: bool = False,
    ) -> FileFlash:
        """Open the image at ``path``; with ``create``, first make an erased one if missing.

        Raises FileNotFoundError when it is missing and not ``create``, and
        ValueError when its size is not the geometry's.
        """
        path = os.fspath(path)
        if create and not os.path.exists(path):
            _create_erased_image(path, geometry.total_size)
        fd = os.open(path, os.O_RDWR)
        size = os.fstat(fd).st_size
        if size != geometry.total_size:
            os.close(fd)
            raise ValueError(f"{path} is {size} bytes but {geometry!r} needs {geometry.total_size}")
        return cls(fd, geometry, path)

    def close(self) -> None:
        """Close the image file (idempotent); call ``sync`` first to keep pending writes."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> FileFlash:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _start(self, block: int, off: int) -> int:
        return block * self._geometry.block_size + off

    def _read(self, block: int, off: int, size: int) -> bytes:
        data = os.pread(self._fd, size, self._start(block, off))
        if len(data) != size:
            raise OSError(f"short read from {self.path}: the image was truncated")
        return data

    def _read_blocks(self, first: int, count: int) -> bytes:
        size = count * self._geometry.block_size  # one system call for the whole run
        data = os.pread(self._fd, size, self._start(first, 0))
        if len(data) != size:
            raise OSError(f"short read from {self.path}: the image was truncated")
        return data

    def _check_erased(self, block: int, off: int, size: int) -> None:
        if off >= self._erased_from[block]:
            return
        rest = self._read(block, off, self._geometry.block_size - off)
        if rest.count(ERASED_BYTE) == len(rest):
            self._erased_from[block] = off
        elif rest.count(ERASED_BYTE, 0, size) != size:
            raise unerased_error(block, off, rest[:size])

    def _program(self, block: int, off: int, data: bytes) -> None:
        # Before writing: a program that fails half-way leaves its bytes unknown.
        end = off + len(data)
        if end > self._erased_from[block]:
            self._erased_from[block] = end
        _pwrite_all(self._fd, data, self._start(block, off))

    def _erase(self, block: int) -> None:
        size = self._geometry.block_size
        self._erased_from[block] = size  # unknown until the erase is written
        _pwrite_all(self._fd, bytes([ERASED_BYTE]) * size, self._start(block, 0))
        self._erased_from[block] = 0

    def _sync(self) -> None:
        os.fdatasync(self._fd)  # the size never changes: see the module docstring


def _pwrite_all(fd: int, data: bytes, offset: int) -> None:
    # pwrite may write less than asked (signals, quotas): loop until done.
    written = os.pwrite(fd, data, offset)
    if written == len(data):
        return  # nearly always: one call
    view = memoryview(data)[written:]
    offset += written
    while view:
        written = os.pwrite(fd, view, offset)
        view = view[written:]
        offset += written


def _create_erased_image(path: str, size: int) -> None:
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        chunk = bytes([ERASED_BYTE]) * min(size, 1 << 16)
        offset = 0
        while offset < size:
            piece = chunk[: size - offset]
            _pwrite_all(fd, piece, offset)
            offset += len(piece)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    # The rename itself is only durable once the directory is fsync'd.
    dir_fd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
