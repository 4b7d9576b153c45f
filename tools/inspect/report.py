"""The verification report for the inspector: French text, or JSON for machines.

The text starts with a summary (terminal, key, what the journal holds per
document type, tickets, periods and closures, the last closure, archives and
their files, dates and perpetual totals), then the warnings if any, and ends
with either ``INTACT`` or one line per finding, e.g.
``enregistrement n°12 (TICKET n°5) : signature invalide``.
"""

from __future__ import annotations

import json
from collections import Counter
from hashlib import sha256
from typing import Any

from tools.inspect.archive_summary import archive_lines, archives_summary
from tools.inspect.formats import euros, local_text
from tools.inspect.head_summary import head_lines, head_summary
from tools.inspect.model import (
    CLOSURE_TYPES,
    DOC_GT_PERIOD,
    DOC_TICKET,
    DOC_TRAINING,
    JET_CASH_FLOAT,
    ClosureBody,
    JetBody,
    Record,
    TicketBody,
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


def counts_by_type(records: tuple[Record, ...]) -> dict[str, int]:
    """Return the number of records per document type name."""
    return dict(Counter(doc_name(r.doc_type) for r in records))


def perpetual_totals(report: Report) -> tuple[int, int]:
    """Return the perpetual grand totals (real, absolute) recomputed from every TICKET read."""
    tickets = [body for _, body in _tickets(report)]
    return sum(b.total for b in tickets), sum(b.absolute_total for b in tickets)


def _tickets(report: Report) -> list[tuple[Record, TicketBody]]:
    """Return the TICKET records (never FORMATION) with their bodies."""
    return [
        (r, r.body)
        for r in report.records
        if r.doc_type == DOC_TICKET and isinstance(r.body, TicketBody)
    ]


def _last_ticket(report: Report) -> TicketBody | None:
    last = max(_tickets(report), key=lambda pair: pair[0].number, default=None)
    return last[1] if last is not None else None


def periods(report: Report) -> dict[str, Any]:
    """Return periods and closures: floats, closures per kind, last closure, open period."""
    records = report.records
    floats = [r for r in records if isinstance(r.body, JetBody) and r.body.code == JET_CASH_FLOAT]
    closures = [r for r in records if r.doc_type in CLOSURE_TYPES]
    last = closures[-1] if closures else None
    days = [r for r in closures if r.doc_type == DOC_GT_PERIOD]
    still_open = bool(floats) and (not days or floats[-1].seq > days[-1].seq)
    tickets = _tickets(report)
    returns = sum(1 for _, body in tickets if body.is_return)
    return {
        "sales": len(tickets) - returns,
        "returns": returns,
        "training": sum(1 for r in records if r.doc_type == DOC_TRAINING),
        "opened": len(floats),
        "closures": {
            doc_name(k): sum(1 for r in closures if r.doc_type == k) for k in CLOSURE_TYPES
        },
        "last_closure": _closure(last) if last is not None else None,
        "open_since": _moment(floats[-1]) if still_open else None,
    }


def _closure(record: Record) -> dict[str, Any]:
    body = record.body
    closure = body if isinstance(body, ClosureBody) else None
    return {
        "doc_type": doc_name(record.doc_type),
        "number": record.number,
        **_moment(record),
        "period": closure.label if closure else None,
        "total_real": closure.total_real if closure else None,
        "gt_real": closure.gt_real if closure else None,
        "gt_absolute": closure.gt_absolute if closure else None,
    }


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
    counts = counts_by_type(report.records)
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
    if report.records:
        first, last = report.records[0], report.records[-1]
        lines.append(f"Premier : n°{first.seq} du {local_time(first)}")
        lines.append(f"Dernier : n°{last.seq} du {local_time(last)}")
    lines.append(f"Grand total perpétuel réel (recalculé) : {euros(real)}")
    lines.append(f"Grand total perpétuel absolu (recalculé) : {euros(absolute)}")
    stored = _last_ticket(report)
    if stored is not None and (stored.gt_real, stored.gt_absolute) != (real, absolute):
        lines.append(
            f"Grands totaux inscrits au dernier ticket : réel {euros(stored.gt_real)}, "
            f"absolu {euros(stored.gt_absolute)}"
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
    records = report.records
    return {
        "intact": report.intact,
        "source": report.contents.source,
        "terminal_id": report.identity.terminal_id,
        "public_key": b64url(report.identity.public_key),
        "fingerprint": fingerprint(report.identity.public_key),
        "segments": len(report.contents.segments),
        "frames": report.frames,
        "counts": counts_by_type(records),
        "first": _moment(records[0]) if records else None,
        "last": _moment(records[-1]) if records else None,
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


def _moment(record: Record) -> dict[str, Any]:
    return {"seq": record.seq, "time_utc": record.time_utc, "local": local_time(record)}
