"""DirectoryStorage: removable storage as a directory (a USB stick's mount point).

Theory of operation. ``write`` puts the data in a hidden temporary file in
the same directory, fsyncs it, renames it over the name and fsyncs the
directory: a rename within one filesystem is atomic, so after a power cut
or a pulled stick the name holds the old content or the new one, never a
mix. The hidden temporary file an interrupted write may leave is never
listed and is replaced by the next write of that name.

On the terminal the directory is a mount point (e.g. ``/media/usb0``): it
exists even with no stick in, so ``require_mount=True`` makes "present"
mean "something is mounted there". In the simulator the directory itself
is the stick (``<data_dir>/usb/``): present when it exists.
"""

from __future__ import annotations

import os
from pathlib import Path

from hal.ports import (
    STORAGE_ABSENT,
    STORAGE_FAILED,
    STORAGE_NOT_FOUND,
    StorageError,
    check_storage_name,
)


class DirectoryStorage:
    """A RemovableStorage over the files of one directory."""

    def __init__(self, path: str | os.PathLike[str], *, require_mount: bool = False) -> None:
        self.path = Path(path)
        self.require_mount = require_mount

    def present(self) -> bool:
        if not self.path.is_dir():
            return False
        return os.path.ismount(self.path) if self.require_mount else True

    def names(self) -> list[str]:
        self._check_present()
        try:
            entries = sorted(p.name for p in self.path.iterdir() if p.is_file())
        except OSError as exc:
            raise StorageError(STORAGE_FAILED, f"{self.path}: {exc.strerror}") from None
        return [name for name in entries if not name.startswith(".")]

    def read(self, name: str) -> bytes:
        check_storage_name(name)
        self._check_present()
        try:
            return (self.path / name).read_bytes()
        except FileNotFoundError:
            raise StorageError(STORAGE_NOT_FOUND, f"{name}: no such file") from None
        except OSError as exc:
            raise StorageError(STORAGE_FAILED, f"{name}: {exc.strerror}") from None

    def write(self, name: str, data: bytes) -> None:
        check_storage_name(name)
        self._check_present()
        tmp = self.path / f".{name}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, self.path / name)
            dir_fd = os.open(self.path, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        except OSError as exc:
            raise StorageError(STORAGE_FAILED, f"{name} not written: {exc.strerror}") from None

    def _check_present(self) -> None:
        if not self.present():
            raise StorageError(STORAGE_ABSENT, f"no medium at {self.path}")
