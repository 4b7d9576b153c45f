"""The copy's journal is two files appended in order, synced while the link carries the rest."""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path

import pytest

from firmware.link.errors import LinkError
from tools.inspect import dump_sync
from tools.inspect.dump import load_dump
from tools.inspect.dump_sync import JournalFiles, SyncFailed, write_file
from tools.inspect.dumpdir import SYNC_FAILED_FILE, sync_failed

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


def eio(fd: int) -> None:
    raise OSError(errno.EIO, "Input/output error")


def test_a_failed_write_back_is_said_and_the_copy_marked_not_to_be_resumed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = copy_dir(tmp_path)
    monkeypatch.setattr(dump_sync, "FLUSH_BYTES", 1000)
    monkeypatch.setattr(dump_sync, "_datasync", eio)
    with JournalFiles(out) as files:
        files.write(DATA[:2000])  # a sync in the thread, which fails
        with pytest.raises(SyncFailed) as failed:
            files.finish()
    assert str(failed.value) == (
        "écriture sur disque échouée (journal/segments.bin : Input/output error) ; "
        "cette copie n'est pas sûre et ne se reprend pas"
    )
    assert isinstance(failed.value.__cause__, OSError) and failed.value.__cause__.errno == errno.EIO
    assert sync_failed(out)
    assert (
        (out / SYNC_FAILED_FILE)
        .read_text()
        .endswith("Refaire la copie dans un autre répertoire.\n")
    )


def test_a_sync_failing_while_another_error_ends_the_copy_is_said_over_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = copy_dir(tmp_path)
    released = threading.Event()  # the sync in the thread fails only once the link has

    def failing_later(fd: int) -> None:
        released.wait(60)  # a safety only: the test sets it, nothing is timed
        eio(fd)

    monkeypatch.setattr(dump_sync, "FLUSH_BYTES", 1000)
    monkeypatch.setattr(dump_sync, "_datasync", failing_later)
    cut = LinkError("DISCONNECTED", "câble débranché")
    with pytest.raises(SyncFailed) as failed, JournalFiles(out) as files:
        files.write(DATA[:2000])  # a sync handed to the thread
        files.write(DATA[:2000])  # it is not done: not looked at
        released.set()
        raise cut
    assert "(journal/segments.bin : Input/output error), alors que la copie s'arrêtait" in str(
        failed.value
    )
    assert str(cut) in str(failed.value)
    assert failed.value.__context__ is cut
    assert isinstance(failed.value.__cause__, OSError) and failed.value.__cause__.errno == errno.EIO
    assert sync_failed(out)


def test_both_files_are_closed_when_closing_one_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = copy_dir(tmp_path)
    real_close = os.close
    files = JournalFiles(out)
    index, data = files._index, files._data

    def close(fd: int) -> None:
        real_close(fd)
        if fd == index:
            raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "close", close)
    with pytest.raises(OSError, match="Input/output error"), files:
        files.write(b"frames")
    for fd in (index, data):
        with pytest.raises(OSError) as closed:
            os.fstat(fd)
        assert closed.value.errno == errno.EBADF


def test_a_file_is_written_synced_then_renamed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = copy_dir(tmp_path)
    seen: list[tuple[str, bytes, bool]] = []  # at each sync: file synced, its bytes, named yet?

    def recording(fd: int) -> None:
        path = Path(os.readlink(f"/proc/self/fd/{fd}"))
        seen.append((path.name, path.read_bytes(), (out / "head.bin").exists()))

    monkeypatch.setattr(dump_sync, "_datasync", recording)
    (out / "head.bin").write_bytes(b"before")
    write_file(out, out / "head.bin", b"statement")
    assert seen == [("head.bin.part", b"statement", True)]
    assert (out / "head.bin").read_bytes() == b"statement"
    assert not (out / "head.bin.part").exists()
    monkeypatch.setattr(dump_sync, "_datasync", eio)
    with pytest.raises(SyncFailed, match=r"\(head.nonce : Input/output error\)"):
        write_file(out, out / "head.nonce", b"nonce")
    assert not (out / "head.nonce").exists()  # never named: the copy's last step not reached
    assert sync_failed(out)


def test_a_copy_is_appended_to_never_overwritten(tmp_path: Path) -> None:
    out = copy_dir(tmp_path)
    (out / "journal" / "segments.bin").write_bytes(b"kept")
    with JournalFiles(out) as files:
        files.write(b" and more")
        files.finish()
    assert (out / "journal" / "segments.bin").read_bytes() == b"kept and more"
