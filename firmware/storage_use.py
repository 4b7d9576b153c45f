"""littlefs's partition in use, known at all times without walking it at each write.

The journal's log knows its own use exactly (firmware/journal_log.py); the
side files live in littlefs, which measures its use (``measure``, a
traversal of every block in use) when there is time for it. From there
each side file adds the blocks it takes beyond the file it replaces
(littlefs's CTZ skip-list layout, exact for file data, plus an allowance
per new file for directory metadata); a checkpoint carries the figure
across a restart (``assume``). The estimate stays within a few blocks of
littlefs's own count (littlefs also moves and compacts its metadata pairs,
which no file size tells).
"""

from __future__ import annotations

from littlefs import LittleFS

# A new file's entry in its directory's metadata: a metadata pair (2 blocks) holds
# a few dozen entries: a 16th of a block per file (the estimate stays within a few blocks).
DIR_ENTRIES_PER_BLOCK = 16


class StorageUse:
    """Bytes of flash in use on one mounted littlefs: measured, then kept up to date."""

    def __init__(self, fs: LittleFS) -> None:
        self._fs = fs
        self._used = -1  # -1: not known yet

    def used_bytes(self) -> int:
        """Return the bytes of flash in use (measured once, then kept up to date)."""
        if self._used < 0:
            self.measure()
        return self._used

    def measure(self) -> int:
        """Measure the flash in use with littlefs (a walk of every block); return it."""
        self._used = int(self._fs.used_block_count) * self._fs.cfg.block_size
        return self._used

    def assume(self, used: int) -> None:
        """Take ``used`` (a checkpoint's figure) as the bytes in use now."""
        self._used = used

    def grown(self, before: int, after: int) -> None:
        """Count the blocks a file grew by, from ``before`` bytes (-1: new) to ``after``."""
        if self._used < 0:
            return
        block, inline = self._fs.cfg.block_size, self._fs.cfg.inline_max
        added = ctz_blocks(after, block, inline) - ctz_blocks(max(before, 0), block, inline)
        self._used += added * block + (block // DIR_ENTRIES_PER_BLOCK if before < 0 else 0)


def ctz_blocks(size: int, block: int, inline_max: int) -> int:
    """Return the blocks littlefs uses for a file of ``size`` bytes (its CTZ skip-list).

    Block i of a CTZ list holds ctz(i) + 1 pointers of 4 bytes before its
    data (littlefs DESIGN.md, "CTZ skip-lists"); files up to ``inline_max``
    bytes (the filesystem's own setting) live in their directory's metadata.
    """
    if size <= inline_max:
        return 0
    count, room = 1, block
    while room < size:
        room += block - 4 * ((count & -count).bit_length())
        count += 1
    return count
