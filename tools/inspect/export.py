"""``fiscal-inspect export DIR --csv OUT``: the fiscal data as CSV files an inspector takes away.

The journal of a flash image or of a copy (``dumpdir.load_source``) is
verified first, then every record decoded is written, in journal order,
into the CSV files of docs/ARCHIVE.md (tickets, lines, payments, vat,
closures, invoices, duplicates, jet, archives, records) with the same
columns and conventions (UTF-8 without BOM, ``;``, CRLF, RFC 4180 quoting,
integer cents in ``_centimes`` columns, ISO 8601 dates), plus
``colonnes.csv`` (file;colonne;signification) and ``manifest.json``
(terminal, key, verdict of the verification, head statement, column
dictionary, size and SHA-256 of each file).

Same copy, same bytes: nothing depends on the clock or the host, so two
inspectors exporting one copy get identical files. The export never writes
into a non-empty directory. Exit: 0 intact, 1 exported but verify found
anomalies, 2 nothing exported (unreadable input, non-empty output).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections import Counter
from hashlib import sha256
from pathlib import Path
from typing import Any

from tools.inspect.columns import (
    COLUMNS,
    CONVENTIONS,
    DICTIONARY_COLUMNS,
    DICTIONARY_FILE,
    FILES,
    JET_MEANINGS,
    Columns,
    dictionary_rows,
)
from tools.inspect.dumpdir import load_source
from tools.inspect.export_rows import Row, Tables
from tools.inspect.head_summary import head_summary
from tools.inspect.image import ImageError
from tools.inspect.model import DOC_NAMES, PAYMENT_MEANS, doc_name
from tools.inspect.report import finding_line, fingerprint
from tools.inspect.tosign import b64url
from tools.inspect.verify import Report, verify

MANIFEST_FILE = "manifest.json"
EXPORT_FORMAT = "export fiscal-inspect"
EXPORT_VERSION = 1
EXIT_DONE, EXIT_FINDINGS, EXIT_FAILED = 0, 1, 2


class ExportError(Exception):
    """Nothing can be exported where asked; the message is for the inspector."""


def csv_bytes(columns: Columns, rows: list[Row]) -> bytes:
    """Return a CSV file: UTF-8, ``;`` separated, header row, RFC 4180 quoting, CRLF."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([column for column, _ in columns])
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def check_output(out: Path) -> None:
    """Raise ExportError unless ``out`` is absent or an empty directory."""
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out} existe et n'est pas un répertoire")
    if out.is_dir() and any(out.iterdir()):
        raise ExportError(
            f"{out} n'est pas vide : l'export n'écrase ni ne complète rien ; "
            "choisir un répertoire nouveau ou vide"
        )


def export(report: Report, out: Path) -> dict[str, Any]:
    """Write the CSV files, ``colonnes.csv`` and ``manifest.json`` into ``out``; return the last.

    Raises ExportError when ``out`` is not an empty or new directory.
    """
    check_output(out)
    out.mkdir(parents=True, exist_ok=True)
    tables = Tables(report.records)
    files: dict[str, dict[str, Any]] = {}
    for name, columns in COLUMNS.items():
        files[name] = _write(out / name, columns, tables.rows[name])
    files[DICTIONARY_FILE] = _write(out / DICTIONARY_FILE, DICTIONARY_COLUMNS, dictionary_rows())
    manifest = manifest_object(report, files)
    text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    (out / MANIFEST_FILE).write_text(text, encoding="utf-8", newline="\n")
    return manifest


def _write(path: Path, columns: Columns, rows: list[Row]) -> dict[str, Any]:
    data = csv_bytes(columns, rows)
    path.write_bytes(data)
    return {"lignes": len(rows), "octets": len(data), "sha256": sha256(data).hexdigest()}


def manifest_object(report: Report, files: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Return ``manifest.json``: what was exported, from what, and what verify found."""
    records = report.records
    key = report.identity.public_key
    return {
        "format": EXPORT_FORMAT,
        "version_format_export": EXPORT_VERSION,
        "source": {
            "chemin": report.contents.source,
            "nature": "copie par la liaison série" if report.contents.is_copy else "image flash",
        },
        "terminal": report.identity.terminal_id,
        "cle_publique": {
            "algorithme": "Ed25519",
            "base64url": b64url(key),
            "hex": key.hex(),
            "empreinte_sha256": fingerprint(key),
        },
        "verification": {
            "intact": report.intact,
            "anomalies": [finding_line(f) for f in report.findings],
            "avertissements": list(report.warnings),
        },
        "declaration_de_tete": head_summary(report),
        "enregistrements": {
            "nombre": len(records),
            "seq_premier": records[0].seq if records else None,
            "seq_dernier": records[-1].seq if records else None,
        },
        "nombre_par_type": dict(sorted(Counter(doc_name(r.doc_type) for r in records).items())),
        "conventions_csv": CONVENTIONS,
        "description_fichiers": {**FILES, DICTIONARY_FILE: "le dictionnaire des colonnes"},
        "colonnes": {name: dict(columns) for name, columns in COLUMNS.items()},
        "codes_jet": {str(code): text for code, text in sorted(JET_MEANINGS.items())},
        "moyens_de_paiement": {str(k): v for k, v in sorted(PAYMENT_MEANS.items())},
        "types_de_document": {str(k): v for k, v in sorted(DOC_NAMES.items())},
        "fichiers": files,
    }


def run_export(args: argparse.Namespace) -> int:
    """Run ``fiscal-inspect export``; return the exit code."""
    out: Path = args.csv
    try:
        check_output(out)
        contents = load_source(args.path, args.block_size)
        report = verify(contents, expected_key=args.public_key, workers=args.jobs)
        manifest = export(report, out)
    except ExportError as exc:
        print(f"fiscal-inspect : export impossible : {exc}", file=sys.stderr)
        return EXIT_FAILED
    except ImageError as exc:
        print(f"fiscal-inspect : image illisible : {exc}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:
        print(f"fiscal-inspect : export impossible : {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"Export de {report.contents.source} dans {out} :")
    for name, info in manifest["fichiers"].items():
        print(f"  {name} : {info['lignes']} ligne(s)")
    print(f"  {MANIFEST_FILE} : terminal, clé, vérification, empreintes des fichiers")
    if report.intact:
        print("Vérification : INTACT")
        return EXIT_DONE
    print(
        f"Vérification : ANOMALIES : {len(report.findings)} ; les données sont exportées "
        f"telles que lues (détail : fiscal-inspect verify {args.path}, et {MANIFEST_FILE})"
    )
    return EXIT_FINDINGS
