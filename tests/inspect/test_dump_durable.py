"""fiscal-inspect dump says done only once every file of the copy is on disk, and a failed sync
is never lost nor resumed: against a LinkService in memory, syncs faked at ``dump_sync``'s seam."""

from __future__ import annotations

import errno
import io
import os
import threading
from collections.abc import Callable
from pathlib import Path

import cbor2
import pytest

from firmware.link.errors import LinkError
from tests.link.doubles import Harness, MemorySource
from tools.inspect import dump_sync
from tools.inspect.dump import dump
from tools.inspect.dump_journal import DumpError, read_stored
from tools.inspect.dump_sync import SyncFailed
from tools.inspect.dumpdir import SYNC_FAILED_FILE, load_copy, sync_failed
from tools.inspect.link_client import READ_SLICE_S, LinkClient

NONCE = bytes(range(16))
RECORDS = [b"\x8a\x01\x01" + cbor2.dumps(seq) + bytes(3000) for seq in range(1, 201)]  # 19 segments


class Line:
    """A pyserial-like port whose other end is a LinkService in memory; ``unplug`` pulls it out.

    A fake clock advances by a read slice whenever nothing has arrived, so
    nothing waits in real time.
    """

    def __init__(self, harness: Harness) -> None:
        self.harness = harness
        self.now = 0.0
        self.unplug: Callable[[], bool] = lambda: False  # asked before each read

    @property
    def in_waiting(self) -> int:
        self.harness.poll(2)
        return 0

    def read(self, size: int = 1) -> bytes:
        if self.unplug():
            raise OSError(errno.EIO, "cable pulled")
        data = self.harness.wire()
        if not data:
            self.now += READ_SLICE_S
        return data

    def write(self, data: bytes) -> int:
        self.harness.inject(data)
        return len(data)

    def close(self) -> None:
        pass


def terminal() -> tuple[LinkClient, Line]:
    line = Line(Harness(MemorySource(list(RECORDS))))
    return LinkClient(line, timeout_s=0.5, clock=lambda: line.now), line


def relative(out: Path, fd: int) -> str:
    path = Path(os.readlink(f"/proc/self/fd/{fd}"))
    return str(path.relative_to(out)) if path.is_relative_to(out) else "PARENT"


def test_every_file_and_directory_of_the_copy_is_synced_before_dump_returns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "copy"
    synced: list[str] = []

    def recording(real: Callable[[int], None]) -> Callable[[int], None]:
        def sync(fd: int) -> None:
            synced.append(relative(out, fd))
            real(fd)

        return sync

    monkeypatch.setattr(dump_sync, "_datasync", recording(dump_sync._datasync))
    monkeypatch.setattr(os, "fsync", recording(os.fsync))
    client, _ = terminal()
    outcome = dump(client, out, None, NONCE, io.StringIO())
    assert (outcome.last, outcome.archives) == (200, ["2025-10.zip", "empty.zip"])
    files = [
        "identity.cbor.part",
        "journal/segments.bin",
        "journal/segments.idx",
        "head.bin.part",
        "head.nonce.part",
        "archives/2025-10.zip.part",
        "archives/empty.zip.part",
        "dump.json.part",
    ]
    assert set(synced) == {*files, "journal", "archives", ".", "PARENT"}
    assert synced[-2:] == [".", "PARENT"]  # the copy's names, once all its files are written
    assert synced.index("archives") > synced.index("archives/empty.zip.part")
    assert synced.index("journal") > synced.index("journal/segments.idx")
    assert not list(out.rglob("*.part")) and not sync_failed(out)
    copy = load_copy(out)
    assert copy.head.statement == b"HEAD" + (200).to_bytes(4, "big") + NONCE
    assert [a.name for a in copy.archives] == ["2025-10.zip", "empty.zip"]


def test_a_sync_failing_while_the_cable_is_pulled_is_said_and_the_copy_never_resumed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "copy"
    journal = out / "journal" / "segments.bin"
    real = dump_sync._datasync
    in_flight = threading.Event()  # the thread's sync fails only once the cable is out

    def failing_in_the_thread(fd: int) -> None:
        if relative(out, fd) != "journal/segments.bin":
            return real(fd)
        in_flight.wait(60)  # a safety only: the cable sets it, nothing is timed
        raise OSError(errno.EIO, "Input/output error")

    def pull_once_some_is_written() -> bool:
        if journal.exists() and journal.stat().st_size:  # a sync was handed to the thread
            in_flight.set()
            return True
        return False

    monkeypatch.setattr(dump_sync, "FLUSH_BYTES", 1000)
    monkeypatch.setattr(dump_sync, "_datasync", failing_in_the_thread)
    client, line = terminal()
    line.unplug = pull_once_some_is_written
    with pytest.raises(SyncFailed) as failed:
        dump(client, out, None, NONCE, io.StringIO())
    cut = failed.value.__context__
    assert isinstance(cut, LinkError) and cut.code == "DISCONNECTED"
    assert str(failed.value).startswith(
        "écriture sur disque échouée (journal/segments.bin : Input/output error), "
        f"alors que la copie s'arrêtait : {cut}"
    )
    assert "refaire" in (out / SYNC_FAILED_FILE).read_text().lower()
    monkeypatch.setattr(dump_sync, "_datasync", real)  # the disk answers again
    held = journal.read_bytes()
    resume = read_stored(out).count + 1
    for from_seq in (resume, None):
        client, _ = terminal()
        with pytest.raises(DumpError, match="ne se reprend pas ; refaire la copie dans un autre"):
            dump(client, out, from_seq, NONCE, io.StringIO())
    assert journal.read_bytes() == held  # refused before anything was written
    said = load_copy(out).log_problems  # and verify says it: such a copy proves nothing
    assert any(SYNC_FAILED_FILE in problem and "refaire" in problem for problem in said)
