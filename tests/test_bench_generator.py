"""The benchmarks' journal generator: valid for the terminal's own checks, and deterministic."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import generator
from fiscal_core import codes
from fiscal_core.documents import ArchiveBody
from fiscal_core.records import Record
from fiscal_core.verifier import Verifier


def test_a_generated_journal_crosses_a_year_end_and_passes_every_check() -> None:
    workload = generator.Workload(seed=7, sales_per_day=3)
    verifier = Verifier(workload.signer.public_key, generator.TERMINAL_ID)
    types: set[int] = set()
    archives: list[str] = []
    for raw in workload.records(2_600):  # about 370 days of 7 records: past 2025-12-31
        record = Record.decode(raw)
        verifier.check(record)
        types.add(record.doc_type)
        if isinstance(record.body, ArchiveBody):
            archives.append(record.body.file_name)
    assert archives == [f"{generator.TERMINAL_ID}-FY2025-01.zip"]  # the closed year's label
    assert verifier.state.seq == 2_600
    expected = {codes.DOC_JET, codes.DOC_TICKET, codes.DOC_GT_PERIOD, codes.DOC_GT_MONTH}
    assert types == expected | {codes.DOC_GT_YEAR, codes.DOC_ARCHIVE}


def test_the_same_seed_gives_the_same_bytes_and_another_seed_does_not() -> None:
    first = list(generator.Workload(seed=1, sales_per_day=5).records(40))
    assert first == list(generator.Workload(seed=1, sales_per_day=5).records(40))
    assert first != list(generator.Workload(seed=2, sales_per_day=5).records(40))


def test_the_cache_file_holds_the_records_framed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(generator, "CACHE_DIR", tmp_path)
    path = generator.cached_frames(30, seed=3, sales_per_day=4)
    expected = list(generator.Workload(seed=3, sales_per_day=4).records(30))
    assert list(generator.read_frames(path)) == expected
    assert generator.cached_frames(30, seed=3, sales_per_day=4) == path  # built once
