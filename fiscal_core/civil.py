"""UTC calendar arithmetic without the ``time`` module (runs on a microcontroller).

Converts seconds since 1970-01-01 UTC to a civil date with Howard Hinnant's
days-from-civil algorithm: integer-only, exact for every date after 1970.
"""


def civil_from_days(days: int) -> tuple[int, int, int]:
    """Return (year, month, day) of the day ``days`` after 1970-01-01."""
    z = days + 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    year = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    return (year + 1 if month <= 2 else year), month, day


def split_time(epoch_seconds: int) -> tuple[int, int, int, int, int, int]:
    """Return (year, month, day, hour, minute, second) of a UTC instant."""
    days, rest = divmod(epoch_seconds, 86400)
    year, month, day = civil_from_days(days)
    hour, rest = divmod(rest, 3600)
    minute, second = divmod(rest, 60)
    return year, month, day, hour, minute, second


# The last day written by compact_timestamp, and its YYYYMMDD: records follow one
# another within a day (a ticket's two data to sign, a verifier's run of records).
_last_day = (-1, "")


def compact_timestamp(epoch_seconds: int) -> str:
    """Return the ``YYYYMMDDHHMMSS`` form used in the data to sign."""
    global _last_day
    days, rest = divmod(epoch_seconds, 86400)
    last = _last_day  # one read: a tuple replaced whole, safe between threads
    if last[0] != days:
        last = _last_day = (days, "%04d%02d%02d" % civil_from_days(days))  # noqa: UP031
    hour, rest = divmod(rest, 3600)
    minute, second = divmod(rest, 60)
    # %-formatting: about twice as fast as an f-string, and every data to sign has one.
    return "%s%02d%02d%02d" % (last[1], hour, minute, second)  # noqa: UP031


def local_date_time(epoch_seconds: int, offset_minutes: int) -> str:
    """Return ``DD/MM/YYYY HH:MM:SS`` in local time, as printed on documents."""
    y, mo, d, h, mi, s = split_time(epoch_seconds + offset_minutes * 60)
    return f"{d:02d}/{mo:02d}/{y:04d} {h:02d}:{mi:02d}:{s:02d}"


def days_from_civil(year: int, month: int, day: int) -> int:
    """Return the days from 1970-01-01 to a date (the inverse of civil_from_days)."""
    y = year - 1 if month <= 2 else year
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    mp = month - 3 if month > 2 else month + 9
    doy = (153 * mp + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def local_day(epoch_seconds: int, offset_minutes: int) -> int:
    """Return the local calendar day (days since 1970-01-01) of a UTC instant."""
    return (epoch_seconds + offset_minutes * 60) // 86400


def day_label(days: int) -> str:
    """Return ``YYYY-MM-DD`` of a day number."""
    y, m, d = civil_from_days(days)
    return f"{y:04d}-{m:02d}-{d:02d}"


def month_label(days: int) -> str:
    """Return ``YYYY-MM`` of the month holding a day number."""
    y, m, _ = civil_from_days(days)
    return f"{y:04d}-{m:02d}"


def last_day_of_month(days: int) -> int:
    """Return the day number of the last day of the month holding ``days``."""
    y, m, _ = civil_from_days(days)
    return days_from_civil(y + m // 12, m % 12 + 1, 1) - 1
