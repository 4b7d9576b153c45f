"""Import rules that keep the layers honest (docs/DESIGN.md, "Layers").

- fiscal_core is sans-I/O and microcontroller-friendly: no OS, clock, serial
  or hardware imports, no upper layer, and none of dataclasses, enum, abc or
  typing at run time (typing only under TYPE_CHECKING); no ``match``.
- Only the runner (firmware/runner.py and the parts it owns that reach the
  board: health.py, backups.py, printing.py) imports both hal and
  fiscal_core; the state machine imports no hal.
- hal imports neither fiscal_core nor firmware.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent

CORE_FORBIDDEN = {
    "os",
    "time",
    "socket",
    "serial",
    "threading",
    "subprocess",
    "io",
    "pathlib",
    "hal",
    "firmware",
    "simulator",
    "tools",
    "dataclasses",
    "enum",
    "abc",
    "typing",
}


def runtime_imports(path: Path) -> set[str]:
    """Top-level module names imported outside ``if TYPE_CHECKING:`` blocks."""
    tree = ast.parse(path.read_text())
    names: set[str] = set()

    def visit(node: ast.AST) -> None:
        is_type_check = isinstance(node, ast.If) and isinstance(node.test, ast.Name)
        if is_type_check and node.test.id == "TYPE_CHECKING":  # type: ignore[attr-defined]
            for child in node.orelse:  # type: ignore[attr-defined]
                visit(child)
            return
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return names


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", modules("fiscal_core"), ids=lambda p: p.name)
def test_fiscal_core_is_sans_io_and_compact(path: Path) -> None:
    imported = runtime_imports(path) - {"__future__"}
    assert not imported & CORE_FORBIDDEN, f"{path.name} imports {imported & CORE_FORBIDDEN}"
    assert not any(isinstance(n, ast.Match) for n in ast.walk(ast.parse(path.read_text())))


@pytest.mark.parametrize("path", modules("firmware"), ids=lambda p: p.name)
def test_only_the_runner_drives_both_hal_and_core(path: Path) -> None:
    imported = runtime_imports(path)
    if path.name not in ("runner.py", "health.py", "backups.py", "printing.py"):
        assert not {"hal", "fiscal_core"} <= imported, f"{path.name} imports hal and fiscal_core"


def test_state_machine_does_no_io() -> None:
    for name in ("machine.py", "messages.py", "keys.py", "text.py"):
        imported = runtime_imports(ROOT / "firmware" / name)
        assert not imported & {"hal", "os", "time", "littlefs", "escpos", "serial"}, name


@pytest.mark.parametrize("path", modules("hal"), ids=lambda p: str(p.relative_to(ROOT)))
def test_hal_does_not_call_upstream(path: Path) -> None:
    assert not runtime_imports(path) & {"fiscal_core", "firmware", "simulator", "tools"}
