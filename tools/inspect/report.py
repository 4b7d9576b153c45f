"""The verification report for the inspector: French text, or JSON for machines.

The text starts with a summary (terminal, key, what the journal holds per
document type, tickets, periods and closures, the last closure, archives and
their files, dates and perpetual totals), then the warnings if any, and ends
with either ``INTACT`` or one line per finding, e.g.
``enregistrement n°12 (TICKET n°5) : signature invalide``.
"""

from __future__ import annotations

import json
from hashlib import sha256
from typing import Any

from tools.inspect.archive_summary import archive_lines, archives_summary
from tools.inspect.formats import euros, local_text
from tools.inspect.head_summary import head_lines, head_summary
from tools.inspect.model import (
    Record,
    doc_name,
)
from tools.inspect.tosign import b64url
from tools.inspect.verify import Finding, Report


def fingerprint(public_key: bytes) -> str:
    """Return the key's fingerprint: the first 16 bytes of its SHA-256, in groups of 4 hex."""
    digest = sha256(public_key).hexdigest()[:32]
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


def local_time(record: Record) -> str:
    """Return local date, time and offset of a record: ``12/03/2026 09:30:00 UTC+01:00``."""
    return local_text(record.time_utc, record.utc_offset)


def counts_by_type(report: Report) -> dict[str, int]:
    """Return the number of records per document type name."""
    return dict(report.summary.counts)


def perpetual_totals(report: Report) -> tuple[int, int]:
    """Return the perpetual grand totals (real, absolute) recomputed from every TICKET read."""
    return report.summary.real, report.summary.absolute


def periods(report: Report) -> dict[str, Any]:
    """Return periods and closures: floats, closures per kind, last closure, open period."""
    return report.summary.periods()


def _period_lines(summary: dict[str, Any]) -> list[str]:
    closures = ", ".join(f"{name} {n}" for name, n in summary["closures"].items())
    lines = [
        f"Tickets : {summary['sales']} ventes, {summary['returns']} retours ; "
        f"formation : {summary['training']}",
        f"Périodes ouvertes (fonds de caisse) : {summary['opened']} ; clôtures : {closures}",
    ]
    last = summary["last_closure"]
    if last is not None:
        lines.append(
            f"Dernière clôture : {last['doc_type']} n°{last['number']} « {last['period']} » "
            f"du {last['local']}, total réel {euros(last['total_real'] or 0)}, "
            f"grand total perpétuel réel {euros(last['gt_real'] or 0)}, "
            f"absolu {euros(last['gt_absolute'] or 0)}"
        )
    if summary["open_since"] is not None:
        lines.append(
            f"Période en cours, non clôturée : ouverte le {summary['open_since']['local']}"
        )
    return lines


def finding_line(finding: Finding) -> str:
    """Return one finding as a line of French text.

    The place in the segment is given when the record could not be decoded.
    """
    if finding.place is not None:
        return f"{finding.place} : {finding.problem}"
    if finding.seq is None and finding.offset is None:
        where = f"segment {finding.segment}" if finding.segment else "journal"
        return f"{where} : {finding.problem}"
    where = "enregistrement" + (f" n°{finding.seq}" if finding.seq is not None else " illisible")
    if finding.doc_type is not None:
        number = "?" if finding.number is None else finding.number
        where += f" ({doc_name(finding.doc_type)} n°{number})"
    line = f"{where} : {finding.problem}"
    if not finding.readable:
        line += f" (segment {finding.segment}, octet {finding.offset})"
    return line


def render_text(report: Report) -> str:
    """Return the human report: summary, then INTACT or the findings."""
    identity = report.identity
    contents = report.contents
    counts = counts_by_type(report)
    real, absolute = perpetual_totals(report)
    if contents.is_copy:
        source = f"Copie : {contents.source} (faite par la liaison série, fiscal-inspect dump)"
    else:
        source = (
            f"Image : {contents.source} ({contents.block_count} blocs de "
            f"{contents.block_size} octets)"
        )
    lines = [
        source,
        f"Terminal : {identity.terminal_id}",
        f"Clé publique : {b64url(identity.public_key)}",
        f"Empreinte (SHA-256) : {fingerprint(identity.public_key)}",
        f"Segments : {len(contents.segments)}, trames : {report.frames}",
        "Enregistrements : "
        + (", ".join(f"{name} {n}" for name, n in sorted(counts.items())) or "aucun"),
        *_period_lines(periods(report)),
        *archive_lines(archives_summary(report)),
        *head_lines(head_summary(report)),
    ]
    first, last = report.summary.first, report.summary.last_moment()
    if first is not None and last is not None:
        lines.append(f"Premier : n°{first['seq']} du {first['local']}")
        lines.append(f"Dernier : n°{last['seq']} du {last['local']}")
    lines.append(f"Grand total perpétuel réel (recalculé) : {euros(real)}")
    lines.append(f"Grand total perpétuel absolu (recalculé) : {euros(absolute)}")
    stored = report.summary.last_ticket
    if stored is not None and stored[1:] != (real, absolute):
        lines.append(
            f"Grands totaux inscrits au dernier ticket : réel {euros(stored[1])}, "
            f"absolu {euros(stored[2])}"
        )
    lines.append("")
    if report.warnings:
        lines.append(f"AVERTISSEMENTS : {len(report.warnings)}")
        lines.extend(report.warnings)
        lines.append("")
    if report.intact:
        lines.append("INTACT")
    else:
        lines.append(f"ANOMALIES : {len(report.findings)}")
        lines.extend(finding_line(f) for f in report.findings)
    return "\n".join(lines)


def report_object(report: Report) -> dict[str, Any]:
    """Return the report as a JSON-ready object (see the CLI's ``--json``)."""
    real, absolute = perpetual_totals(report)
    summary = report.summary
    return {
        "intact": report.intact,
        "source": report.contents.source,
        "terminal_id": report.identity.terminal_id,
        "public_key": b64url(report.identity.public_key),
        "fingerprint": fingerprint(report.identity.public_key),
        "segments": len(report.contents.segments),
        "frames": report.frames,
        "counts": counts_by_type(report),
        "first": summary.first,
        "last": summary.last_moment(),
        "totals": {"real": real, "absolute": absolute},
        "periods": periods(report),
        "archives": archives_summary(report),
        "copy": report.contents.is_copy,
        "head": head_summary(report),
        "warnings": list(report.warnings),
        "findings": [
            {
                "seq": f.seq,
                "doc_type": doc_name(f.doc_type) if f.doc_type is not None else None,
                "number": f.number,
                "segment": f.segment,
                "offset": f.offset,
                "problem": f.problem,
                "problems": list(f.problems),
                "place": f.place,
            }
            for f in report.findings
        ],
    }


def render_json(report: Report) -> str:
    """Return the report as JSON text."""
    return json.dumps(report_object(report), ensure_ascii=False, indent=2)
