"""Which cuts run: every k of every scenario, or a deterministic subset (docs/POWERLOSS.md).

Environment:
- ``POWERLOSS_FULL=1``: every k of every scenario, and the extra torn models
  ``torn-prefix`` and ``torn-garbage``; without it, scenarios with
  ``every`` > 1 run every ``every``-th k plus every k next to an
  acknowledgement, in the models ``cut``, ``unsynced``, ``in-sync`` and
  ``torn``.
- ``POWERLOSS_SEED=N``: the seed of the torn, unsynced and in-sync models' noise (default 0).

``unsynced`` runs only where at least two operations follow the last sync
(with one, its two outcomes are the clean cuts at k - 1 and k); ``in-sync``
only where a sync follows op k and at least two operations precede it since
the sync before.

Double cuts (ids ``sale-k14-torn+k9-cut``): in DOUBLE_SCENARIOS, the
restart after a first cut is itself cut. First cuts: op k torn, for every
k where an append returned (every k with POWERLOSS_FULL=1); second cuts:
every DOUBLE_EVERY-th op of the restart, the op after which something was
acknowledged and the next one (all with POWERLOSS_FULL=1), models ``cut``
and ``torn``.
"""

from __future__ import annotations

import os

from tests.powerloss.harness import (
    MODEL_CUT,
    MODEL_IN_SYNC,
    MODEL_UNSYNCED,
    SEED,
    TORN,
    Cut,
    Recording,
    interesting,
    record,
    restart_record,
)
from tests.powerloss.scenarios import SCENARIOS

FULL = os.environ.get("POWERLOSS_FULL", "") == "1"
MODELS = (
    (MODEL_CUT, MODEL_UNSYNCED, MODEL_IN_SYNC, *TORN)
    if FULL
    else (MODEL_CUT, MODEL_UNSYNCED, MODEL_IN_SYNC, "torn")
)
DOUBLE_SCENARIOS = ("sale",)
DOUBLE_EVERY = 6
DEFAULT_AROUND = (-1, 0, 1, 2)
DOUBLE_AROUND = (0, 1)  # the op an append or a display came after, and the next one
__all__ = ["FULL", "MODELS", "SEED", "cuts", "summary"]


def _cuts_of(rec: Recording, every: int, models: tuple[str, ...], parent: Cut | None) -> list[Cut]:
    if FULL or every == 1:
        ks: list[int] = list(range(1, rec.op_count + 1))
    else:
        ks = interesting(rec, every, DOUBLE_AROUND if parent else DEFAULT_AROUND)
    chosen: list[Cut] = []
    syncs = set(rec.flash.syncs)
    for k in ks:
        unsynced = k - rec.flash.last_sync(k) >= 2
        in_sync = k in syncs and k - rec.flash.last_sync(k - 1) >= 2
        chosen += [
            Cut(rec.scenario, k, model, parent)
            for model in models
            if (model != MODEL_UNSYNCED or unsynced) and (model != MODEL_IN_SYNC or in_sync)
        ]
    return chosen


def cuts() -> list[Cut]:
    """Return the cuts to run, scenario by scenario, k by k, model by model."""
    chosen: list[Cut] = []
    for scenario in SCENARIOS:
        rec = record(scenario)
        chosen += _cuts_of(rec, scenario.every, MODELS, None)
        if scenario.name not in DOUBLE_SCENARIOS:
            continue
        firsts = range(1, rec.op_count + 1) if FULL else rec.witness.appends
        for k in firsts:
            parent = Cut(scenario, k, "torn")
            restart = restart_record(parent)
            if restart is not None:
                chosen += _cuts_of(restart, DOUBLE_EVERY, (MODEL_CUT, "torn"), parent)
    return chosen


def summary() -> str:
    """Return, per scenario, its flash operations, records, k swept and cases per model."""
    chosen = cuts()
    lines = [f"{'scenario':10} {'ops':>4} {'records':>7} {'k':>4}  cases per model"]
    for scenario in SCENARIOS:
        rec = record(scenario)
        mine = [c for c in chosen if c.scenario is scenario and c.parent is None]
        per_model = {m: sum(1 for c in mine if c.model == m) for m in MODELS}
        new = len(rec.records) - rec.witness.base_records
        lines.append(
            f"{scenario.name:10} {rec.op_count:4} {new:7} {len({c.k for c in mine}):4}  "
            + " ".join(f"{m}={n}" for m, n in per_model.items())
        )
    double = [c for c in chosen if c.parent is not None]
    firsts = len({c.parent for c in double})
    lines.append(f"double cuts: {len(double)} (after {firsts} first cuts)")
    lines.append(f"{len(chosen)} cases{' (POWERLOSS_FULL=1)' if FULL else ''}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(summary())
