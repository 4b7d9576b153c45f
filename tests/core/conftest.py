"""Shared fixtures of the fiscal core tests: a fixed key and a ledger with an open period."""

import pytest

from fiscal_core import codes
from fiscal_core.ed25519 import Ed25519Signer
from fiscal_core.ledger import Ledger, Sealed
from fiscal_core.records import Line, Payment

TEST_SEED = bytes(range(1, 33))
T0 = 1764064800  # 2025-11-25 10:00:00 UTC, 11:00 in Paris
LINES = [Line("P2", "Baguette", 2, 120, 550), Line("D3", "Bazar", 1, 695, 2000)]


@pytest.fixture
def signer() -> Ed25519Signer:
    return Ed25519Signer(TEST_SEED)


@pytest.fixture
def fresh(signer: Ed25519Signer) -> Ledger:
    """A ledger with nothing recorded (no period open)."""
    return Ledger("TEST-0001", signer)


@pytest.fixture
def ledger(fresh: Ledger) -> Ledger:
    """A ledger whose first period is open (cash float of 150,00 is record #1)."""
    fresh.accept(fresh.open_period(time_utc=T0, utc_offset=60, operator_id=1, cash_float=15000))
    return fresh


def sale(ledger: Ledger, t: int = T0, paid: int = 1000, means: int = codes.PAY_CASH) -> Sealed:
    return ledger.seal_ticket(
        time_utc=t, utc_offset=60, operator_id=1, lines=LINES, payments=[Payment(means, paid)]
    )


def jet(ledger: Ledger, code: int = codes.JET_START, t: int = T0) -> Sealed:
    return ledger.seal_jet(time_utc=t, utc_offset=60, operator_id=0, code=code, text="a, b\\c")


def keep(ledger: Ledger, sealed: Sealed) -> Sealed:
    ledger.accept(sealed)
    return sealed
