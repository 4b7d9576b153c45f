"""Real journals written by the terminal's own code, honestly or not.

``Till`` seals records with the fiscal core and appends them with the
firmware's journal onto a file-backed flash (``hal.flash.file.FileFlash``),
exactly as the terminal does; its ``forge*`` methods, ``cheating`` and
``state`` let a test play a dishonest writer, who signs with the terminal's
key whatever the rules would refuse. ``findings`` writes a journal with a
script and returns what the inspector finds in it. The attacker, who has no
key, is in ``attack.py``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypedDict

from firmware.archiving import ARCHIVE_DIR, archive_file
from firmware.demo import DEMO_CONFIG
from firmware.journal import Journal
from firmware.links import links_of
from fiscal_core import codes
from fiscal_core.documents import ArchiveBody
from fiscal_core.ed25519 import Ed25519Signer
from fiscal_core.identity import Identity
from fiscal_core.ledger import Ledger, Sealed
from fiscal_core.links import DocumentLinks
from fiscal_core.records import ClosureBody, Line, Payment, Record, TicketBody
from fiscal_core.state import LedgerState
from hal.flash.file import FileFlash
from hal.ports import FlashGeometry
from tests.vectors.make_vectors import scenario
from tools.inspect.image import read_image
from tools.inspect.model import doc_name
from tools.inspect.report import report_object
from tools.inspect.verify import verify

SEED = bytes(range(1, 33))
TERMINAL_ID = "DEMO-0001"
T0 = 1767085200  # 2025-12-30 09:00:00 UTC, 10:00 in Paris: the last two days of a year
DAY = 86400
SMALL_GEOMETRY = FlashGeometry(read_size=1, prog_size=1, block_size=4096, block_count=128)


class When(TypedDict):
    """Keyword arguments of every ``seal_*``: the next clock tick, Paris in winter, operator 1."""

    time_utc: int
    utc_offset: int
    operator_id: int


@dataclass(frozen=True)
class Written:
    """What was written: (seq, doc_type name, number) of each record, in journal order."""

    records: tuple[tuple[int, str, int], ...]
    public_key: bytes


class Till:
    """A terminal's ledger and journal on a flash image, with a clock (37 s per record)."""

    def __init__(self, journal: Journal, terminal_id: str = TERMINAL_ID, start: int = T0) -> None:
        self.signer = Ed25519Signer(SEED)
        self.ledger = Ledger(terminal_id, self.signer)
        self.journal = journal
        self.now = start
        self.written: list[tuple[int, str, int]] = []

    @property
    def state(self) -> LedgerState:
        return self.ledger.state

    def keep(self, sealed: Sealed) -> Record:
        self.journal.append(sealed.encoded)
        self.ledger.accept(sealed)
        record = sealed.record
        self.written.append((record.seq, codes.DOC_NAMES[record.doc_type], record.number))
        return record

    def when(self) -> When:
        self.now += 37
        return {"time_utc": self.now, "utc_offset": 60, "operator_id": 1}

    def jet(self, code: int, text: str = "evenement", amount: int = 0, ref: int = 0) -> Record:
        sealed = self.ledger.seal_jet(**self.when(), code=code, text=text, amount=amount, ref=ref)
        return self.keep(sealed)

    def open(self, cash_float: int = 15000) -> Record:
        return self.keep(self.ledger.open_period(**self.when(), cash_float=cash_float))

    def sale(self, lines: list[Line], payments: list[Payment] | None = None) -> Record:
        total = sum(line.total for line in lines)
        paid = payments or [Payment(codes.PAY_CARD, total)]
        return self.keep(self.ledger.seal_ticket(**self.when(), lines=lines, payments=paid))

    def ret(
        self,
        original: Record,
        lines: list[Line],
        reason: str = "R1 defectueux",
        links: DocumentLinks | None = None,
    ) -> Record:
        """Seal a return of ``original``; ``links``: what a dishonest writer says came before."""
        refunds = [Payment(codes.PAY_CASH, sum(line.total for line in lines))]
        links = links or links_of(self.journal, original)
        sealed = self.ledger.seal_return(
            **self.when(),
            original=original,
            links=links,
            lines=lines,
            refunds=refunds,
            reason=reason,
        )
        return self.keep(sealed)

    def invoice(
        self,
        ticket: Record,
        customer: str = "SARL Dupont, traiteur",
        links: DocumentLinks | None = None,
    ) -> Record:
        links = links or links_of(self.journal, ticket)
        sealed = self.ledger.seal_invoice(
            **self.when(), ticket=ticket, links=links, customer=customer, postcode="75002"
        )
        return self.keep(sealed)

    def duplicate(self, original: Record, links: DocumentLinks | None = None) -> Record:
        links = links or links_of(self.journal, original)
        return self.keep(self.ledger.seal_duplicate(**self.when(), original=original, links=links))

    def close(self, doc_type: int) -> Record:
        return self.keep(self.ledger.seal_closure(doc_type=doc_type, **self.when()))

    def archive(self, closure: Record) -> Record:
        """Make the archive of ``closure``'s period as the terminal does: file, ARCHIVE, JET."""
        identity = Identity(self.ledger.terminal_id, self.signer.public_key)
        config = replace(DEMO_CONFIG, terminal_id=self.ledger.terminal_id)
        when = self.when()
        name, digest = archive_file(
            self.journal,
            closure,
            identity,
            config,
            when["time_utc"],
            when["utc_offset"],
            self.ledger.state.chains,
        )
        sealed = self.ledger.seal_archive(
            **when, closure=closure, file_name=name, file_digest=digest
        )
        record = self.keep(sealed)
        year = closure.doc_type == codes.DOC_GT_YEAR
        code = codes.JET_YEAR_ARCHIVE if year else codes.JET_PERIOD_ARCHIVE
        self.jet(code, f"archive {name}", ref=record.number)
        return record

    def forge_archive(
        self,
        closure: Record,
        change: Callable[[ArchiveBody], None],
        content: bytes | None = b"zip",
    ) -> Record:
        """Sign ``closure``'s ARCHIVE bent by ``change``, over a file of ``content`` (or none)."""
        from_seq, to_seq, vat, total = self.state.closures[(closure.doc_type, closure.number)]
        year = closure.doc_type == codes.DOC_GT_YEAR
        kind = codes.ARCHIVE_YEAR if year else codes.ARCHIVE_PERIOD
        name = f"forged-{closure.seq}.zip"
        body = ArchiveBody(
            kind, closure.doc_type, closure.number, from_seq, to_seq, vat, total, name, b""
        )
        change(body)
        if content is not None:
            self.journal.replace_file(f"{ARCHIVE_DIR}/{body.file_name}", content)
        body.file_digest = hashlib.sha256(content or b"").digest()
        return self.forge(codes.DOC_ARCHIVE, body)

    def forge(self, doc_type: int, body: object) -> Record:
        """Sign ``body`` as the next record of ``doc_type``, rules or not (dishonest writer)."""
        when = self.when()
        sealed = self.ledger._seal(doc_type, when["time_utc"], 60, 1, body)  # type: ignore[arg-type]
        return self.keep(sealed)

    def forge_ticket(self, body: TicketBody) -> Record:
        """Sign a ticket body with its perpetual and GT_TICKET fields, rules or not."""
        when = self.when()
        return self.keep(self.ledger._seal_ticket(when["time_utc"], 60, 1, body))

    @contextmanager
    def cheating(self, **state: object) -> Iterator[None]:
        """Set ledger state attributes for the records sealed inside, then restore them."""
        saved = {name: getattr(self.state, name) for name in state}
        for name, value in state.items():
            setattr(self.state, name, value)
        yield
        for name, value in saved.items():
            setattr(self.state, name, value)


@contextmanager
def till_on(image: Path, geometry: FlashGeometry = SMALL_GEOMETRY) -> Iterator[Till]:
    """Yield a Till writing a new flash image at ``image``."""
    signer = Ed25519Signer(SEED)
    identity = Identity(TERMINAL_ID, signer.public_key).encode()
    with FileFlash.open(image, geometry, create=True) as flash:
        yield Till(Journal.create(flash, identity))


def sale_lines(n: int) -> list[Line]:
    lines = [
        Line("P2", "Baguette", 1 + n % 3, 120, 550),
        Line("D3", "Bazar, divers", 1, 695 + n, 2000),
    ]
    if n % 2:
        lines.append(Line("P10", "Sandwich", 2, 550, 1000))
    return lines


def cash(lines: list[Line]) -> list[Payment]:
    total = sum(line.total for line in lines)
    return [Payment(codes.PAY_CASH, total + 500 - total % 500)]


def trading_day(till: Till, tickets: int) -> list[Record]:
    """Open a period and sell ``tickets`` tickets, with voided lines and an abandoned sale."""
    till.open()
    sold = []
    for n in range(tickets):
        lines = sale_lines(n)
        if n % 2:
            till.jet(codes.JET_LINE_VOIDED, "ligne P7")
        sold.append(till.sale(lines, cash(lines) if n % 3 == 0 else None))
        if n == 2:
            till.jet(codes.JET_SALE_ABANDONED, "vente abandonnée")
    return sold


def write_journal(
    image: Path, tickets: int = 6, geometry: FlashGeometry = SMALL_GEOMETRY
) -> Written:
    """Write the last two business days of a year into a new flash image; return what was written.

    Day 1: start-up, log-in, float, ``tickets`` sales (several VAT rates,
    cash with change, card, voided line, abandoned sale), a return, an
    invoice, two duplicates, a cash movement, training mode with a training
    ticket, the day closure. Day 2 (the last day of the year): float, two
    sales, a return and its credit note, a duplicate of that invoice, the
    day, month and fiscal-year closures, the year's archive (its file on the
    flash, the ARCHIVE record, JET 30), log-out. Every document type.
    """
    with till_on(image, geometry) as till:
        till.jet(codes.JET_START, "démarrage, v1\\test")
        till.jet(codes.JET_LOGIN, "connexion Camille")
        sold = trading_day(till, tickets)
        till.ret(sold[1], [Line("P2", "Baguette", -1, 120, 550)])
        till.invoice(sold[0])
        till.duplicate(sold[0])
        till.duplicate(sold[0])
        till.jet(codes.JET_CASH_MOVE, "sortie banque", amount=-2000)
        till.jet(codes.JET_TRAINING_ON, "formation")
        till.sale([Line("P21", "Briquet", 1, 250, 2000)], [Payment(codes.PAY_CASH, 300)])
        till.jet(codes.JET_TRAINING_OFF, "fin")
        till.close(codes.DOC_GT_PERIOD)
        till.now = T0 + DAY
        sold = trading_day(till, 2)
        back = till.ret(sold[1], [Line("P10", "Sandwich", -2, 550, 1000)], "R2 erreur")
        credit = till.invoice(back, "Jean Martin")
        till.duplicate(credit)
        for kind in (codes.DOC_GT_PERIOD, codes.DOC_GT_MONTH, codes.DOC_GT_YEAR):
            closure = till.close(kind)
        till.archive(closure)
        till.jet(codes.JET_LOGOUT, "déconnexion")
        return Written(tuple(till.written), till.signer.public_key)


VECTOR_ARCHIVE = (f"{ARCHIVE_DIR}/FY2025-01.zip", b"archive file of the fiscal year")


def write_vectors(image: Path) -> Written:
    """Write the records of tests/vectors/make_vectors.py's ``scenario()`` into a flash image.

    The scenario's ARCHIVE signs the SHA-256 of a short text, not of a zip:
    that text is written as its file.
    """
    public_key = Ed25519Signer(SEED).public_key
    written = []
    with FileFlash.open(image, SMALL_GEOMETRY, create=True) as flash:
        journal = Journal.create(flash, Identity("TEST-0001", public_key).encode())
        journal.replace_file(*VECTOR_ARCHIVE)
        for _, sealed in scenario():
            journal.append(sealed.encoded)
            r = sealed.record
            written.append((r.seq, codes.DOC_NAMES[r.doc_type], r.number))
    return Written(tuple(written), public_key)


# -- a dishonest writer's journals, and what the inspector finds in them --------------------

Found = list[tuple[int | None, str, int | None, tuple[str, ...]]]
BAGUETTES = [Line("P2", "Baguette", 2, 120, 550), Line("D3", "Bazar", 1, 695, 2000)]


def findings(tmp_path: Path, script: Callable[[Till], object]) -> Found:
    """Write a journal with ``script`` and return its findings: (seq, type, number, problems).

    The journal is verified twice, with its records kept and as ``fiscal-inspect verify``
    does (its clean stretches summed up by their reader): both must say the same.
    """
    image = tmp_path / "flash.img"
    with till_on(image) as till:
        script(till)
    contents = read_image(image.read_bytes())
    report = verify(contents)
    summed = verify(contents, keep_records=False)
    assert summed.findings == report.findings
    assert report_object(summed) == report_object(report)
    return [(f.seq, doc_name(f.doc_type), f.number, f.problems) for f in report.findings]


def day_with_sales(till: Till, last_of_year: bool = False) -> list[Record]:
    """Open a period (on 30/12/2025, or 31/12/2025) and sell two tickets."""
    if last_of_year:
        till.now = T0 + DAY
    till.open()
    return [till.sale(BAGUETTES), till.sale(sale_lines(1))]


def forged_closure(till: Till, doc_type: int, change: Callable[[ClosureBody], None]) -> Record:
    """Sign the closure the writer would, after ``change`` has bent its figures."""
    body = till.state.expected_closure(doc_type)
    change(body)
    return till.forge(doc_type, body)
