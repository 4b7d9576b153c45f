"""How the inspector writes values: amounts, VAT rates, dates (French text, ISO 8601).

Amounts are integer cents, rates percent x 100 (docs/SPEC.md). A record
stores ``time_utc`` (seconds since 1970, UTC) and ``utc_offset`` (minutes);
its local time is their sum. A value beyond what ``datetime`` can show (a
forged record) is written as the raw number rather than raising.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def _at(time_utc: int, offset: int = 0) -> datetime | None:
    try:
        return datetime.fromtimestamp(time_utc, UTC) + timedelta(minutes=offset)
    except (OverflowError, OSError, ValueError):
        return None


def zone(offset: int) -> str:
    """Return an offset in minutes as ``+01:00``."""
    sign = "+" if offset >= 0 else "-"
    return f"{sign}{abs(offset) // 60:02d}:{abs(offset) % 60:02d}"


def local_text(time_utc: int, offset: int) -> str:
    """Return ``12/03/2026 09:30:00 UTC+01:00`` (French order, local time)."""
    t = _at(time_utc, offset)
    if t is None:
        return f"date illisible ({time_utc} s) UTC{zone(offset)}"
    return f"{t.day:02d}/{t.month:02d}/{t.year:04d} {_clock(t)} UTC{zone(offset)}"


def iso_local(time_utc: int, offset: int) -> str:
    """Return ``2025-12-31T10:02:00+01:00``: local time with its offset."""
    t = _at(time_utc, offset)
    if t is None:
        return str(time_utc)
    return f"{_day(t)}T{_clock(t)}{zone(offset)}"


def iso_utc(time_utc: int) -> str:
    """Return ``2025-12-31T09:02:00Z``."""
    t = _at(time_utc)
    return str(time_utc) if t is None else f"{_day(t)}T{_clock(t)}Z"


def local_date(time_utc: int, offset: int) -> str:
    """Return the local date ``YYYY-MM-DD`` ("" when out of range)."""
    t = _at(time_utc, offset)
    return "" if t is None else _day(t)


def _day(t: datetime) -> str:
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d}"


def _clock(t: datetime) -> str:
    return f"{t.hour:02d}:{t.minute:02d}:{t.second:02d}"


def euros(cents: int) -> str:
    """Return an amount in cents written the French way: ``-1 234,56 €``."""
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(cents), 100)
    return f"{sign}{units:,}".replace(",", " ") + f",{rest:02d} €"


def rate_text(rate: int) -> str:
    """Return a VAT rate (percent x 100) the French way: ``20 %``, ``5,5 %``."""
    units, rest = divmod(rate, 100)
    return f"{units} %" if not rest else f"{units},{rest:02d}".rstrip("0") + " %"
