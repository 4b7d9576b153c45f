"""The copy's segments are written and synced in threads, in order, and never overwritten."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tools.inspect import dump_sync
from tools.inspect.dump_sync import Syncer


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
    data = bytes(range(256)) * 200
    with ThreadPoolExecutor(max_workers=4) as pool:
        syncer = Syncer(out, pool, whole_system=False)
        for index in range(1, 40):
            syncer.write_whole(index, memoryview(data)[index : index + 33_000])
        syncer.append(40, data[:100])
        syncer.append(40, data[100:300])  # pieces of the last segment, in order
        syncer.finish()
    for index in range(1, 40):
        assert (out / "journal" / f"{index:08d}.log").read_bytes() == data[index : index + 33_000]
    assert (out / "journal" / "00000040.log").read_bytes() == data[:300]
    names = {Path(p).name for p in synced}
    assert names == {f"{i:08d}.log" for i in range(1, 41)} | {"journal", out.name}


@pytest.mark.parametrize("whole_system", [False, True], ids=["fsync", "sync"])
def test_a_whole_segment_never_overwrites_a_file_and_finish_says_so(
    tmp_path: Path, whole_system: bool
) -> None:
    out = copy_dir(tmp_path)
    (out / "journal" / "00000001.log").write_bytes(b"kept")
    with ThreadPoolExecutor(max_workers=2) as pool:
        syncer = Syncer(out, pool, whole_system=whole_system)
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
        syncer = Syncer(out, pool, whole_system=False)
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


def test_on_linux_one_sync_after_the_last_write_makes_the_copy_durable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = copy_dir(tmp_path)
    events: list[tuple[str, object]] = []  # ("sync", files present) and ("fsync", name)
    fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        events.append(("fsync", Path(os.readlink(f"/proc/self/fd/{fd}")).name))
        fsync(fd)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    monkeypatch.setattr(
        os, "sync", lambda: events.append(("sync", sorted(os.listdir(out / "journal"))))
    )
    monkeypatch.setattr(dump_sync, "FLUSH_BYTES", 100_000)
    data = bytes(range(256)) * 200
    with ThreadPoolExecutor(max_workers=4) as pool:
        syncer = Syncer(out, pool, whole_system=True)
        for index in range(1, 40):
            syncer.write_whole(index, memoryview(data)[index : index + 33_000])
        syncer.append(40, data[:300])
        syncer.filled(1, 39)
        syncer.finish()
    every = [f"{i:08d}.log" for i in range(1, 41)]
    syncs = [i for i, (kind, _) in enumerate(events) if kind == "sync"]
    assert len(syncs) > 1  # some while the segments were still coming
    last = syncs[-1]
    assert events[last] == ("sync", every)  # the last one after every write
    # Then every file and both directories fsync'd (nothing left to write: errors reported).
    assert [name for kind, name in events[last + 1 :]] == [*every, "journal", out.name]
    assert all(kind == "fsync" for kind, _ in events[last + 1 :])
    assert all(kind == "sync" for kind, _ in events[:last])  # none before: one sync covers them
    for index in range(1, 40):
        assert (out / "journal" / f"{index:08d}.log").read_bytes() == data[index : index + 33_000]
