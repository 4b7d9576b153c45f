"""Fixtures of the inspector's tests: one real journal, written once, copied per test."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.inspect.journals import Written, write_journal, write_vectors


@pytest.fixture(scope="session")
def journal(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, Written]:
    """Return the image bytes of two days of trading and what was written in them."""
    image = tmp_path_factory.mktemp("terminal") / "flash.img"
    written = write_journal(image)
    return image.read_bytes(), written


@pytest.fixture(scope="session")
def vectors_image(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """Return the image bytes of the vectors' scenario (tests/vectors/make_vectors.py)."""
    image = tmp_path_factory.mktemp("vectors") / "flash.img"
    write_vectors(image)
    return image.read_bytes()


@pytest.fixture
def pristine(journal: tuple[bytes, Written]) -> bytes:
    return journal[0]


@pytest.fixture
def written(journal: tuple[bytes, Written]) -> Written:
    return journal[1]


@pytest.fixture
def data_dir(tmp_path: Path) -> Callable[[bytes], Path]:
    """Return a function writing image bytes as ``DIR/flash.img`` and returning DIR."""

    def make(image: bytes) -> Path:
        directory = tmp_path / "data"
        directory.mkdir(exist_ok=True)
        (directory / "flash.img").write_bytes(image)
        return directory

    return make
