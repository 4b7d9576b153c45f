"""``fiscal-inspect``: the tax inspector's tool (exit 0 intact, 1 findings, 2 unusable input).

Subcommands (argparse sub-parsers, one function each):

- ``verify PATH`` checks a copy made by ``dump``, or a flash image (a file,
  or a simulator data directory holding ``flash.img``), and prints a report
  in French, or JSON with ``--json``; ``--html FILE`` also writes a
  printable HTML report (``tools/inspect/html_report.py``).
- ``dump -p PORT -o DIR`` copies a terminal's fiscal memory over its serial
  link; ``devs`` lists the serial ports (``tools/inspect/dump.py``).
- ``export PATH --csv OUT`` writes the fiscal data as CSV files
  (``tools/inspect/export.py``); ``list PATH`` shows one line per record
  (``tools/inspect/listing.py``).
"""

from __future__ import annotations

import argparse
import binascii
import json
import sys
from base64 import urlsafe_b64decode
from pathlib import Path

from tools.inspect.dump_cli import add_commands as add_dump_commands
from tools.inspect.dumpdir import load_source
from tools.inspect.export import run_export
from tools.inspect.html_report import render_html
from tools.inspect.image import DEFAULT_BLOCK_SIZE, ImageError
from tools.inspect.listing import date_arg, doc_type_arg, run_list
from tools.inspect.model import PUBLIC_KEY_BYTES
from tools.inspect.report import render_json, render_text
from tools.inspect.verify import verify

EXIT_INTACT = 0
EXIT_FINDINGS = 1
EXIT_UNUSABLE = 2


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``argv`` (default: sys.argv[1:]); return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_usage(sys.stderr)
        return EXIT_UNUSABLE
    code: int = args.run(args)
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fiscal-inspect",
        description="Outil de contrôle du journal fiscal (NF525) d'un terminal.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMANDE")
    check = commands.add_parser(
        "verify",
        help="vérifier l'intégrité d'une copie ou d'une image de la mémoire fiscale",
        description="Vérifie chaque enregistrement : trames, encodage, numérotation, "
        "signatures, grands totaux, périodes et clôtures recalculées, archives et, pour "
        "une copie, la déclaration de tête. "
        "Code de sortie : 0 intact, 1 anomalies, 2 image illisible.",
    )
    _source_arguments(check)
    check.add_argument("--json", action="store_true", help="rapport en JSON")
    check.add_argument(
        "--html",
        type=Path,
        metavar="FICHIER",
        help="écrire aussi le rapport en HTML imprimable (un seul fichier, sans script)",
    )
    check.set_defaults(run=_verify)
    add_dump_commands(commands)
    export = commands.add_parser(
        "export",
        help="exporter les données fiscales en fichiers CSV",
        description="Vérifie puis exporte tickets, lignes, paiements, TVA, clôtures, factures, "
        "duplicata, JET, archives et enregistrements en CSV (UTF-8, ;, montants en centimes), "
        "avec le dictionnaire des colonnes (colonnes.csv) et manifest.json. "
        "Code de sortie : 0 intact, 1 exporté mais anomalies, 2 rien d'exporté.",
    )
    _source_arguments(export)
    export.add_argument(
        "--csv", type=Path, required=True, metavar="RÉP", help="répertoire de l'export (vide)"
    )
    export.set_defaults(run=run_export)
    browse = commands.add_parser(
        "list",
        help="lister les enregistrements (numéro, type, date, opérateur, résumé)",
        description="Une ligne par enregistrement : seq, type, numéro, date et heure locales, "
        "opérateur, résumé. Sans vérification (voir verify). "
        "Code de sortie : 0 liste faite, 2 image illisible.",
    )
    _source_arguments(browse, verifying=False)
    browse.add_argument(
        "--type",
        dest="types",
        action="append",
        type=doc_type_arg,
        metavar="TYPE",
        help="type de document (TICKET, JET… ou son numéro) ; répétable",
    )
    browse.add_argument("--from", dest="from_seq", type=_positive, metavar="N", help="dès le n°N")
    browse.add_argument("--to", dest="to_seq", type=_positive, metavar="N", help="jusqu'au n°N")
    browse.add_argument(
        "--date", type=date_arg, metavar="AAAA-MM-JJ", help="date locale des enregistrements"
    )
    browse.add_argument("--json", action="store_true", help="liste en JSON")
    browse.set_defaults(run=run_list)
    return parser


def _source_arguments(parser: argparse.ArgumentParser, verifying: bool = True) -> None:
    """Add what names the journal to read: CHEMIN, --block-size (and --public-key, --jobs)."""
    parser.add_argument(
        "path",
        type=Path,
        metavar="CHEMIN",
        help="copie faite par dump, image flash, ou répertoire de données contenant flash.img",
    )
    parser.add_argument(
        "--block-size",
        type=_positive,
        default=DEFAULT_BLOCK_SIZE,
        metavar="N",
        help=f"taille d'un bloc de la flash en octets (défaut {DEFAULT_BLOCK_SIZE})",
    )
    if not verifying:
        return
    parser.add_argument(
        "--public-key",
        type=_public_key,
        metavar="CLÉ",
        help="clé publique attendue du terminal (base64url ou hexadécimal), "
        "connue par ailleurs que par l'image",
    )
    parser.add_argument(
        "--jobs", type=_positive, metavar="N", help="processus de vérification (un par cœur)"
    )


def _verify(args: argparse.Namespace) -> int:
    try:
        contents = load_source(args.path, args.block_size)
        report = verify(
            contents, expected_key=args.public_key, workers=args.jobs, keep_records=False
        )
    except ImageError as exc:
        print(f"fiscal-inspect : image illisible : {exc}", file=sys.stderr)
        if args.json:
            print(json.dumps({"intact": False, "error": str(exc)}, ensure_ascii=False))
        return EXIT_UNUSABLE
    if args.html is not None:
        try:
            args.html.write_text(render_html(report), encoding="utf-8")
        except OSError as exc:
            print(f"fiscal-inspect : rapport HTML non écrit : {exc}", file=sys.stderr)
            return EXIT_UNUSABLE
    print(render_json(report) if args.json else render_text(report))
    return EXIT_INTACT if report.intact else EXIT_FINDINGS


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"entier attendu : {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"entier positif attendu : {text!r}")
    return value


def _public_key(text: str) -> bytes:
    try:
        if len(text) == 2 * PUBLIC_KEY_BYTES:
            key = bytes.fromhex(text)
        else:
            key = urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, binascii.Error):
        raise argparse.ArgumentTypeError("clé publique illisible") from None
    if len(key) != PUBLIC_KEY_BYTES:
        raise argparse.ArgumentTypeError(f"une clé publique fait {PUBLIC_KEY_BYTES} octets")
    return key
