"""Fixtures of the inspector's tests: real journals and a real copy, made once per session."""

from __future__ import annotations

import contextlib
import io
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from hal.serial.pty_link import PtyLink
from simulator.datadir import DataDir
from simulator.headless import run_headless
from simulator.session import Session
from tests.inspect.journals import Written, write_journal, write_vectors
from tools.inspect.cli import main

EXAMPLES = Path(__file__).parent.parent.parent / "examples"
NONCE = "5a" * 32


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


@pytest.fixture(scope="session")
def business_copy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Return (data directory, copy): the simulator's business day, dumped over a real pty.

    The simulated terminal (examples/business-day.keys: sales, return, invoice,
    duplicate, training, Z, archive) is booted again with a pty link and serves
    it from a thread, as between keys, while ``fiscal-inspect dump`` copies it.
    """
    base = tmp_path_factory.mktemp("business")
    data, copy = base / "sim", base / "copy"
    keys = str(EXAMPLES / "business-day.keys")
    assert run_headless(data, keys, stdout=io.StringIO(), stderr=io.StringIO()) == 0
    link = PtyLink()
    session = Session.start(DataDir(data), serial=link)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            session.poll()
            time.sleep(0.001)

    server = threading.Thread(target=serve)
    server.start()
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["dump", "-p", link.path, "-o", str(copy), "--nonce", NONCE]) == 0
    finally:
        stop.set()
        server.join(10)
        session.close()
        link.close()
    return data, copy
