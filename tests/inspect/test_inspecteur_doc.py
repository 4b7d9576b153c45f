"""docs/inspecteur.md, the inspector's manual in French, names what the tool really does."""

from __future__ import annotations

import re
from pathlib import Path

from tools.inspect.columns import COLUMNS, JET_MEANINGS
from tools.inspect.head_summary import NO_HEAD
from tools.inspect.listing import HEADER

MANUAL = Path(__file__).parent.parent.parent / "docs" / "inspecteur.md"


def test_every_jet_code_is_explained() -> None:
    text = MANUAL.read_text(encoding="utf-8")
    table = text[text.index("## 11.") : text.index("## 12.")]
    codes = {int(code) for code in re.findall(r"^\| (\d+) \|", table, re.MULTILINE)}
    assert codes == set(JET_MEANINGS)


def test_every_command_file_and_output_is_the_tools() -> None:
    text = MANUAL.read_text(encoding="utf-8")
    for command in ("devs", "dump", "verify", "list", "export"):
        assert f"$ fiscal-inspect {command}" in text, command
    assert "--from" in text and "FISCAL_INSPECT_PORT" in text and "-b BAUD" in text
    for name in [*COLUMNS, "colonnes.csv", "manifest.json"]:
        assert f"`{name}`" in text, name
    assert NO_HEAD in text and HEADER in text
