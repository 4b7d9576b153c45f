"""ARCHIVE records against the journal (docs/SPEC.md §4 "ARCHIVE body", §4.1, §6).

- An ARCHIVE names a closure recorded before it (GT_PERIODE, GT_MOIS or
  GT_EXERCICE) and repeats what the closure states: ``from_seq``, its own
  ``seq`` (the last record archived), its VAT totals and its period total.
  One archive per closure.
- After a fiscal-year closure no period opens (JET 171) before that year's
  ARCHIVE (the writer refuses with ``ARCHIVE_REQUIRED``): the archive of
  another, earlier year does not count.
- JET 20 (period archive) and JET 30 (fiscal-year archive) name an earlier
  ARCHIVE, of their kind.

The archive file on the flash, which the record signs through its SHA-256,
is checked in ``archive_files``; the record's own content in ``rules``.

Only trusted records (decoded, signature valid) are remembered, through
``Links``. An archive of a closure whose number was seen but cannot be
trusted is not checked further (the closure is reported on its own). After
anything lost, whether a closed year awaits its archive is unknown until a
trusted fiscal-year closure or fiscal-year archive settles it.
"""

from __future__ import annotations

from tools.inspect.formats import euros
from tools.inspect.links import Links
from tools.inspect.model import (
    ARCHIVE_YEAR,
    CLOSURE_TYPES,
    DOC_ARCHIVE,
    DOC_GT_YEAR,
    JET_CASH_FLOAT,
    JET_PERIOD_ARCHIVE,
    JET_YEAR_ARCHIVE,
    ArchiveBody,
    ClosureBody,
    JetBody,
    Pairs,
    Record,
    doc_name,
)

ARCHIVE_JETS = (JET_PERIOD_ARCHIVE, JET_YEAR_ARCHIVE)


class Archives:
    """Closures archived so far, and the fiscal year awaiting its archive, if any."""

    def __init__(self, links: Links) -> None:
        self.links = links  # the trusted earlier records, by (doc_type, number)
        self.archived: dict[tuple[int, int], int] = {}  # closure -> number of its ARCHIVE
        self.year_due: Record | None = None  # the GT_EXERCICE not archived yet
        self.settled = True  # False: a lost record may have closed or archived a year

    def lose(self) -> None:
        """Forget what an untrusted or missing record may have changed."""
        self.settled = False

    def record(self, body: ArchiveBody) -> list[str]:
        """Return the problems of an ARCHIVE with the closure it names and earlier archives."""
        key = (body.closure_type, body.closure_number)
        closure_name = f"{doc_name(body.closure_type)} n°{body.closure_number}"
        problems = []
        if key in self.archived:
            problems.append(
                f"deuxième archive de la {closure_name} (déjà ARCHIVE n°{self.archived[key]})"
            )
        closure = self.links.records.get(key)
        if closure is None or not isinstance(closure.body, ClosureBody):
            seen = 1 <= body.closure_number <= self.links.highest.get(body.closure_type, 0)
            if not seen and body.closure_type in CLOSURE_TYPES:  # else: ``rules``
                problems.append(f"{closure_name} absente du journal avant l'archive")
            return problems
        stated = closure.body
        found = [
            f"{what} n°{said} au lieu de n°{due}"
            for what, said, due in (
                ("premier enregistrement", body.from_seq, stated.from_seq),
                ("dernier enregistrement", body.to_seq, closure.seq),
            )
            if said != due
        ]
        if body.vat != stated.vat:
            found.append(f"TVA {_vat(body.vat)} au lieu de {_vat(stated.vat)}")
        if body.total != stated.total_real:
            found.append(f"total réel {euros(body.total)} au lieu de {euros(stated.total_real)}")
        if found:
            problems.append(f"différente de la {closure_name} archivée : " + ", ".join(found))
        return problems

    def jet(self, body: JetBody) -> list[str]:
        """Return the problems of a JET line with archives: a float, JET 20 or 30."""
        if body.code == JET_CASH_FLOAT and self.settled and self.year_due is not None:
            due = self.year_due
            label = due.body.label if isinstance(due.body, ClosureBody) else "?"
            return [
                f"ouverture avant l'archive de l'exercice {label} "
                f"(GT_EXERCICE n°{due.number}, enregistrement n°{due.seq})"
            ]
        if body.code not in ARCHIVE_JETS:
            return []
        if body.ref < 1:
            return [f"JET {body.code} sans archive concernée"]
        if body.ref > self.links.highest.get(DOC_ARCHIVE, 0):
            return [f"JET {body.code} : ARCHIVE n°{body.ref} absente du journal avant lui"]
        archive = self.links.records.get((DOC_ARCHIVE, body.ref))
        if archive is None or not isinstance(archive.body, ArchiveBody):
            return []  # not trusted: reported on its own
        year = archive.body.kind == ARCHIVE_YEAR
        expected = JET_YEAR_ARCHIVE if year else JET_PERIOD_ARCHIVE
        if body.code != expected:
            return [
                f"JET {body.code} pour l'ARCHIVE n°{body.ref} de nature « {archive.body.kind} » "
                f"(JET {expected} attendu)"
            ]
        return []

    def apply(self, record: Record) -> None:
        """Move the state past a trusted closure or archive."""
        body = record.body
        if record.doc_type == DOC_GT_YEAR:
            self.year_due, self.settled = record, True
        elif isinstance(body, ArchiveBody):
            self.archived.setdefault((body.closure_type, body.closure_number), record.number)
            due = self.year_due
            if body.closure_type == DOC_GT_YEAR and (
                not self.settled or due is None or due.number == body.closure_number
            ):  # the year due is archived (or, after a loss, the last year closed)
                self.year_due, self.settled = None, True


def _vat(pairs: Pairs) -> str:
    """Return (rate, TTC) pairs as ``RATE:TTC|…`` (whatever the rate, unlike the data to sign)."""
    return "|".join(f"{rate:04d}:{amount}" for rate, amount in pairs) or "aucune"
