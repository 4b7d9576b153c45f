"""The inspection link's archive reads: the list of archive files, then each a chunk at a time.

(docs/LINK.md §2; the registry of every message is firmware/link/messages.py.)
"""

from firmware.link.codec import Malformed, archive_name, array, blob, uint
from firmware.link.message_base import ARCHIVES_MAX, CHUNK_MAX, Reply, Request, request_id

TYPE_CHECKING = False
if TYPE_CHECKING:
    from firmware.link.codec import CborValue


class ListArchives(Request):
    """LIST_ARCHIVES (10): the archive files the terminal holds."""

    TYPE = 10
    FIELDS = ("request_id",)
    __slots__ = ("request_id",)

    def __init__(self, request_id: int) -> None:
        self.request_id = request_id

    @classmethod
    def parse(cls, f: "list[CborValue]") -> "ListArchives":
        return cls(request_id(f[0]))


class ArchiveList(Reply):
    """ARCHIVES (11): ``(name, size in bytes)`` of each archive file, by name."""

    TYPE = 11
    FIELDS = ("request_id", "archives")
    __slots__ = ("archives", "request_id")

    def __init__(self, request_id: int, archives: "list[tuple[str, int]]") -> None:
        self.request_id = request_id
        self.archives = sorted(archives)

    def fields(self) -> "list[CborValue]":
        return [self.request_id, [[name, size] for name, size in self.archives]]

    @classmethod
    def parse(cls, f: "list[CborValue]") -> "ArchiveList":
        archives = []
        for item in array(f[1], "archives", ARCHIVES_MAX):
            pair = array(item, "archive", 2, 2)
            archives.append((archive_name(pair[0]), uint(pair[1], "size")))
        names = [name for name, _ in archives]
        if names != sorted(set(names)):
            raise Malformed("archives must be in name order, once each")
        return cls(request_id(f[0]), archives)


class ReadArchive(Request):
    """READ_ARCHIVE (12): up to ``size`` bytes of archive ``name`` from ``offset``."""

    TYPE = 12
    FIELDS = ("request_id", "name", "offset", "size")
    __slots__ = ("name", "offset", "request_id", "size")

    def __init__(self, request_id: int, name: str, offset: int, size: int) -> None:
        self.request_id = request_id
        self.name = name
        self.offset = offset
        self.size = size

    @classmethod
    def parse(cls, f: "list[CborValue]") -> "ReadArchive":
        return cls(
            request_id(f[0]), archive_name(f[1]), uint(f[2], "offset"), uint(f[3], "size", 1)
        )


class ArchiveChunk(Reply):
    """ARCHIVE_DATA (13): bytes of ``name`` from ``offset``; fewer than asked only at the end."""

    TYPE = 13
    FIELDS = ("request_id", "name", "offset", "data")
    __slots__ = ("data", "name", "offset", "request_id")

    def __init__(self, request_id: int, name: str, offset: int, data: bytes) -> None:
        self.request_id = request_id
        self.name = name
        self.offset = offset
        self.data = data

    @classmethod
    def parse(cls, f: "list[CborValue]") -> "ArchiveChunk":
        return cls(
            request_id(f[0]),
            archive_name(f[1]),
            uint(f[2], "offset"),
            blob(f[3], "data", 0, CHUNK_MAX),
        )
