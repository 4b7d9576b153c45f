"""The verification report as a printable HTML page (``fiscal-inspect verify --html FILE``).

One self-contained file, in French: no JavaScript, no external resource (the
style sheet is inline, with print rules), so that it opens and prints the
same anywhere, offline. It holds the terminal's identity and key
fingerprint, what was read (copy or image, head statement), the records
per document type, periods and closures, archives, the verdict (INTACT or
ANOMALIES) and every finding in a table, and the date of the check.

Every text that comes from the journal (terminal id, labels, file names,
the findings that quote them) goes through ``html.escape``: a forged label
such as ``<script>`` is printed, never run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from html import escape
from typing import Any

from tools.inspect.archive_summary import FILE_TEXT, archive_lines, archives_summary
from tools.inspect.formats import euros
from tools.inspect.head_summary import head_lines, head_summary
from tools.inspect.model import doc_name
from tools.inspect.report import (
    counts_by_type,
    fingerprint,
    periods,
    perpetual_totals,
)
from tools.inspect.tosign import b64url
from tools.inspect.verify import Finding, Report

STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10.5pt; margin: 1.5em; }
h1 { font-size: 16pt; margin-bottom: 0.2em; }
h2 { font-size: 12.5pt; border-bottom: 1px solid #888; margin-top: 1.2em; }
table { border-collapse: collapse; width: 100%; margin: 0.4em 0; }
th, td { border: 1px solid #999; padding: 2px 6px; text-align: left; vertical-align: top; }
th { background: #eee; }
td.n { text-align: right; white-space: nowrap; }
.key { font-family: "DejaVu Sans Mono", monospace; word-break: break-all; }
.verdict { font-size: 15pt; font-weight: bold; padding: 0.4em; border: 3px solid; }
.intact { color: #064; border-color: #064; }
.anomalies { color: #900; border-color: #900; }
.note { color: #444; font-size: 9pt; }
@page { size: A4; margin: 15mm; }
@media print {
  body { margin: 0; }
  h2 { break-after: avoid; }
  tr { break-inside: avoid; }
  thead { display: table-header-group; }
}
"""


def render_html(report: Report, checked_at: datetime | None = None) -> str:
    """Return the report as a complete HTML document; ``checked_at`` defaults to now."""
    moment = (checked_at or datetime.now().astimezone()).strftime("%d/%m/%Y %H:%M:%S %Z")
    verdict = "INTACT" if report.intact else f"ANOMALIES : {len(report.findings)}"
    css = "intact" if report.intact else "anomalies"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="fr">',
        '<head><meta charset="utf-8">',
        f"<title>Contrôle du journal fiscal — {_e(report.identity.terminal_id)}</title>",
        f"<style>{STYLE}</style></head>",
        "<body>",
        "<h1>Rapport de contrôle du journal fiscal (NF525)</h1>",
        f'<p class="note">Contrôle effectué le {_e(moment)} par fiscal-inspect verify.</p>',
        f'<p class="verdict {css}">Verdict : {_e(verdict)}</p>',
        *_identity(report),
        *_read(report),
        *_counts(report),
        *_periods(report),
        *_archives(report),
        *_warnings(report),
        *_findings(report),
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _rows(pairs: Iterable[tuple[str, object]]) -> list[str]:
    """Return a two-column table (heading, value), every value escaped."""
    body = [f"<tr><th>{_e(name)}</th><td>{_e(value)}</td></tr>" for name, value in pairs]
    return ["<table>", *body, "</table>"]


def _table(
    headings: Sequence[str], rows: Iterable[Sequence[object]], numeric: int = 0
) -> list[str]:
    """Return a table; the first ``numeric`` columns are right-aligned numbers."""
    head = "".join(f"<th>{_e(h)}</th>" for h in headings)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="n">{_e(v)}</td>' if i < numeric else f"<td>{_e(v)}</td>"
            for i, v in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    return ["<table>", f"<thead><tr>{head}</tr></thead>", "<tbody>", *body, "</tbody>", "</table>"]


def _identity(report: Report) -> list[str]:
    key = report.identity.public_key
    return [
        "<h2>Terminal</h2>",
        "<table>",
        f"<tr><th>Identifiant</th><td>{_e(report.identity.terminal_id)}</td></tr>",
        f'<tr><th>Clé publique</th><td class="key">{_e(b64url(key))}</td></tr>',
        f'<tr><th>Empreinte (SHA-256)</th><td class="key">{_e(fingerprint(key))}</td></tr>',
        "</table>",
    ]


def _read(report: Report) -> list[str]:
    contents = report.contents
    if contents.is_copy:
        source = f"copie {contents.source} (faite par la liaison série, fiscal-inspect dump)"
    else:
        source = (
            f"image {contents.source} ({contents.block_count} blocs de "
            f"{contents.block_size} octets)"
        )
    pairs: list[tuple[str, object]] = [
        ("Source", source),
        ("Segments", len(contents.segments)),
        ("Trames", report.frames),
    ]
    first, last = report.summary.first, report.summary.last_moment()
    if first is not None and last is not None:
        pairs.append(("Premier enregistrement", f"n°{first['seq']} du {first['local']}"))
        pairs.append(("Dernier enregistrement", f"n°{last['seq']} du {last['local']}"))
    head = head_lines(head_summary(report))
    return ["<h2>Ce qui a été lu</h2>", *_rows(pairs), *_lines(head)]


def _lines(lines: Iterable[str]) -> list[str]:
    return ["<ul>", *(f"<li>{_e(line.strip())}</li>" for line in lines), "</ul>"]


def _counts(report: Report) -> list[str]:
    counts = sorted(counts_by_type(report).items())
    real, absolute = perpetual_totals(report)
    return [
        "<h2>Enregistrements par type de document</h2>",
        *_table(("Type", "Nombre"), ((name, n) for name, n in counts)),
        *_rows(
            [
                ("Grand total perpétuel réel (recalculé)", euros(real)),
                ("Grand total perpétuel absolu (recalculé)", euros(absolute)),
            ]
        ),
    ]


def _periods(report: Report) -> list[str]:
    summary = periods(report)
    pairs: list[tuple[str, object]] = [
        ("Ventes", summary["sales"]),
        ("Retours", summary["returns"]),
        ("Tickets de formation", summary["training"]),
        ("Périodes ouvertes (fonds de caisse)", summary["opened"]),
        *((f"Clôtures {name}", n) for name, n in summary["closures"].items()),
    ]
    last: dict[str, Any] | None = summary["last_closure"]
    if last is not None:
        pairs.append(
            (
                "Dernière clôture",
                f"{last['doc_type']} n°{last['number']} « {last['period']} » du {last['local']}, "
                f"total réel {euros(last['total_real'] or 0)}, grand total perpétuel réel "
                f"{euros(last['gt_real'] or 0)}, absolu {euros(last['gt_absolute'] or 0)}",
            )
        )
    if summary["open_since"] is not None:
        pairs.append(("Période en cours, non clôturée", summary["open_since"]["local"]))
    return ["<h2>Périodes et clôtures</h2>", *_rows(pairs)]


def _archives(report: Report) -> list[str]:
    summary = archives_summary(report)
    heading, *_ = archive_lines(summary)
    rows = [
        (
            r["number"],
            r["seq"],
            f"{r['closure']['doc_type']} n°{r['closure']['number']}",
            f"n°{r['from_seq']} à n°{r['to_seq']}",
            euros(r["total_real"]),
            r["file"],
            FILE_TEXT.get(r["file_status"], r["file_status"]),
        )
        for r in summary["records"]
    ]
    parts = ["<h2>Archives</h2>", f"<p>{_e(heading)}</p>"]
    if rows:
        titles = ("ARCHIVE n°", "Enr.", "Clôture", "Plage", "Total réel", "Fichier", "État")
        parts += _table(titles, rows, numeric=2)
    due = summary["year_not_archived"]
    if due is not None:
        parts.append(
            f"<p>Exercice clos non archivé : « {_e(due['period'])} » "
            f"(GT_EXERCICE n°{_e(due['number'])}, enregistrement n°{_e(due['seq'])})</p>"
        )
    return parts


def _warnings(report: Report) -> list[str]:
    if not report.warnings:
        return []
    return [f"<h2>Avertissements : {len(report.warnings)}</h2>", *_lines(report.warnings)]


def _findings(report: Report) -> list[str]:
    if report.intact:
        return ["<h2>Constats</h2>", "<p>Aucune anomalie : le journal est INTACT.</p>"]
    rows = [_finding_row(f) for f in report.findings]
    titles = ("Enr. n°", "Type", "Numéro", "Emplacement", "Ce qui ne va pas")
    return [f"<h2>Anomalies : {len(report.findings)}</h2>", *_table(titles, rows, numeric=1)]


def _finding_row(finding: Finding) -> tuple[object, ...]:
    """Return (seq, type, number, where, problems) of one finding, '' where unknown."""
    seq = "" if finding.seq is None else finding.seq
    doc_type = "" if finding.doc_type is None else doc_name(finding.doc_type)
    number = "" if finding.number is None else finding.number
    if finding.place is not None:
        where = finding.place
    elif finding.seq is None and finding.offset is None:
        where = f"segment {finding.segment}" if finding.segment else "journal"
    elif not finding.readable:
        where = f"illisible : segment {finding.segment}, octet {finding.offset}"
    else:
        where = ""
    return seq, doc_type, number, where, finding.problem
