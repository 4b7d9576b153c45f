"""FakeStorage: removable storage in memory, for firmware tests."""

from __future__ import annotations

from hal.ports import (
    STORAGE_ABSENT,
    STORAGE_FAILED,
    STORAGE_NOT_FOUND,
    StorageError,
    check_storage_name,
)


class FakeStorage:
    """Files in ``files``; ``plugged`` pulls or plugs the medium, ``failing`` makes writes fail."""

    def __init__(self, files: dict[str, bytes] | None = None, *, plugged: bool = True) -> None:
        self.files: dict[str, bytes] = dict(files or {})
        self.plugged = plugged
        self.failing = False
        self.writes: list[str] = []  # names written, in order

    def present(self) -> bool:
        return self.plugged

    def names(self) -> list[str]:
        self._check_present()
        return sorted(self.files)

    def read(self, name: str) -> bytes:
        check_storage_name(name)
        self._check_present()
        if name not in self.files:
            raise StorageError(STORAGE_NOT_FOUND, f"{name}: no such file")
        return self.files[name]

    def write(self, name: str, data: bytes) -> None:
        check_storage_name(name)
        self._check_present()
        if self.failing:
            raise StorageError(STORAGE_FAILED, f"{name} not written (FakeStorage.failing)")
        self.files[name] = bytes(data)
        self.writes.append(name)

    def _check_present(self) -> None:
        if not self.plugged:
            raise StorageError(STORAGE_ABSENT, "no medium plugged in")
