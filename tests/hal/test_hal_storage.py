"""The RemovableStorage contract (hal/ports.py) on every backend: directory and fake."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from hal.ports import (
    STORAGE_ABSENT,
    STORAGE_BAD_NAME,
    STORAGE_FAILED,
    STORAGE_NOT_FOUND,
    RemovableStorage,
    StorageError,
)
from hal.storage.directory import DirectoryStorage
from hal.storage.fake import FakeStorage


class Rig:
    """A storage with a medium in, and a way to pull it out."""

    def __init__(self, storage: RemovableStorage, pull: Callable[[], None]) -> None:
        self.storage = storage
        self.pull = pull


def directory_rig(tmp_path: Path) -> Rig:
    stick = tmp_path / "usb"
    stick.mkdir()
    return Rig(DirectoryStorage(stick), lambda: stick.rename(tmp_path / "elsewhere"))


def fake_rig(tmp_path: Path) -> Rig:
    storage = FakeStorage()
    return Rig(storage, lambda: setattr(storage, "plugged", False))


@pytest.fixture(params=[directory_rig, fake_rig], ids=["directory", "fake"])
def rig(request: pytest.FixtureRequest, tmp_path: Path) -> Rig:
    return request.param(tmp_path)  # type: ignore[no-any-return]


def test_storage_is_a_removable_storage(rig: Rig) -> None:
    assert isinstance(rig.storage, RemovableStorage)
    assert rig.storage.present()


def test_a_written_file_reads_back_whole_and_is_listed(rig: Rig) -> None:
    rig.storage.write("b.zip", b"\x00" * 10_000)
    rig.storage.write("a.zip", b"first")
    rig.storage.write("a.zip", b"second")  # replaced whole
    assert rig.storage.names() == ["a.zip", "b.zip"]
    assert rig.storage.read("a.zip") == b"second"
    assert rig.storage.read("b.zip") == b"\x00" * 10_000


def test_a_missing_file_and_bad_names_are_refused(rig: Rig) -> None:
    with pytest.raises(StorageError) as missing:
        rig.storage.read("none.zip")
    assert missing.value.code == STORAGE_NOT_FOUND
    for name in ("", "../x", "a/b", ".hidden"):
        with pytest.raises(StorageError) as bad:
            rig.storage.write(name, b"x")
        assert bad.value.code == STORAGE_BAD_NAME
    assert rig.storage.names() == []


def test_a_pulled_medium_is_absent_for_every_operation(rig: Rig) -> None:
    rig.storage.write("a.zip", b"x")
    rig.pull()
    assert not rig.storage.present()
    for call in (
        rig.storage.names,
        lambda: rig.storage.read("a.zip"),
        lambda: rig.storage.write("a.zip", b"y"),
    ):
        with pytest.raises(StorageError) as absent:
            call()
        assert absent.value.code == STORAGE_ABSENT


def test_directory_write_leaves_the_old_file_when_it_fails(tmp_path: Path) -> None:
    stick = tmp_path / "usb"
    stick.mkdir()
    storage = DirectoryStorage(stick)
    storage.write("a.zip", b"old")
    (stick / ".a.zip.tmp").mkdir()  # the temporary file cannot be made: the write fails
    with pytest.raises(StorageError) as failed:
        storage.write("a.zip", b"new")
    assert failed.value.code == STORAGE_FAILED
    assert storage.read("a.zip") == b"old"
    assert storage.names() == ["a.zip"]  # the temporary name is never listed


def test_directory_with_require_mount_is_absent_on_a_plain_folder(tmp_path: Path) -> None:
    assert not DirectoryStorage(tmp_path, require_mount=True).present()
    assert DirectoryStorage("/", require_mount=True).present() == os.path.ismount("/")
