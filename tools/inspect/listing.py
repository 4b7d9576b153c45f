"""``fiscal-inspect list``: browse the records of a copy or image, one line each.

Each line gives the journal ``seq``, the document type, its number in its
chain, the local date and time, the operator, the signature extract printed
on paper documents (characters 3, 7, 13 and 19) and a short summary
(``summaries``). Filters: ``--type`` (name or number, repeatable), ``--from``
and ``--to`` (seq), ``--date`` (local date). ``--json`` writes the same as
JSON. Listing reads and decodes the frames but checks nothing: a frame that
cannot be read is listed as such, and ``fiscal-inspect verify`` says what is
wrong. Exit: 0 listed (even nothing), 2 unreadable input.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from typing import Any

from tools.inspect.decode import DecodeError, decode_identity, decode_record, read_header
from tools.inspect.dumpdir import load_source
from tools.inspect.export_rows import signature_extract
from tools.inspect.formats import iso_local, iso_utc, local_date
from tools.inspect.frames import BadFrame, split_frames
from tools.inspect.image import FlashContents, ImageError
from tools.inspect.model import DOC_NAMES, Record, doc_name
from tools.inspect.summaries import details, summary
from tools.inspect.tosign import b64url

EXIT_DONE, EXIT_FAILED = 0, 2
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A frame or record that cannot be decoded: where it is, why, its seq if still readable."""

    seq: int | None
    segment: str
    offset: int
    problem: str


def doc_type_arg(text: str) -> int:
    """Return the doc_type named by ``text`` (``TICKET``, ``ticket`` or ``1``) for argparse."""
    by_name = {name: code for code, name in DOC_NAMES.items()}
    if text.isdigit():
        return int(text)
    if text.upper() in by_name:
        return by_name[text.upper()]
    names = ", ".join(DOC_NAMES.values())
    raise argparse.ArgumentTypeError(f"type inconnu {text!r} (types : {names}, ou un numéro)")


def date_arg(text: str) -> str:
    """Return ``text`` if it is a date ``AAAA-MM-JJ`` (for argparse)."""
    if not DATE.fullmatch(text):
        raise argparse.ArgumentTypeError(f"date AAAA-MM-JJ attendue : {text!r}")
    return text


def read_records(contents: FlashContents) -> list[Record | Unreadable]:
    """Return every record of the segments in order, or what is known of an unreadable one."""
    items: list[Record | Unreadable] = []
    for segment in contents.segments:
        for frame in split_frames(segment.name, segment.data):
            if isinstance(frame, BadFrame):
                seq = read_header(frame.record).seq
                items.append(Unreadable(seq, frame.segment, frame.offset, frame.problem))
                continue
            try:
                items.append(decode_record(frame.record))
            except DecodeError as exc:
                seq = exc.header.seq if exc.header else None
                problem = f"illisible : {exc.problem}"
                items.append(Unreadable(seq, frame.segment, frame.offset, problem))
    return items


def selected(
    items: list[Record | Unreadable], args: argparse.Namespace
) -> list[Record | Unreadable]:
    """Return the items the filters of ``args`` keep (unreadable ones: only by seq range)."""
    kept: list[Record | Unreadable] = []
    for item in items:
        seq = item.seq
        if seq is not None and args.from_seq is not None and seq < args.from_seq:
            continue
        if seq is not None and args.to_seq is not None and seq > args.to_seq:
            continue
        if isinstance(item, Unreadable):
            if not args.types and args.date is None:
                kept.append(item)
            continue
        if args.types and item.doc_type not in args.types:
            continue
        if args.date is not None and local_date(item.time_utc, item.utc_offset) != args.date:
            continue
        kept.append(item)
    return kept


def line(item: Record | Unreadable) -> str:
    """Return the text line of one item."""
    if isinstance(item, Unreadable):
        seq = "?" if item.seq is None else str(item.seq)
        where = f"segment {item.segment}, octet {item.offset}"
        return f"{seq:>6}  {'ILLISIBLE':<11} {'':>5}  ({where}) {item.problem}"
    when = iso_local(item.time_utc, item.utc_offset).replace("T", " ")[:19]
    name, extract = doc_name(item.doc_type), signature_extract(b64url(item.signature))
    return (
        f"{item.seq:>6}  {name:<11} {item.number:>5}  {when}  {item.operator_id:>3}  "
        f"{extract}  {summary(item)}"
    )


HEADER = (
    f"{'seq':>6}  {'type':<11} {'n°':>5}  {'date et heure locales':<19}  {'op.':>3}  sig.  résumé"
)


def json_item(item: Record | Unreadable) -> dict[str, Any]:
    """Return one item as a JSON object."""
    if isinstance(item, Unreadable):
        return {
            "seq": item.seq,
            "readable": False,
            "segment": item.segment,
            "offset": item.offset,
            "problem": item.problem,
        }
    return {
        "seq": item.seq,
        "readable": True,
        "type": doc_name(item.doc_type),
        "type_code": item.doc_type,
        "number": item.number,
        "local": iso_local(item.time_utc, item.utc_offset),
        "utc": iso_utc(item.time_utc),
        "operator_id": item.operator_id,
        "signature_extract": signature_extract(b64url(item.signature)),
        "summary": summary(item),
        "details": details(item),
    }


def run_list(args: argparse.Namespace) -> int:
    """Run ``fiscal-inspect list``; return the exit code."""
    try:
        contents = load_source(args.path, args.block_size)
        identity = decode_identity(contents.identity)
    except ImageError as exc:
        print(f"fiscal-inspect : image illisible : {exc}", file=sys.stderr)
        return EXIT_FAILED
    except DecodeError as exc:
        print(f"fiscal-inspect : identité du terminal illisible : {exc.problem}", file=sys.stderr)
        return EXIT_FAILED
    items = selected(read_records(contents), args)
    if args.json:
        listing = {
            "source": contents.source,
            "terminal_id": identity.terminal_id,
            "records": [json_item(item) for item in items],
        }
        print(json.dumps(listing, ensure_ascii=False, indent=2))
        return EXIT_DONE
    print(f"Terminal {identity.terminal_id} ({contents.source}) ; liste sans vérification")
    print(HEADER)
    for item in items:
        print(line(item))
    print(f"{len(items)} enregistrement(s)" if items else "aucun enregistrement ne correspond")
    return EXIT_DONE
