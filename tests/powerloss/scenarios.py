"""The scenarios cut at every flash operation: what the cashier does, on which chip.

Each scenario is data: the steps after the boot (key scripts, or LOG_IN),
the chip, how the base image is made (blank, so provisioning itself is
cut; or provisioned and prefilled off the record), whether the paper runs
out. docs/POWERLOSS.md lists them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from firmware.config import Item, TerminalConfig
from firmware.demo import DEMO_CONFIG
from firmware.journal import FRAME_OVERHEAD, SEGMENT_BYTES, Journal
from firmware.keys import parse_key_script
from hal.ports import FlashGeometry

if TYPE_CHECKING:
    from firmware.runner import Terminal

# The demo terminal, plus an item with a long label: big tickets of few lines
# fill the journal with few records, so that each boot checks few of them.
LONG_LABEL = ("Article de demonstration au libelle tres long " * 5)[:190]
CONFIG = replace(DEMO_CONFIG, items=(*DEMO_CONFIG.items, Item(99, LONG_LABEL, 100, 2000)))
SIGNER_SEED = bytes(range(1, 33))

# The inspector reads 16-byte pages and 4 KiB blocks (docs/SPEC.md section 1):
# the real chip's geometry, with fewer blocks so that images stay small.
SMALL_CHIP = FlashGeometry(read_size=1, prog_size=1, block_size=4096, block_count=64)
LARGER_CHIP = FlashGeometry(read_size=1, prog_size=1, block_size=4096, block_count=96)

# A step that logs operator 1 in, and opens the period (cash float) if asked.
LOG_IN = "@log-in"
# A step that moves the clock: "@advance SECONDS".
ADVANCE = "@advance"
LOGIN_KEYS = "1 ENTER 1234 ENTER"
FLOAT_KEYS = "15000 ENTER"  # 150,00 in the drawer
SALE = "2 X 2 PLU 1 PLU 695 DEPT3 2000 CASH"  # 13,85 over three VAT rates, 20,00 tendered
DAY_CLOSURE = "2 FUNC"  # Z: closes the period
MONTH_CLOSURE = "3 FUNC"  # once the month is over
NEXT_MONTH = f"{ADVANCE} {31 * 86400 + 3600}"  # 2026-02-01T01:00Z
ARCHIVE_MONTH = "CLEAR 17 FUNC 2 ENTER"  # the closed month's archive file, then its record
# A new configuration found at start-up (a price, the merchant's name): a
# manager logs in and gives the reason; JET 400 field by field, then 401.
NEW_CONFIG = replace(
    CONFIG,
    merchant=replace(CONFIG.merchant, name="Boulangerie de la Gare"),
    items=(replace(CONFIG.items[0], price=CONFIG.items[0].price + 10), *CONFIG.items[1:]),
)
MANAGER_LOGIN = "1 ENTER 1234 ENTER"
CONFIG_REASON = "3 ENTER"  # C3 changement de tarif
# The sale rung up on the restarted terminal, to check numbering and totals go on.
NEXT_SALE = "10 PLU CASH"  # 5,50, exact cash
NEXT_SALE_TOTAL = 550

# Scenario "segment": the journal is prefilled to SEGMENT_MARGIN bytes short of
# a segment boundary; the recorded sales carry it past the boundary, through
# more than one 4 KiB littlefs block of the segment file before it, and the
# new segment past littlefs's inline size (256 bytes) into a block of its own.
SEGMENT_MARGIN = 5000
BIG_SALE = "99 PLU " * 6 + "CARD"  # about 1.3 KiB: six long lines of 1,00, by card
SMALL_SALE = "3 PLU 2 PLU CARD"  # 4,19 in two lines, by card
SEGMENT_STEPS = (LOG_IN,) + (BIG_SALE,) * 5 + (SMALL_SALE,) * 3


@dataclass(frozen=True)
class Scenario:
    """One scenario; ``every`` > 1 makes the default sweep partial (1: every k)."""

    name: str
    steps: tuple[str, ...]
    geometry: FlashGeometry = SMALL_CHIP
    records_provisioning: bool = False
    prefill: Callable[[Terminal], None] | None = None
    paper_runs_out: bool = False  # the printer answers ready, then the paper ends mid-job
    every: int = 1
    # The configuration the terminal starts with (not hashed: it holds dicts).
    config: TerminalConfig = field(default=CONFIG, compare=False)


def press(terminal: Terminal, script: str) -> None:
    """Press the keys of ``script``, or log in for LOG_IN."""
    if script == LOG_IN:
        log_in(terminal)
        return
    if script.startswith(ADVANCE):
        terminal.board.clock.advance(int(script.split()[1]))  # type: ignore[attr-defined]
        return
    for key in parse_key_script(script):
        terminal.press(key)


def log_in(terminal: Terminal) -> None:
    """Log operator 1 in; give a pending configuration's reason and the cash float if asked."""
    press(terminal, LOGIN_KEYS)
    if screen_of(terminal)[0].startswith("MOTIF CONFIG"):
        press(terminal, CONFIG_REASON)
    if any("FOND DE CAISSE" in line for line in screen_of(terminal)):
        press(terminal, FLOAT_KEYS)


def screen_of(terminal: Terminal) -> tuple[str, str]:
    screen: tuple[str, str] = terminal.board.display.text  # type: ignore[attr-defined]
    return screen


def boot_once(terminal: Terminal) -> None:
    """Nothing more than the start-up: it journals the configuration in force (JET 401)."""


def ring_next_sale(terminal: Terminal) -> None:
    """Log in and ring NEXT_SALE as a cashier would after a restart.

    The terminal may first ask for the cash float (the period was closed),
    or refuse to open February's first period before January is closed: the
    cashier then closes the month, and enters the float.
    """
    log_in(terminal)
    if screen_of(terminal)[1] == "MONTH_CLOSE_REQUIRED":
        press(terminal, f"CLEAR {MONTH_CLOSURE} CLEAR {FLOAT_KEYS}")
    press(terminal, NEXT_SALE)


def journal_bytes(terminal: Terminal) -> int:
    """Return the bytes the journal's frames take, all segments together."""
    records = Journal.mount(terminal.board.flash).records()
    return sum(len(r) + FRAME_OVERHEAD for r in records)


def fill_to_segment_margin(terminal: Terminal) -> None:
    """Log in and sell until the journal is SEGMENT_MARGIN bytes short of its first segment end."""
    log_in(terminal)
    while journal_bytes(terminal) < SEGMENT_BYTES - SEGMENT_MARGIN:
        press(terminal, BIG_SALE)


SCENARIOS = (
    # (a) a blank chip is provisioned, the terminal boots, logs in, sells, paid cash.
    Scenario("sale", (LOG_IN, SALE), records_provisioning=True),
    # (b) the same sale, and the paper runs out while its receipt prints.
    Scenario("paperout", (LOG_IN, SALE), paper_runs_out=True),
    # (d) a sale, the daily closure, a month later the monthly closure and its archive.
    Scenario(
        "closures",
        (LOG_IN, SALE, DAY_CLOSURE, NEXT_MONTH, "CLEAR", MONTH_CLOSURE, ARCHIVE_MONTH),
    ),
    # (e) a configuration change found at start-up, journaled with a manager's reason, a sale.
    Scenario(
        "config",
        (MANAGER_LOGIN, CONFIG_REASON, FLOAT_KEYS, SALE),
        prefill=boot_once,
        config=NEW_CONFIG,
    ),
    # (c) the journal crosses littlefs blocks and a journal segment boundary.
    Scenario(
        "segment",
        SEGMENT_STEPS,
        geometry=LARGER_CHIP,
        prefill=fill_to_segment_margin,
        every=7,
    ),
)
SCENARIO_BY_NAME = {s.name: s for s in SCENARIOS}
