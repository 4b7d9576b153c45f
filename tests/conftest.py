"""Settings every property test inherits: deterministic, and no per-example deadline.

``make test`` must give the same result on every run and on a loaded CI
machine: examples come from a fixed derivation (``derandomize``), nothing
is replayed from a local example database, and no example fails for taking
longer than Hypothesis's default 200 ms when the two cores are busy (speed
is the benchmarks' business, never a unit test's). A test's own
``@settings`` changes only what it names.
"""

from hypothesis import settings

settings.register_profile("project", deadline=None, derandomize=True, database=None)
settings.load_profile("project")
