"""Continuity of the journal ``seq`` and of each chain's ``number``, checked as records arrive.

``order.check_continuity`` needs every number of the journal, because a
displaced or duplicated record is only known against all the others. When
every numbering is strictly increasing in journal order (the journal as the
terminal writes it, and after a record was altered, made unreadable or
removed), its outcome is simpler and local: the backbone is every readable
number, and the only findings are gaps, named on the record after them, or,
when a gap of one number has exactly one record of unknown number in it,
"probablement n°X" on that record. ``Continuity`` finds these as the records
come, with the same texts, and raises ``Reordered`` as soon as a number is
not above the one before it: the verifier then checks the whole journal at
once (``verify``).

Records whose number in a numbering is unknown (unreadable, or of an unknown
type, which takes part in every chain) are "held": their problems are only
complete at the end, and each gets its continuity problems in the order
``check_continuity`` would give them (the sequence first, then the chains in
``DOC_NAMES`` order), right after the problems it was read with.
"""

from __future__ import annotations

from tools.inspect.chains import Entry
from tools.inspect.condense import Run
from tools.inspect.model import DOC_NAMES, doc_name
from tools.inspect.order import MAX_LISTED

SEQ = 0  # rank of the journal sequence; a chain's rank is its position in DOC_NAMES + 1
RANKS = {doc_type: rank for rank, doc_type in enumerate(DOC_NAMES, 1)}


class Reordered(Exception):
    """A number is not above the one before it: the whole journal must be compared at once."""


class Held:
    """An entry whose continuity problems may still grow, and those problems by rank."""

    __slots__ = ("base", "entry", "order")

    def __init__(self, entry: Entry) -> None:
        self.entry = entry
        self.base = len(entry.problems)  # what it was read with comes first
        self.order: list[tuple[int, str]] = []

    def settle(self) -> Entry:
        """Put the continuity problems in place and return the entry."""
        texts = [text for _, text in sorted(self.order, key=lambda item: item[0])]
        self.entry.problems[self.base : self.base] = texts
        return self.entry


class _Numbering:
    """One numbering: its last readable number and the held entries since."""

    __slots__ = ("label", "previous", "rank", "unknown")

    def __init__(self, label: str, rank: int) -> None:
        self.label = label
        self.rank = rank
        self.previous = 0
        self.unknown: list[Held] = []

    def number(self, number: int) -> list[str]:
        """Take a readable number; return the problems of its entry; raise Reordered."""
        if number <= self.previous or number < 1:
            raise Reordered
        count = number - self.previous - 1
        unknown, self.unknown = self.unknown, []
        previous, self.previous = self.previous, number
        if count == 1 == len(unknown):
            unknown[0].order.append((self.rank, f"probablement n°{previous + 1} de {self.label}"))
            return []
        if count <= len(unknown):
            return []
        if count > MAX_LISTED:
            gap = f"{count} numéros absents entre n°{previous} et n°{number}"
        else:
            absent = range(previous + 1, number)
            gap = ", ".join(f"n°{n}" for n in absent) + (" absent" if count == 1 else " absents")
        return [f"rupture de {self.label} : {gap} avant celui-ci"]


class Continuity:
    """The journal sequence and every chain's numbering, followed in journal order."""

    def __init__(self) -> None:
        self.seq = _Numbering("la séquence du journal", SEQ)
        self.chains: dict[int, _Numbering] = {}
        self.unknown_type: list[Held] = []  # held entries of no known type: in every chain
        self.held: list[Held] = []

    def take(self, e: Entry) -> Held | None:
        """Add ``e``'s continuity problems (now, or later if held); return it if held."""
        h = e.header
        known_type = h.doc_type in DOC_NAMES
        held = None
        if h.seq is None or h.number is None or not known_type:
            held = Held(e)
            self.held.append(held)
        problems: list[tuple[int, str]] = []
        if h.seq is None:
            assert held is not None
            self.seq.unknown.append(held)
        else:
            problems += [(SEQ, text) for text in self.seq.number(h.seq)]
        if not known_type:
            assert held is not None
            self.unknown_type.append(held)
            for chain in self.chains.values():
                chain.unknown.append(held)
        else:
            assert h.doc_type is not None
            chain = self._chain(h.doc_type)
            if h.number is None:
                assert held is not None
                chain.unknown.append(held)
            else:
                problems += [(chain.rank, text) for text in chain.number(h.number)]
        if held is None:
            e.problems += [text for _, text in problems]
        else:
            held.order += problems
        return held

    def _chain(self, doc_type: int) -> _Numbering:
        chain = self.chains.get(doc_type)
        if chain is None:
            label = f"la numérotation {doc_name(doc_type)}"
            chain = self.chains[doc_type] = _Numbering(label, RANKS[doc_type])
            chain.unknown = list(self.unknown_type)  # they were in this chain from the start
        return chain

    def take_run(self, run: Run) -> bool:
        """Move past a run (``condense``), whose numbers follow the entries before it; False,
        and nothing changed, if they do not (a run never starts a range or a chain in it)."""
        if self.seq.unknown or self.seq.previous != run.first_seq - 1:
            return False
        for doc_type, (first, _) in run.numbers.items():
            chain = self.chains.get(doc_type)
            if chain is None or chain.unknown or chain.previous != first - 1:
                return False
        self.seq.previous = run.last_seq
        for doc_type, (_, last) in run.numbers.items():
            self.chains[doc_type].previous = last
        return True

    def finish(self) -> list[Entry]:
        """Return the held entries, their problems complete, in journal order."""
        return [held.settle() for held in self.held]
