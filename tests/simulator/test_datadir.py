"""The data directory: first start, the image and key kept together, config.json checked first."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from firmware.demo import DEMO_CONFIG
from simulator.datadir import DataDir, DataDirError
from tests.simulator.helpers import digest


def listing(path: Path) -> dict[str, str]:
    return {p.name: digest(p) for p in sorted(path.iterdir()) if p.is_file()}


def test_first_start_makes_a_private_key_and_a_provisioned_image(data_dir: Path) -> None:
    opened = DataDir(data_dir).open()
    opened.close()
    assert opened.created
    key = data_dir / "terminal.key"
    assert len(key.read_bytes()) == 32
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert (data_dir / "flash.img").stat().st_size == 4 * 1024 * 1024
    assert sorted(p.name for p in data_dir.iterdir()) == [
        "counter.bin",
        "flash.img",
        "terminal.key",
    ]
    assert opened.config == DEMO_CONFIG


def test_next_start_reuses_the_key_and_image(data_dir: Path) -> None:
    DataDir(data_dir).open().close()
    before = listing(data_dir)
    opened = DataDir(data_dir).open()
    opened.close()
    assert not opened.created
    assert listing(data_dir) == before
    assert opened.signer.seed == (data_dir / "terminal.key").read_bytes()


def test_image_without_key_is_refused_and_no_key_is_made(data_dir: Path) -> None:
    DataDir(data_dir).open().close()
    (data_dir / "terminal.key").unlink()
    before = listing(data_dir)
    with pytest.raises(DataDirError) as caught:
        DataDir(data_dir).open()
    assert caught.value.code == "KEY_MISSING"
    assert "terminal.key" in caught.value.message
    assert listing(data_dir) == before


def test_key_without_image_is_refused_and_no_image_is_made(data_dir: Path) -> None:
    DataDir(data_dir).open().close()
    (data_dir / "flash.img").unlink()
    before = listing(data_dir)
    with pytest.raises(DataDirError) as caught:
        DataDir(data_dir).open()
    assert caught.value.code == "FLASH_MISSING"
    assert listing(data_dir) == before


def test_key_of_the_wrong_size_is_refused(data_dir: Path) -> None:
    DataDir(data_dir).open().close()
    (data_dir / "terminal.key").write_bytes(b"short")
    with pytest.raises(DataDirError) as caught:
        DataDir(data_dir).open()
    assert caught.value.code == "BAD_KEY"


def test_bad_config_names_the_field_and_changes_nothing(data_dir: Path) -> None:
    data_dir.mkdir()
    config = json.loads(DEMO_CONFIG.to_json())
    config["merchant"]["siret"] = "123"
    (data_dir / "config.json").write_text(json.dumps(config))
    with pytest.raises(DataDirError) as caught:
        DataDir(data_dir).open()
    assert caught.value.code == "BAD_CONFIG"
    assert "merchant.siret" in caught.value.message
    assert "config.json" in caught.value.message
    assert [p.name for p in data_dir.iterdir()] == ["config.json"]


def test_config_json_replaces_the_demo(data_dir: Path) -> None:
    data_dir.mkdir()
    config = json.loads(DEMO_CONFIG.to_json())
    config["terminal_id"] = "SHOP-0042"
    (data_dir / "config.json").write_text(json.dumps(config))
    opened = DataDir(data_dir).open()
    opened.close()
    assert opened.config.terminal_id == "SHOP-0042"


def test_a_second_simulator_on_the_same_image_is_refused(data_dir: Path) -> None:
    first = DataDir(data_dir).open()
    try:
        with pytest.raises(DataDirError) as caught:
            DataDir(data_dir).open()
        assert caught.value.code == "IN_USE"
    finally:
        first.close()
    DataDir(data_dir).open().close()


def test_leftovers_of_an_interrupted_first_start_are_replaced(data_dir: Path) -> None:
    data_dir.mkdir()
    (data_dir / "terminal.key.new").write_bytes(b"x" * 32)
    (data_dir / "flash.img.new").write_bytes(b"half an image")
    opened = DataDir(data_dir).open()
    opened.close()
    assert opened.created
    assert sorted(p.name for p in data_dir.iterdir()) == [
        "counter.bin",
        "flash.img",
        "terminal.key",
    ]


def test_a_data_dir_that_cannot_be_made_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(DataDirError) as caught:
        DataDir(blocker / "sim").open()
    assert caught.value.code == "CANNOT_CREATE"
