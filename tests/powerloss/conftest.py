"""Parametrizes ``cut`` with the sweep of tests/powerloss/sweep.py (ids: scenario-kK-model)."""

from __future__ import annotations

import pytest

from tests.powerloss.sweep import cuts


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "cut" in metafunc.fixturenames:
        chosen = cuts()
        metafunc.parametrize("cut", chosen, ids=[c.id for c in chosen])
