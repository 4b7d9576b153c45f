"""Continuity of a numbering (journal ``seq``, or a chain's ``number``): what is out of place.

Numbers read in journal order must be 1, 2, 3, … with no gap. Comparing
each number with its predecessor's would turn one displaced record into a
cascade of complaints about the records around it. Instead the longest run
of numbers that are already in increasing order (a longest increasing
subsequence, preferring the earliest records on a tie) is taken as the
journal's backbone, and only what departs from it is named:

- a number outside the backbone is out of sequence (or a duplicate);
- a jump in the backbone over numbers found nowhere is a gap, named on the
  record after it;
- a backbone record immediately followed by the number that should have
  come just before it has been swapped with it: both are named.

So a removal gives one finding, a swap of two records two, wherever they are.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

MAX_LISTED = 5


@dataclass(frozen=True, slots=True)
class OrderProblem:
    """``text`` is what is wrong with the number at position ``index`` of the input."""

    index: int
    text: str


def check_continuity(numbers: Sequence[int | None], label: str) -> list[OrderProblem]:
    """Return the problems of ``numbers`` (journal order) against 1..n, by position.

    None stands for a damaged record whose number cannot be read (reported
    elsewhere): it may fill a gap around it. ``label`` names the numbering in
    French ("la séquence du journal", "la numérotation TICKET").
    """
    problems: list[OrderProblem] = []
    backbone = _backbone(numbers)
    in_backbone = set(backbone)
    counts = Counter(n for n in numbers if n is not None)
    present = sorted(counts)
    for index, number in enumerate(numbers):
        if number is None or index in in_backbone:
            continue
        if number < 1:
            text = f"{label} : numéro {number} invalide"
        elif counts[number] > 1:
            text = f"doublon dans {label} (n°{number} présent {counts[number]} fois)"
        elif index == 0:
            text = f"déplacé dans {label} (trouvé en tête)"
        elif numbers[index - 1] is None:
            text = f"déplacé dans {label} (trouvé après un enregistrement illisible)"
        else:
            text = f"déplacé dans {label} (trouvé après n°{numbers[index - 1]})"
        problems.append(OrderProblem(index, text))
    previous, previous_index = 0, -1
    for index in backbone:
        number = numbers[index]
        assert number is not None  # the backbone holds readable numbers only
        unknown = [i for i in range(previous_index + 1, index) if numbers[i] is None]
        count, absent = _missing(previous, number, present)
        if count == 1 == len(unknown):
            problems.append(OrderProblem(unknown[0], f"probablement n°{absent[0]} de {label}"))
        elif count > len(unknown):
            if not absent:
                gap = f"{count} numéros absents entre n°{previous} et n°{number}"
            else:
                gap = ", ".join(f"n°{n}" for n in absent) + (
                    " absent" if count == 1 else " absents"
                )
            problems.append(OrderProblem(index, f"rupture de {label} : {gap} avant celui-ci"))
        following = numbers[index + 1] if index + 1 < len(numbers) else None
        if following == previous + 1 and number == previous + 2:
            problems.append(OrderProblem(index, f"interverti avec n°{following} dans {label}"))
        previous, previous_index = number, index
    problems.sort(key=lambda p: p.index)
    return problems


def _missing(previous: int, number: int, present: list[int]) -> tuple[int, list[int]]:
    """Return how many numbers strictly between ``previous`` and ``number`` are nowhere.

    Also returns them when there are at most MAX_LISTED, else []: a damaged
    record can claim any number, so the range is never enumerated.
    """
    found = present[bisect_right(present, previous) : bisect_left(present, number)]
    count = number - previous - 1 - len(found)  # found: displaced elsewhere in the journal
    if count <= 0 or count > MAX_LISTED:
        return max(count, 0), []
    displaced = set(found)
    return count, [n for n in range(previous + 1, number) if n not in displaced]


def _backbone(numbers: Sequence[int | None]) -> list[int]:
    """Return the positions of a longest strictly increasing run of valid numbers.

    Computed on the reversed list as a longest decreasing run so that, among
    runs of equal length, the one keeping the earliest positions is chosen.
    """
    tails: list[int] = []  # tails[k]: -number ending the best run of length k + 1
    tail_index: list[int] = []
    parent: dict[int, int] = {}
    for index in range(len(numbers) - 1, -1, -1):
        number = numbers[index]
        if number is None or number < 1:
            continue
        key = -number
        k = bisect_left(tails, key)
        if k:
            parent[index] = tail_index[k - 1]
        if k == len(tails):
            tails.append(key)
            tail_index.append(index)
        else:
            tails[k] = key
            tail_index[k] = index
    if not tails:
        return []
    run = [tail_index[-1]]
    while run[-1] in parent:
        run.append(parent[run[-1]])
    return run  # already in journal order: built from the last-processed (earliest) end
