"""Calendar rules of periods: business days, months, fiscal years and their labels.

A period (business day) opens with the cash float and takes the local date
of that moment as its business date. It accepts sales until DAY_END_HOUR
(local) the next morning; after that only its closure is possible: a sale
past that time is refused with PERIOD_EXPIRED, never moved into another day
(docs/DESIGN.md, "Periods"). A month or fiscal year can be closed once it is
over, or on its last day.
"""

from fiscal_core.civil import civil_from_days, last_day_of_month, month_label

DAY_END_HOUR = 6


def period_deadline_local(business_day: int, day_end_hour: int = DAY_END_HOUR) -> int:
    """Return the local time (seconds) from which a period of ``business_day`` takes no sale."""
    return (business_day + 1) * 86400 + day_end_hour * 3600


def fiscal_year_label(days: int, start_month: int) -> str:
    """Return ``FYYYYY-MM``, the first month of the fiscal year holding day ``days``."""
    y, m, _ = civil_from_days(days)
    start_year = y if m >= start_month else y - 1
    return f"FY{start_year:04d}-{start_month:02d}"


def month_is_over(label: str, today: int) -> bool:
    """Return True when month ``label`` is past at day ``today``, or ``today`` is its last day."""
    current = month_label(today)
    return current > label or (current == label and today == last_day_of_month(today))


def fiscal_year_is_over(label: str, today: int, start_month: int) -> bool:
    """Return True when fiscal year ``label`` is past at ``today``, or ``today`` is its last day."""
    current = fiscal_year_label(today, start_month)
    if current > label:
        return True
    _, m, _ = civil_from_days(today)
    last_month = (start_month - 2) % 12 + 1
    return current == label and m == last_month and today == last_day_of_month(today)
