"""The copy's segments are written and synced in threads, in order, and never overwritten."""

from __future__ import annotations

import ctypes
import errno
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tools.inspect import dump_sync
from tools.inspect.dump_sync import Syncer

DATA = bytes(range(256)) * 200


def write_copy(syncer: Syncer) -> None:
    """Hand ``syncer`` 39 whole segments, then the last one in two pieces, and finish."""
    for index in range(1, 40):
        syncer.write_whole(index, memoryview(DATA)[index : index + 33_000])
    syncer.append(40, DATA[:100])
    syncer.append(40, DATA[100:300])  # pieces of the last segment, in order
    syncer.filled(1, 39)
    syncer.finish()


def copy_dir(tmp_path: Path) -> Path:
    (tmp_path / "journal").mkdir()
    return tmp_path


def test_whole_segments_and_appended_pieces_are_all_on_disk_after_finish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = copy_dir(tmp_path)
    synced: list[str] = []
    fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        fsync(fd)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    with ThreadPoolExecutor(max_workers=4) as pool:
        write_copy(Syncer(out, pool, one_sync=False))
    for index in range(1, 40):
        assert (out / "journal" / f"{index:08d}.log").read_bytes() == DATA[index : index + 33_000]
    assert (out / "journal" / "00000040.log").read_bytes() == DATA[:300]
    names = {Path(p).name for p in synced}
    assert names == {f"{i:08d}.log" for i in range(1, 41)} | {"journal", out.name}


@pytest.mark.parametrize("one_sync", [False, True], ids=["fsync", "sync"])
def test_a_whole_segment_never_overwrites_a_file_and_finish_says_so(
    tmp_path: Path, one_sync: bool
) -> None:
    out = copy_dir(tmp_path)
    (out / "journal" / "00000001.log").write_bytes(b"kept")
    with ThreadPoolExecutor(max_workers=2) as pool:
        syncer = Syncer(out, pool, one_sync=one_sync)
        with pytest.raises(FileExistsError):  # when handed over, or from its thread by finish
            syncer.write_whole(1, b"new bytes")
            syncer.finish()
    assert (out / "journal" / "00000001.log").read_bytes() == b"kept"


def test_whole_segments_waiting_for_a_thread_are_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = copy_dir(tmp_path)
    monkeypatch.setattr(dump_sync, "PENDING_MAX", 2)
    go = threading.Event()
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(go.wait)  # the only thread is busy until ``go``
        syncer = Syncer(out, pool, one_sync=False)
        syncer.write_whole(1, b"a")
        syncer.write_whole(2, b"b")
        third = threading.Thread(target=syncer.write_whole, args=(3, b"c"))
        third.start()
        third.join(0.2)
        assert third.is_alive()  # no room: it waits for a segment to be written
        go.set()
        third.join(10)
        assert not third.is_alive()
        syncer.finish()
    assert sorted(os.listdir(out / "journal")) == [f"{i:08d}.log" for i in (1, 2, 3)]


def test_on_linux_one_syncfs_after_the_last_write_makes_the_copy_durable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = copy_dir(tmp_path)
    fsyncs: list[int] = []
    synced_with: list[list[str]] = []  # the files present at each syncfs
    monkeypatch.setattr(os, "fsync", fsyncs.append)
    syncfs = dump_sync.syncfs

    def recording_syncfs(path: str) -> None:
        assert Path(path) == out / "journal"  # the copy's filesystem, not every one
        synced_with.append(sorted(os.listdir(out / "journal")))
        syncfs(path)  # the real call: it runs on this machine's filesystem

    monkeypatch.setattr(dump_sync, "syncfs", recording_syncfs)
    monkeypatch.setattr(dump_sync, "FLUSH_BYTES", 100_000)
    with ThreadPoolExecutor(max_workers=4) as pool:
        write_copy(Syncer(out, pool, one_sync=True))
    every = [f"{i:08d}.log" for i in range(1, 41)]
    assert fsyncs == [] and synced_with[-1] == every  # the last one after every write
    assert len(synced_with) > 1  # and some while the segments were still coming
    for index in range(1, 40):
        assert (out / "journal" / f"{index:08d}.log").read_bytes() == DATA[index : index + 33_000]


def test_a_failed_syncfs_is_an_os_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class FailingLibc:
        @staticmethod
        def syncfs(fd: int) -> int:
            ctypes.set_errno(errno.EIO)
            return -1

    monkeypatch.setattr(dump_sync, "_libc", FailingLibc)
    with pytest.raises(OSError, match="Input/output error") as failed:
        dump_sync.syncfs(str(tmp_path))
    assert failed.value.errno == errno.EIO
