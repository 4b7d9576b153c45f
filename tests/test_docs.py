"""The docs name real things: every test and module COMPLIANCE.md points to exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parent.parent
ALIASES = {"t/": "tests/", "fc/": "fiscal_core/", "fw/": "firmware/"}


def expand(path: str) -> Path:
    for short, full in ALIASES.items():
        if path.startswith(short):
            return ROOT / (full + path[len(short) :])
    return ROOT / path


def test_compliance_references_exist() -> None:
    text = (ROOT / "docs" / "COMPLIANCE.md").read_text(encoding="utf-8")
    refs = re.findall(r"`((?:t|fc|fw|tools|simulator|firmware|tests)/[\w/.-]+)(?:::(\w+))?`", text)
    assert len(refs) > 40
    last_file: Path | None = None
    for path, name in refs:
        target = expand(path)
        assert target.exists(), f"COMPLIANCE.md names a missing path: {path}"
        if target.is_file():
            last_file = target
        if name:
            assert last_file is not None
            assert re.search(rf"(def|class) {name}\b", target.read_text()), (
                f"{path}::{name} missing"
            )


def test_bare_test_names_follow_their_file() -> None:
    """``, `test_x`` after ``t/file.py::test_y`` in one cell refers to the same file."""
    text = (ROOT / "docs" / "COMPLIANCE.md").read_text(encoding="utf-8")
    for row in text.splitlines():
        files = re.findall(r"`(t/[\w/]+\.py)::\w+`", row)
        for name in re.findall(r", `(test_\w+)`", row):
            assert any(re.search(rf"def {name}\b", expand(f).read_text()) for f in files), (
                f"{name} not found in {files}"
            )


def test_spec_lists_every_vector_as_it_is() -> None:
    """docs/SPEC.md shows each test vector's data to sign; they must not drift apart."""
    import json

    spec = (ROOT / "docs" / "SPEC.md").read_text(encoding="utf-8")
    vectors = sorted((ROOT / "tests" / "vectors").glob("*.json"))
    assert vectors
    for path in vectors:
        data_to_sign = json.loads(path.read_text())["data_to_sign"]
        assert f"| `{path.stem}` |" in spec and f"`{data_to_sign}`" in spec, path.name
