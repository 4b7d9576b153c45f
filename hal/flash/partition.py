"""PartitionFlash: a Flash over a range of another Flash's blocks (one partition of a chip).

The fiscal memory's chip is split once, at provisioning, into partitions
(a partition table, the journal's log, littlefs for the side files;
docs/SPEC.md section 1). Each user sees a Flash of its own whose block 0 is
block ``first`` of the chip, so littlefs and the log can neither read nor
program outside their range.

A partition may ask for larger read and program units than the chip's
(multiples of them: littlefs keeps programming 16 bytes at a time on a chip
that programs single bytes), and the view checks its callers against its
own geometry, like every backend (CheckedFlash); the chip then checks the
translated call again against its own contract.
"""

from __future__ import annotations

from hal.flash.contract import CheckedFlash
from hal.ports import Flash, FlashContractError, FlashGeometry


class PartitionFlash(CheckedFlash):
    """Blocks ``first`` .. ``first + count - 1`` of ``chip``, seen as a chip of their own."""

    def __init__(
        self, chip: Flash, first: int, count: int, read_size: int = 0, prog_size: int = 0
    ) -> None:
        """Raise ValueError when the range leaves the chip or a unit is not a chip's multiple."""
        g = chip.geometry
        read_size = read_size or g.read_size
        prog_size = prog_size or g.prog_size
        if first < 0 or count <= 0 or first + count > g.block_count:
            raise ValueError(f"blocks {first}..{first + count - 1} outside 0..{g.block_count - 1}")
        if read_size % g.read_size or prog_size % g.prog_size:
            raise ValueError(
                f"read {read_size} / program {prog_size} not multiples of the chip's "
                f"{g.read_size} / {g.prog_size}"
            )
        super().__init__(FlashGeometry(read_size, prog_size, g.block_size, count))
        self.chip = chip
        self.first = first

    def program(self, block: int, off: int, data: bytes) -> None:
        """As CheckedFlash.program, with the erased-bytes check left to the chip.

        Every Flash refuses a program over unerased bytes before writing
        anything (the contract): the partition checks its own range and
        units, and the chip reads the target bytes once, not twice (each
        journal append programs through here).
        """
        if type(data) is not bytes:
            data = bytes(data)
        self._check_range(block, off, len(data), self._geometry.prog_size, "program")
        try:
            self.chip.program(self.first + block, off, data)
        except FlashContractError as exc:
            raise FlashContractError(f"partition block {block}: {exc}") from None
        self.op_count += 1

    def _read(self, block: int, off: int, size: int) -> bytes:
        return self.chip.read(self.first + block, off, size)

    def _read_blocks(self, first: int, count: int) -> bytes:
        return self.chip.read_blocks(self.first + first, count)  # whole blocks: any unit divides

    def _program(self, block: int, off: int, data: bytes) -> None:
        self.chip.program(self.first + block, off, data)

    def _erase(self, block: int) -> None:
        self.chip.erase(self.first + block)

    def sync(self) -> None:
        self.chip.sync()  # nothing of the partition's own to do: one call fewer per append

    def _sync(self) -> None:
        self.chip.sync()
