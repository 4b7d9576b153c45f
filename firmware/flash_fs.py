"""littlefs on the Flash port: the block-device callbacks and the filesystem's settings.

littlefs (a power-safe, copy-on-write filesystem made for NOR flash) reaches
the chip only through these four callbacks. None of the settings is
recorded on flash but the inline size, which decides which small files
live in their directory's metadata (docs/SPEC.md section 1).
"""

from __future__ import annotations

import math
from typing import Any

from littlefs import LittleFS, UserContext

from hal.ports import Flash

LFS_ERR_NOENT = -2  # littlefs: no such file or directory
BLOCK_CYCLES = 500
LOOKAHEAD_BYTES = 32  # at least; see lookahead_bytes
CACHE_BYTES = 4096  # littlefs read and program caches, at most one erase block
INLINE_BYTES = 256  # files up to this size live in their directory's metadata


class FlashContext(UserContext):
    """littlefs block-device callbacks onto the Flash port.

    littlefs aborts the process if a callback raises, so contract breaches
    by littlefs itself would be fatal; the Flash backends raise only on
    misuse, which littlefs never does within its configured geometry.
    """

    def __init__(self, flash: Flash) -> None:
        self.flash = flash

    def read(self, cfg: Any, block: int, off: int, size: int) -> bytearray:
        return bytearray(self.flash.read(block, off, size))

    def prog(self, cfg: Any, block: int, off: int, data: bytes) -> int:
        self.flash.program(block, off, data)  # littlefs-python hands bytes: no copy
        return 0

    def erase(self, cfg: Any, block: int) -> int:
        self.flash.erase(block)
        return 0

    def sync(self, cfg: Any) -> int:
        self.flash.sync()
        return 0


def filesystem(flash: Flash) -> LittleFS:
    """littlefs on ``flash``, not mounted, its caches sized for the commit path.

    Reads are whole cache lines: littlefs loads its read cache only as far
    as each small read asks (a 4-byte tag becomes one read of ``read_size``),
    so with the chip's 16-byte reads a metadata compaction walks the
    directory's log 16 bytes per callback, once per file in the directory:
    thousands of callbacks per compaction on a journal of a few hundred
    segments. One read of a whole block instead costs one callback. The
    lookahead bitmap covers the whole chip, so the allocator rescans the
    filesystem once per pass over the chip rather than every 256 blocks.
    Inline files stay at 256 bytes as with the former 256-byte cache, so
    what lands where on flash does not depend on the cache size.
    """
    g = flash.geometry
    unit = math.lcm(g.read_size, g.prog_size)  # littlefs: cache lines hold whole reads and programs
    top = min(CACHE_BYTES, g.block_size)
    cache = max(c for c in range(unit, top + 1, unit) if g.block_size % c == 0)
    return LittleFS(
        context=FlashContext(flash),
        mount=False,  # never let the constructor format a flash it cannot mount
        block_size=g.block_size,
        block_count=g.block_count,
        read_size=cache,
        prog_size=g.prog_size,
        cache_size=cache,
        lookahead_size=lookahead_bytes(g.block_count),
        block_cycles=BLOCK_CYCLES,
        inline_max=min(INLINE_BYTES, cache, g.block_size // 8),
    )


def lookahead_bytes(block_count: int) -> int:
    """Return a lookahead bitmap covering the whole chip (a bit per block, 8-byte multiple).

    littlefs finds free blocks by walking the whole filesystem to fill this
    bitmap, one window at a time. A window smaller than the chip costs one
    walk per window crossed: with 32 bytes (256 blocks) on a 70,000-block
    chip nearly full, the first write after a mount took minutes. One
    window over the whole chip: one walk per mount (and per chipful of
    allocations), for block_count / 8 bytes of RAM (8.5 KiB for 272 MiB).
    """
    return max(LOOKAHEAD_BYTES, (block_count + 63) // 64 * 8)
