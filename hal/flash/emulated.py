"""EmulatedFlash: a chip in RAM that records every operation, for power-loss tests.

Theory of operation (littlefs's ``lfs_emubd`` and ``test_powerloss`` are the
model). A scenario runs once on an ``EmulatedFlash`` built over a base image;
every program and erase the contract lets through is kept, in order, as a
``FlashOp``, and every ``sync`` as the operation count it followed. A test
then rebuilds the chip as a power cut would have left it, without ever
raising through littlefs's callbacks (littlefs-python aborts the process if
a callback raises):

- ``image_after(k)``: operations 1..k done, nothing after (a clean cut);
- ``image_torn(k, model, seed)``: operations 1..k-1 done and operation k
  interrupted half-way, as one of the ``TORN_MODELS`` says;
- ``image_unsynced(k, seed)``: operations up to the last ``sync`` at or
  before k done, and each later one up to k kept or lost at random. The
  contract says a program is durable only once ``sync`` returns: a chip
  (or the simulator's image file under a host's page cache) may write
  unsynced operations in any order, so a cut may keep any subset of them.

Torn models (what an interrupted NOR operation can leave):

- ``prefix``: the chip works through the range one ``prog_size`` chunk at a
  time; the first j chunks are done (0 <= j < chunks), the rest untouched.
  A torn erase leaves the block's start erased (0xFF) and its end as before.
- ``bits``: every cell of the range is mid-way. Programming only clears
  bits, so a torn program leaves ``old & (new | noise)``: each bit meant to
  be cleared may still be set. Erasing only sets bits, so a torn erase
  leaves ``old | noise``.
- ``garbage``: as ``bits`` for a program (a program cannot set a bit, so
  nothing worse is physical), but a torn erase leaves arbitrary bytes: many
  NOR chips first program a block to 0x00 before erasing it.

``noise`` comes from ``random.Random`` seeded with the seed and k, so an
image is a pure function of (base, operations, k, model, seed).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from hal.flash.contract import SIM_FLASH_GEOMETRY, CheckedFlash
from hal.ports import ERASED_BYTE, Flash, FlashGeometry

OP_PROGRAM = "program"
OP_ERASE = "erase"
TORN_PREFIX = "prefix"
TORN_BITS = "bits"
TORN_GARBAGE = "garbage"
TORN_MODELS = (TORN_PREFIX, TORN_BITS, TORN_GARBAGE)
# image_after keeps a copy of the chip every CHECKPOINT_OPS operations, so a
# sweep over k = 1..N replays O(N) operations in all rather than O(N^2).
CHECKPOINT_OPS = 64


@dataclass(frozen=True, slots=True)
class FlashOp:
    """One program or erase carried out: where, and the bytes programmed (b"" for an erase)."""

    kind: str
    block: int
    off: int
    data: bytes

    def __str__(self) -> str:
        if self.kind == OP_ERASE:
            return f"erase block {self.block}"
        return f"program block {self.block} @ {self.off} ({len(self.data)} bytes)"


class EmulatedFlash(CheckedFlash):
    """A contract-checking RAM chip over ``base`` that records every program, erase and sync."""

    def __init__(
        self, geometry: FlashGeometry = SIM_FLASH_GEOMETRY, base: bytes | None = None
    ) -> None:
        """Start from ``base`` (erased if None); ValueError if it is not the chip's size."""
        super().__init__(geometry)
        if base is None:
            base = bytes([ERASED_BYTE]) * geometry.total_size
        if len(base) != geometry.total_size:
            raise ValueError(f"base is {len(base)} bytes, the chip holds {geometry.total_size}")
        self._base = bytes(base)
        self._data = bytearray(base)
        self._ops: list[FlashOp] = []
        self._syncs: list[int] = []
        self._checkpoints: dict[int, bytes] = {0: self._base}

    @classmethod
    def from_flash(cls, flash: Flash) -> EmulatedFlash:
        """Return an emulated chip starting from what ``flash`` holds now (it is only read)."""
        g = flash.geometry
        image = b"".join(flash.read(block, 0, g.block_size) for block in range(g.block_count))
        return cls(g, image)

    # -- what was recorded ---------------------------------------------------

    @property
    def base(self) -> bytes:
        """Return the chip as it was before the first recorded operation."""
        return self._base

    @property
    def ops(self) -> Sequence[FlashOp]:
        """Return the operations carried out, in order; operation k is ``ops[k - 1]``."""
        return tuple(self._ops)

    @property
    def syncs(self) -> Sequence[int]:
        """Return, for each ``sync`` in order, how many operations had been carried out."""
        return tuple(self._syncs)

    def snapshot(self) -> bytes:
        """Return a copy of the whole chip as it is now."""
        return bytes(self._data)

    def describe(self, k: int) -> str:
        """Return operation k in words, for a failure message; IndexError if not 1..N."""
        self._check_k(k, 1)
        return f"op {k}/{len(self._ops)}: {self._ops[k - 1]}"

    # -- rebuilding the chip after a cut -----------------------------------

    def image_after(self, k: int) -> bytes:
        """Return the chip after operations 1..k (0 = the base). Raises IndexError outside 0..N."""
        self._check_k(k, 0)
        start = k - k % CHECKPOINT_OPS
        image = bytearray(self._checkpoint(start))
        self._replay(image, start, k)
        return bytes(image)

    def image_torn(self, k: int, model: str = TORN_BITS, seed: int = 0) -> bytes:
        """Return the chip after operations 1..k-1 with operation k interrupted.

        ``model`` is one of TORN_MODELS (see the module docstring); the noise
        depends only on ``seed`` and ``k``. Raises IndexError if k is not
        1..N and ValueError for an unknown model.
        """
        if model not in TORN_MODELS:
            raise ValueError(f"unknown torn model {model!r}; one of {TORN_MODELS}")
        self._check_k(k, 1)
        image = bytearray(self.image_after(k - 1))
        op = self._ops[k - 1]
        g = self._geometry
        start = op.block * g.block_size + op.off
        size = len(op.data) if op.kind == OP_PROGRAM else g.block_size
        old = bytes(image[start : start + size])
        rng = random.Random(f"{seed}/{k}")
        image[start : start + size] = _torn(op, old, model, g.prog_size, rng)
        return bytes(image)

    def last_sync(self, k: int) -> int:
        """Return how many operations the last ``sync`` after at most k operations followed."""
        return max((s for s in self._syncs if s <= k), default=0)

    def image_unsynced(self, k: int, seed: int = 0) -> bytes:
        """Return the chip after a cut after op k that lost some operations since the last sync.

        Each operation after ``last_sync(k)`` up to k is kept with
        probability 1/2 (seeded by ``seed`` and ``k``). Raises IndexError
        if k is not 0..N.
        """
        self._check_k(k, 0)
        synced = self.last_sync(k)
        image = bytearray(self.image_after(synced))
        rng = random.Random(f"{seed}/{k}/unsynced")
        kept = [op for op in self._ops[synced:k] if rng.random() < 0.5]
        self._apply(image, kept)
        return bytes(image)

    def _checkpoint(self, at: int) -> bytes:
        # Operations are only ever appended, so a checkpoint never goes stale.
        done = max(c for c in self._checkpoints if c <= at)
        image = bytearray(self._checkpoints[done])
        while done < at:
            self._replay(image, done, done + CHECKPOINT_OPS)
            done += CHECKPOINT_OPS
            self._checkpoints[done] = bytes(image)
        return self._checkpoints[at]

    def _replay(self, image: bytearray, done: int, k: int) -> None:
        self._apply(image, self._ops[done:k])

    def _apply(self, image: bytearray, ops: Sequence[FlashOp]) -> None:
        # A program only clears bits: over erased bytes it writes the data, and
        # where an unsynced subset lost the erase before it, old AND data.
        size = self._geometry.block_size
        erased = bytes([ERASED_BYTE]) * size
        for op in ops:
            start = op.block * size + op.off
            if op.kind == OP_ERASE:
                image[start : start + size] = erased
            else:
                end = start + len(op.data)
                old = int.from_bytes(image[start:end], "big")
                new = old & int.from_bytes(op.data, "big")
                image[start:end] = new.to_bytes(len(op.data), "big")

    def _check_k(self, k: int, low: int) -> None:
        if not low <= k <= len(self._ops):
            raise IndexError(f"operation {k} outside {low}..{len(self._ops)}")

    # -- raw hooks (arguments already checked by CheckedFlash) -------------

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
        self._ops.append(FlashOp(OP_PROGRAM, block, off, bytes(data)))

    def _erase(self, block: int) -> None:
        size = self._geometry.block_size
        start = self._start(block, 0)
        self._data[start : start + size] = bytes([ERASED_BYTE]) * size
        self._ops.append(FlashOp(OP_ERASE, block, 0, b""))

    def _sync(self) -> None:
        self._syncs.append(len(self._ops))


def _torn(op: FlashOp, old: bytes, model: str, chunk: int, rng: random.Random) -> bytes:
    """Return what the range of ``op`` holds when the operation stops half-way."""
    size = len(old)
    target = op.data if op.kind == OP_PROGRAM else bytes([ERASED_BYTE]) * size
    if model == TORN_PREFIX:
        done = rng.randrange(size // chunk) * chunk
        return target[:done] + old[done:]
    noise = rng.randbytes(size)
    if op.kind == OP_ERASE and model == TORN_GARBAGE:
        return noise
    if op.kind == OP_ERASE:
        return bytes(o | n for o, n in zip(old, noise, strict=True))
    return bytes(o & (t | n) for o, t, n in zip(old, target, noise, strict=True))
