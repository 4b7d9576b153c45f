"""The copy's journal is two files appended in order, synced while the link carries the rest."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from tools.inspect import dump_sync
from tools.inspect.dump import load_dump
from tools.inspect.dump_sync import JournalFiles

DATA = bytes(range(256)) * 200


def copy_dir(tmp_path: Path) -> Path:
    (tmp_path / "journal").mkdir()
    (tmp_path / "identity.cbor").write_bytes(b"\x84id")
    return tmp_path


def write_copy(files: JournalFiles) -> None:
    """Write 39 segments of 33,000 bytes and a last one of 300, in pieces, and finish."""
    for index in range(1, 40):
        files.write(DATA[index : index + 20_000])
        files.write(DATA[index + 20_000 : index + 33_000])
        if index > 1:
            files.close([33_000])  # the segment before is left
    files.write(DATA[:300])
    files.close([33_000])
    files.finish()


def test_the_segments_are_cut_back_by_the_index(tmp_path: Path) -> None:
    out = copy_dir(tmp_path)
    with JournalFiles(out) as files:
        write_copy(files)
    index = (out / "journal" / "segments.idx").read_bytes()
    assert index == (33_000).to_bytes(4, "big") * 39  # every segment but the last
    contents = load_dump(out)
    assert [s.name for s in contents.segments] == [f"{i:08d}.log" for i in range(1, 41)]
    assert [s.data for s in contents.segments[:39]] == [DATA[i : i + 33_000] for i in range(1, 40)]
    assert contents.segments[-1].data == DATA[:300]
    assert (contents.other_files, contents.log_problems) == ((), ())


def test_finish_syncs_both_files_and_the_directories(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = copy_dir(tmp_path)
    synced: list[str] = []

    def recording(real: object) -> object:
        def sync(fd: int) -> None:
            synced.append(Path(os.readlink(f"/proc/self/fd/{fd}")).name)
            real(fd)  # type: ignore[operator]

        return sync

    monkeypatch.setattr(dump_sync, "_datasync", recording(dump_sync._datasync))
    monkeypatch.setattr(os, "fsync", recording(os.fsync))
    with JournalFiles(out) as files:
        files.write(b"frames")
        assert synced == []  # nothing synced before FLUSH_BYTES, nor before finish
        files.finish()
    assert synced == ["segments.bin", "segments.idx", "journal", out.name]


def test_a_sync_runs_in_a_thread_every_flush_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = copy_dir(tmp_path)
    sizes: list[int] = []  # the size of segments.bin at each sync
    monkeypatch.setattr(dump_sync, "FLUSH_BYTES", 100_000)
    monkeypatch.setattr(dump_sync, "_datasync", lambda fd: sizes.append(os.fstat(fd).st_size))
    with JournalFiles(out) as files:
        write_copy(files)
    assert len(sizes) > 2 and sizes[0] >= 100_000  # while the segments were coming
    assert sizes[-2:] == [39 * 33_000 + 300, 39 * 4]  # then both files, once all was written


def test_a_failed_write_back_is_an_os_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = copy_dir(tmp_path)

    def failing(fd: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(dump_sync, "FLUSH_BYTES", 1000)
    monkeypatch.setattr(dump_sync, "_datasync", failing)
    with JournalFiles(out) as files:
        files.write(DATA[:2000])  # a sync in the thread, which fails
        with pytest.raises(OSError, match="Input/output error") as failed:
            files.finish()
    assert failed.value.errno == errno.EIO


def test_a_copy_is_appended_to_never_overwritten(tmp_path: Path) -> None:
    out = copy_dir(tmp_path)
    (out / "journal" / "segments.bin").write_bytes(b"kept")
    with JournalFiles(out) as files:
        files.write(b" and more")
        files.finish()
    assert (out / "journal" / "segments.bin").read_bytes() == b"kept and more"
