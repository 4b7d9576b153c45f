"""fiscal-inspect verify --html: a printable, self-contained, inert HTML report."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from firmware.journal import Journal
from fiscal_core import codes
from fiscal_core.ed25519 import Ed25519Signer
from fiscal_core.identity import Identity
from hal.flash.file import FileFlash
from tests.inspect.attack import flip, rewrite_segment
from tests.inspect.journals import BAGUETTES, SEED, SMALL_GEOMETRY, Till, Written
from tests.inspect.test_inspect_cli import index_of, time_byte
from tools.inspect.cli import main
from tools.inspect.html_report import render_html
from tools.inspect.image import read_image
from tools.inspect.verify import verify

MakeDir = Callable[[bytes], Path]
FORBIDDEN_TAGS = {"script", "iframe", "object", "embed", "img", "link", "base", "form"}


class Page(HTMLParser):
    """The tags, attributes and visible text of an HTML document."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.texts: list[str] = []
        self.cells: list[str] = []
        self._in_cell = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend(attrs)
        if tag == "td":
            self._in_cell = True
            self.cells.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._in_cell = False

    def handle_data(self, data: str) -> None:
        self.texts.append(data)
        if self._in_cell:
            self.cells[-1] += data

    @property
    def text(self) -> str:
        return "".join(self.texts)


def report_page(directory: Path, tmp_path: Path, *options: str) -> tuple[int, str, Page]:
    out = tmp_path / "rapport.html"
    code = main(["verify", str(directory), "--html", str(out), *options])
    html = out.read_text(encoding="utf-8")
    return code, html, Page(html)


def assert_self_contained(html: str, page: Page) -> None:
    assert html.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in html
    assert not FORBIDDEN_TAGS & set(page.tags), page.tags
    assert not any(name.startswith("on") for name, _ in page.attributes)
    assert "http://" not in html and "https://" not in html and "url(" not in html
    assert "@media print" in html


def test_intact_journal_html(
    capsys: pytest.CaptureFixture[str], pristine: bytes, data_dir: MakeDir, tmp_path: Path
) -> None:
    code, html, page = report_page(data_dir(pristine), tmp_path)
    out = capsys.readouterr().out
    assert code == 0 and out.rstrip().endswith("INTACT")
    assert_self_contained(html, page)
    text = page.text
    assert "Verdict : INTACT" in text and "Aucune anomalie" in text
    assert "DEMO-0001" in page.cells
    assert any(cell.count(" ") == 7 and len(cell) == 39 for cell in page.cells)  # fingerprint
    assert "Contrôle effectué le" in text
    assert "TICKET" in page.cells and "GT_EXERCICE n°1" in page.cells and "conforme" in page.cells
    assert "Déclaration de tête : aucune" in text


def test_tampered_journal_html(
    capsys: pytest.CaptureFixture[str],
    pristine: bytes,
    written: Written,
    data_dir: MakeDir,
    tmp_path: Path,
) -> None:
    target = index_of(written, "TICKET", 2)

    def tamper(frames: list[bytes]) -> list[bytes]:
        frames[target] = flip(frames[target], time_byte(frames[target]), 0x01, True)
        return frames

    code, html, page = report_page(data_dir(rewrite_segment(pristine, tamper)), tmp_path)
    capsys.readouterr()
    assert code == 1
    assert_self_contained(html, page)
    assert "Verdict : ANOMALIES : 1" in page.text
    seq = written.records[target][0]
    row = page.cells[page.cells.index(str(seq)) : page.cells.index(str(seq)) + 5]
    assert row == [str(seq), "TICKET", "2", "", "signature invalide ; signature GT_TICKET invalide"]


def test_copy_html_shows_the_head_statement(
    capsys: pytest.CaptureFixture[str], business_copy: tuple[Path, Path], tmp_path: Path
) -> None:
    code, html, page = report_page(business_copy[1], tmp_path, "--json")
    capsys.readouterr()
    assert code == 0
    assert_self_contained(html, page)
    assert "signature valide, aléa de la copie" in page.text
    assert any(cell.startswith("copie ") for cell in page.cells)


SCRIPT = "<script>alert('fisc')</script>"


def test_journal_text_is_escaped(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, data_dir: MakeDir
) -> None:
    """A terminal id (identity and records) holding markup comes out as text, never as a tag."""
    image = tmp_path / "flash.img"
    signer = Ed25519Signer(SEED)
    identity = Identity(f'{SCRIPT}"&', signer.public_key).encode()
    with FileFlash.open(image, SMALL_GEOMETRY, create=True) as flash:
        till = Till(Journal.create(flash, identity), terminal_id=f"<b onclick=x>{SCRIPT}")
        till.open()
        till.sale(BAGUETTES)
        till.jet(codes.JET_LOGOUT, SCRIPT)
    assert not verify(read_image(image.read_bytes())).intact
    code, html, page = report_page(data_dir(image.read_bytes()), tmp_path)
    capsys.readouterr()
    assert code == 1
    assert_self_contained(html, page)
    assert "<script>" not in html and "<b onclick" not in html
    assert "&lt;script&gt;" in html
    assert f'{SCRIPT}"&' in page.cells  # the identity, as text
    assert f'terminal « <b onclick=x>{SCRIPT} » au lieu de « {SCRIPT}"& »' in page.text


def test_html_report_date_and_unwritable_file(
    capsys: pytest.CaptureFixture[str], pristine: bytes, data_dir: MakeDir, tmp_path: Path
) -> None:
    report = verify(read_image(pristine))
    html = render_html(report, datetime(2026, 3, 12, 9, 30, tzinfo=UTC))
    assert "Contrôle effectué le 12/03/2026 09:30:00 UTC" in Page(html).text
    missing = tmp_path / "absent" / "rapport.html"
    assert main(["verify", str(data_dir(pristine)), "--html", str(missing)]) == 2
    assert "rapport HTML non écrit" in capsys.readouterr().err
