"""Amounts and short texts as the cashier reads them (French conventions)."""


def format_cents(cents: int) -> str:
    """Return ``1250`` as ``12,50`` and ``-5`` as ``-0,05``."""
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(cents), 100)
    return f"{sign}{units},{rest:02d}"


def two_columns(left: str, right: str, width: int = 20) -> str:
    """Return ``left`` and ``right`` on one line of ``width``, ``left`` cut if needed."""
    room = max(width - len(right) - 1, 0)
    return f"{left[:room]:<{room}} {right}"[-width:] if right else left[:width]
