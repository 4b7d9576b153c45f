"""RamFlash: a Flash held in a bytearray, for unit tests (nothing is durable, sync is free)."""

from __future__ import annotations

from hal.flash.contract import SIM_FLASH_GEOMETRY, CheckedFlash
from hal.ports import ERASED_BYTE, FlashGeometry


class RamFlash(CheckedFlash):
    """A contract-checking flash in RAM, erased (all 0xFF) when created."""

    def __init__(
        self, geometry: FlashGeometry = SIM_FLASH_GEOMETRY, data: bytes | None = None
    ) -> None:
        """Create an erased chip, or one holding ``data`` (e.g. a snapshot) if given.

        Raises ValueError when ``data`` is not exactly the chip's size.
        """
        super().__init__(geometry)
        if data is None:
            self._data = bytearray([ERASED_BYTE]) * geometry.total_size
        elif len(data) != geometry.total_size:
            raise ValueError(f"data is {len(data)} bytes, the chip holds {geometry.total_size}")
        else:
            self._data = bytearray(data)
        self.sync_count = 0

    def snapshot(self) -> bytes:
        """Return a copy of the whole chip (to rebuild it after a simulated power cut)."""
        return bytes(self._data)

    def _start(self, block: int, off: int) -> int:
        return block * self._geometry.block_size + off

    def _read(self, block: int, off: int, size: int) -> bytes:
        start = self._start(block, off)
        return bytes(self._data[start : start + size])

    def _read_blocks(self, first: int, count: int) -> bytes:
        start = self._start(first, 0)
        return bytes(self._data[start : start + count * self._geometry.block_size])

    def _program(self, block: int, off: int, data: bytes) -> None:
        start = self._start(block, off)
        self._data[start : start + len(data)] = data

    def _erase(self, block: int) -> None:
        start = self._start(block, 0)
        self._data[start : start + self._geometry.block_size] = (
            bytes([ERASED_BYTE]) * self._geometry.block_size
        )

    def _sync(self) -> None:
        self.sync_count += 1
