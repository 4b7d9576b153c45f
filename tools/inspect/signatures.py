"""Ed25519 verification of many (message, signature) pairs, spread over the CPU cores.

Verification is independent from record to record once each record's data
to sign is built, so the verifier collects jobs first and checks them here
in one go. ``cryptography``'s ``Ed25519PublicKey.verify`` releases the GIL
(measured: 2 threads verify 1.8x faster than 1 on a 2-core machine), so a
thread pool is enough; jobs are handed out in chunks to keep the pool's
overhead well below the cost of one verification (~0.2 ms).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

PARALLEL_MIN_JOBS = 64  # below this a pool costs more than it saves
CHUNK_JOBS = 256


@dataclass(slots=True)  # not frozen: two a record (see model)
class SignatureJob:
    """One signature to check against the terminal's public key."""

    message: bytes
    signature: bytes


def load_public_key(public_key: bytes) -> Ed25519PublicKey:
    """Return the key object for 32 raw bytes; raise ValueError if they are not a key."""
    return Ed25519PublicKey.from_public_bytes(public_key)


def verify_all(
    key: Ed25519PublicKey, jobs: Sequence[SignatureJob], workers: int | None = None
) -> list[bool]:
    """Return, for each job in order, whether its signature is valid.

    ``workers`` is the number of threads (default: the CPU count); 1, or a
    small number of jobs, verifies in the calling thread.
    """
    workers = workers or os.cpu_count() or 1
    if workers == 1 or len(jobs) < PARALLEL_MIN_JOBS:
        return _verify_chunk(key, jobs)
    chunk = max(1, min(CHUNK_JOBS, len(jobs) // (workers * 4) or 1))
    chunks = [jobs[start : start + chunk] for start in range(0, len(jobs), chunk)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = pool.map(lambda part: _verify_chunk(key, part), chunks)
        return [valid for part in results for valid in part]


def _verify_chunk(key: Ed25519PublicKey, jobs: Sequence[SignatureJob]) -> list[bool]:
    results = []
    for job in jobs:
        try:
            key.verify(job.signature, job.message)
        except InvalidSignature:
            results.append(False)
        else:
            results.append(True)
    return results
