"""Shared fixtures of the fiscal core tests: a fixed key and a ledger."""

import pytest

from fiscal_core.ed25519 import Ed25519Signer
from fiscal_core.ledger import Ledger

TEST_SEED = bytes(range(1, 33))
T0 = 1764064800  # 2025-11-25 10:00:00 UTC


@pytest.fixture
def signer() -> Ed25519Signer:
    return Ed25519Signer(TEST_SEED)


@pytest.fixture
def ledger(signer: Ed25519Signer) -> Ledger:
    return Ledger("TEST-0001", signer)
