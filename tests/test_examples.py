"""Every example script runs headless and leaves a journal both verifiers call intact."""

from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path

import pytest

from firmware.demo import DEMO_CONFIG
from firmware.journal import Journal
from firmware.runner import recover
from fiscal_core import codes
from fiscal_core.ed25519 import Ed25519Signer
from fiscal_core.records import JetBody, Record
from hal.flash.file import FileFlash
from simulator.headless import run_headless
from tools.inspect.cli import main as inspect

EXAMPLES = Path(__file__).parent.parent / "examples"
# Scripts that close a month run on a month end (the firmware refuses otherwise).
WHEN = {
    "month-end.keys": datetime(2025, 11, 30, 9, 0),
    "clock-step.keys": datetime(2025, 11, 20, 9, 0),
}
# Scripts that continue a terminal: the script run before on the same directory, and when.
BEFORE = {"clock-step.keys": ("day.keys", datetime(2025, 10, 10, 9, 0))}
EXPECTED_TYPES = {
    "sale.keys": {codes.DOC_JET, codes.DOC_TICKET},
    "day.keys": {codes.DOC_JET, codes.DOC_TICKET, codes.DOC_GT_PERIOD},
    "business-day.keys": {
        codes.DOC_JET,
        codes.DOC_TICKET,
        codes.DOC_DUPLICATE,
        codes.DOC_INVOICE,
        codes.DOC_TRAINING,
        codes.DOC_NOTE,
        codes.DOC_GT_PERIOD,
        codes.DOC_ARCHIVE,
    },
    "month-end.keys": {
        codes.DOC_JET,
        codes.DOC_TICKET,
        codes.DOC_GT_PERIOD,
        codes.DOC_GT_MONTH,
        codes.DOC_ARCHIVE,
    },
    "clock-step.keys": {codes.DOC_JET, codes.DOC_TICKET, codes.DOC_GT_PERIOD, codes.DOC_GT_MONTH},
}


def test_every_example_is_covered() -> None:
    assert {p.name for p in EXAMPLES.glob("*.keys")} == set(EXPECTED_TYPES)


@pytest.mark.parametrize("name", sorted(EXPECTED_TYPES))
def test_example_runs_and_verifies(name: str, tmp_path: Path) -> None:
    data = tmp_path / "sim"
    out, err = io.StringIO(), io.StringIO()
    if name in BEFORE:
        before, when = BEFORE[name]
        code = run_headless(data, str(EXAMPLES / before), now=when, stdout=out, stderr=err)
        assert code == 0, err.getvalue()
    code = run_headless(data, str(EXAMPLES / name), now=WHEN.get(name), stdout=out, stderr=err)
    assert code == 0, err.getvalue()
    # An error shows its stable code (e.g. NOT_ALLOWED) on the display's second line.
    assert not re.search(r"\] \[[A-Z]+(_[A-Z]+)+ *\]", out.getvalue()), out.getvalue()
    signer = Ed25519Signer((data / "terminal.key").read_bytes())
    with FileFlash.open(data / "flash.img") as flash:
        journal = Journal.mount(flash)
        types = {Record.decode(raw).doc_type for raw in journal.records()}
        recover(journal, DEMO_CONFIG, signer)  # the terminal's own check, on every record
    assert types == EXPECTED_TYPES[name]
    assert inspect(["verify", str(data)]) == 0


def test_a_clock_step_at_start_up_is_confirmed_by_a_manager(tmp_path: Path) -> None:
    data = tmp_path / "sim"
    err = io.StringIO()
    for name, when in (BEFORE["clock-step.keys"], ("clock-step.keys", WHEN["clock-step.keys"])):
        code = run_headless(data, str(EXAMPLES / name), now=when, stdout=io.StringIO(), stderr=err)
        assert code == 0, err.getvalue()
    with FileFlash.open(data / "flash.img") as flash:
        records = [Record.decode(raw) for raw in Journal.mount(flash).records()]
    last_before = max(r.time_utc for r in records if r.time_utc < records[-1].time_utc - 86400)
    later = [r for r in records if r.time_utc > last_before]
    step, confirmed, started = (r.body for r in later[:3])
    assert isinstance(step, JetBody) and step.code == codes.JET_CLOCK_STEP
    assert "+3545864 s (depuis le dernier enregistrement)" in step.text
    assert isinstance(confirmed, JetBody) and confirmed.code == codes.JET_CLOCK_CONFIRMED
    assert later[1].operator_id == 1 and "Camille" in confirmed.text
    assert isinstance(started, JetBody) and started.code == codes.JET_START
    assert inspect(["verify", str(data)]) == 0
