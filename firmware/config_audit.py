"""What changed between two configurations, as JET lines with before and after values.

NF525 asks that every change of a parameter or of management data keep
the previous value, the new one, the operator, the time and a reason
(5.4.2.1, 5.4.2.3, 6.6.2-6.6.3). A configuration reaches the terminal as a
whole (the technician's tools write it); at start-up the terminal compares
it with the one last acknowledged and, once a manager gives the reason on
the keypad, journals one JET line per changed field:

- 410 (company data): the merchant's identity and address;
- 130 (users): operators, their names, roles and PINs (a PIN is never
  written, only that it changed);
- 400 (configuration): everything else (catalogue, departments, VAT rates,
  customers, paper width, time zone, fiscal year, terminal id).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from firmware.config import TerminalConfig
from fiscal_core import codes
from fiscal_core.rules import MAX_TEXT_CHARS

CONFIG_REASONS = {
    1: "C1 demande du commercant",
    2: "C2 correction d'erreur",
    3: "C3 changement de tarif",
    4: "C4 autre motif",
}

_SECTION_CODES = {"merchant": codes.JET_COMPANY_CHANGE, "operators": codes.JET_USER_CHANGE}


def changes(before: TerminalConfig, after: TerminalConfig) -> list[tuple[int, str]]:
    """Return (JET code, text) for every field that differs, in a stable order."""
    old, new = _flatten(asdict(before)), _flatten(asdict(after))
    out = []
    for key in sorted(old.keys() | new.keys()):
        if old.get(key) == new.get(key):
            continue
        section = key.split(".", 1)[0].split("[", 1)[0]
        code = _SECTION_CODES.get(section, codes.JET_CONFIG_CHANGE)
        if key.endswith(".pin"):
            text = f"{key}: modifie"
        else:
            text = f"{key}: {_show(old.get(key))} -> {_show(new.get(key))}"
        out.append((code, _fit(text)))
    return out


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Return leaf values by path: ``merchant.name``, ``items[plu=2].price``."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(_flatten(item, f"{prefix}.{key}" if prefix else key))
        return out
    if isinstance(value, list | tuple) and value and all(isinstance(v, dict) for v in value):
        out = {}
        for item in value:
            ident = next(iter(item))  # plu / number / id: the first field names the entry
            out.update(_flatten(item, f"{prefix}[{ident}={item[ident]}]"))
        return out
    return {prefix: value}


def _show(value: Any) -> str:
    return "(absent)" if value is None else json.dumps(value, ensure_ascii=False)


def _fit(text: str) -> str:
    """Cut a change to the JET's text limit, saying that it was cut."""
    return text if len(text) <= MAX_TEXT_CHARS else text[: MAX_TEXT_CHARS - 3] + "..."
