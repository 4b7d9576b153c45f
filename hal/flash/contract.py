"""The Flash contract, enforced once for every backend.

``CheckedFlash`` holds the public ``read`` / ``read_blocks`` / ``program`` /
``erase`` / ``sync`` methods of ``hal.ports.Flash``. They check the caller against the contract
(block index in range, alignment to read_size / prog_size, range inside one
block, programming only erased bytes) and raise ``FlashContractError`` before
touching anything, so a refused call changes nothing. A backend subclasses
it and supplies the raw ``_read`` / ``_program`` / ``_erase`` / ``_sync``
hooks, which may assume valid arguments (as littlefs's ``lfs_emubd`` does).
``_read_blocks`` reads a block at a time through ``_read`` unless a backend
knows a cheaper way (one ``pread`` for an image file).

``op_count`` counts the program and erase operations carried out: a
power-loss test replays a scenario and cuts after operation k = 1..N.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from hal.ports import ERASED_BYTE, FlashContractError, FlashGeometry

# The simulator's chip: 4 MiB of SPI NOR with 4 KiB erase blocks, read and
# programmed a byte at a time (a W25Q-style "Page Program" takes 1 to 256
# bytes at any offset of a page; a driver splits programs at 256-byte pages).
# littlefs keeps its own 16-byte units in its partition (firmware/partitions.py),
# and the journal's log appends frames without padding.
SIM_FLASH_GEOMETRY = FlashGeometry(read_size=1, prog_size=1, block_size=4096, block_count=1024)


class CheckedFlash(ABC):
    """Base of every Flash backend: contract checks here, raw access in subclasses."""

    def __init__(self, geometry: FlashGeometry) -> None:
        self._geometry = geometry
        self.op_count = 0

    @property
    def geometry(self) -> FlashGeometry:
        """Return the chip's sizes."""
        return self._geometry

    # -- public API (hal.ports.Flash) ------------------------------------

    def read(self, block: int, off: int, size: int) -> bytes:
        """Return ``size`` bytes of ``block`` from ``off``.

        Raises FlashContractError when misaligned or outside one block.
        """
        self._check_range(block, off, size, self._geometry.read_size, "read")
        return self._read(block, off, size)

    def read_blocks(self, first: int, count: int) -> bytes:
        """Return ``count`` whole blocks from ``first``, end to end (a bulk reader's transfer).

        Raises FlashContractError when ``count`` is negative or a block is outside the chip.
        """
        if count < 0 or not 0 <= first <= first + count <= self._geometry.block_count:
            raise FlashContractError(
                f"blocks {first}..{first + count - 1} outside 0..{self._geometry.block_count - 1}"
            )
        return self._read_blocks(first, count) if count else b""

    def program(self, block: int, off: int, data: bytes) -> None:
        """Write ``data`` into erased bytes of ``block`` at ``off`` (durable after sync).

        Raises FlashContractError when misaligned, outside one block, or when
        any target byte is not erased; nothing is written then.
        """
        if type(data) is not bytes:
            data = bytes(data)
        self._check_range(block, off, len(data), self._geometry.prog_size, "program")
        self._check_erased(block, off, len(data))
        self._program(block, off, data)
        self.op_count += 1

    def erase(self, block: int) -> None:
        """Set every byte of ``block`` to 0xFF. Raises FlashContractError for a bad index."""
        self._check_block(block)
        self._erase(block)
        self.op_count += 1

    def sync(self) -> None:
        """Return once everything programmed or erased before is durable."""
        self._sync()

    # -- checks ----------------------------------------------------------

    def _check_block(self, block: int) -> None:
        if not 0 <= block < self._geometry.block_count:
            raise FlashContractError(
                f"block {block} out of range 0..{self._geometry.block_count - 1}"
            )

    def _check_range(self, block: int, off: int, size: int, unit: int, what: str) -> None:
        if not 0 <= block < self._geometry.block_count:
            self._check_block(block)  # raises, naming the range
        if off % unit or size % unit:
            raise FlashContractError(
                f"{what} misaligned: offset {off} and size {size} must be multiples of {unit}"
            )
        if off < 0 or size < 0 or off + size > self._geometry.block_size:
            raise FlashContractError(
                f"{what} of {size} bytes at offset {off} leaves the "
                f"{self._geometry.block_size}-byte block"
            )

    def _check_erased(self, block: int, off: int, size: int) -> None:
        """Raise FlashContractError unless the ``size`` bytes at ``off`` are erased.

        Reads them; a backend for which a read is costly may know more (FileFlash).
        """
        current = self._read(block, off, size)
        if current.count(ERASED_BYTE) != size:
            raise unerased_error(block, off, current)

    # -- raw hooks: every backend must override them ---------------------

    @abstractmethod
    def _read(self, block: int, off: int, size: int) -> bytes:
        """Return the bytes; arguments already checked."""

    def _read_blocks(self, first: int, count: int) -> bytes:
        """Return the whole blocks (at least one); arguments already checked."""
        size = self._geometry.block_size
        return b"".join([self._read(block, 0, size) for block in range(first, first + count)])

    @abstractmethod
    def _program(self, block: int, off: int, data: bytes) -> None:
        """Write the bytes; arguments checked and target bytes known erased."""

    @abstractmethod
    def _erase(self, block: int) -> None:
        """Fill the block with 0xFF; index already checked."""

    @abstractmethod
    def _sync(self) -> None:
        """Make everything before durable."""


def unerased_error(block: int, off: int, current: bytes) -> FlashContractError:
    """The error of a program over ``current``, the bytes at ``off``, not all erased."""
    first = next(i for i, b in enumerate(current) if b != ERASED_BYTE)
    return FlashContractError(
        f"program over unerased byte: block {block} offset {off + first} "
        f"holds 0x{current[first]:02x}"
    )
