"""Fixtures of the simulator tests: a fresh data directory and an in-process CLI runner."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from simulator.cli import main
from tests.simulator.helpers import Run

RunCli = Callable[..., Run]


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> RunCli:
    """Return a function running ``fiscal-sim`` with the given arguments in-process."""

    def run(*argv: str) -> Run:
        code = main(list(argv))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """Return a data directory path that does not exist yet."""
    return tmp_path / "sim"
