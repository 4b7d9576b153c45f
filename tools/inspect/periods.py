"""Periods, months, fiscal years and training mode, followed in journal order (SPEC §4.1).

- A period opens with the cash float (JET 171) only when none is open; its
  business date is the float's local date. TICKET, FACTURE, DUPLICATA
  and NOTE are recorded only in an open period, before 06:00 local the
  next day.
- A day closure (GT_PERIODE) needs an open period and names its date; a
  month closure (GT_MOIS) needs the day closed, a day closure since the
  last one, and the month over (or its last day); a fiscal-year closure
  (GT_EXERCICE) likewise with months. A period cannot open in a new month
  (fiscal year) while the previous one is not closed.
- A FORMATION ticket only between JET 100 and JET 105, a TICKET never there.

The state only moves on trusted records (decoded, signature valid). After
anything that cannot be trusted (an altered, unreadable or missing record)
the state is *unknown* (None) until a trusted record settles it again: a
float or a day closure for the period, JET 100 / 105 for training mode, a
month (year) closure for the days (months) pending. Nothing is blamed on a
record while the state it depends on is unknown.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from tools.inspect.model import (
    DAY_END_HOUR,
    DOC_GT_MONTH,
    DOC_GT_PERIOD,
    DOC_TICKET,
    DOC_TRAINING,
    JET_CASH_FLOAT,
    JET_TRAINING_OFF,
    JET_TRAINING_ON,
    ClosureBody,
    Record,
)

EPOCH = date(1970, 1, 1)
DAY = 86400
MONTH_LABEL = re.compile(r"(\d{4})-(\d{2})")
YEAR_LABEL = re.compile(r"FY(\d{4})-(\d{2})")


def local_day(record: Record) -> int:
    """Return the local calendar day of a record (days since 1970-01-01)."""
    return record.local_seconds // DAY


def day_text(day: int) -> str:
    """Return a day number as ``JJ/MM/AAAA`` (or the number if out of the calendar)."""
    try:
        return f"{EPOCH + timedelta(days=day):%d/%m/%Y}"
    except OverflowError:
        return f"jour {day}"


def day_label(day: int) -> str:
    """Return a day number as ``AAAA-MM-JJ``, the label of a day closure."""
    try:
        return (EPOCH + timedelta(days=day)).isoformat()
    except OverflowError:
        return f"jour {day}"


def parse_month(label: str) -> tuple[int, int] | None:
    """Return (year, month) of ``AAAA-MM`` (also the start of ``AAAA-MM-JJ``), None if not one."""
    found = MONTH_LABEL.match(label)
    if found is None or not 1 <= int(found[2]) <= 12:
        return None
    return int(found[1]), int(found[2])


def parse_fiscal_year(label: str) -> tuple[int, int] | None:
    """Return (year, start month) of ``FYAAAA-MM``, None if the label is not one."""
    found = YEAR_LABEL.fullmatch(label)
    if found is None or not 1 <= int(found[2]) <= 12:
        return None
    return int(found[1]), int(found[2])


def month_index(year: int, month: int) -> int:
    """Return a month as a count of months, so that months compare and subtract."""
    return year * 12 + month - 1


def last_day(index: int) -> int:
    """Return the day number of the last day of the month ``index`` (see month_index)."""
    year, month = divmod(index + 1, 12)
    try:
        return (date(year, month + 1, 1) - EPOCH).days - 1
    except ValueError:  # beyond year 9999
        return (date.max - EPOCH).days


def fiscal_year_of(index: int, start_month: int) -> str:
    """Return ``FYAAAA-MM``, the label of the fiscal year holding month ``index``."""
    year = (index - (start_month - 1)) // 12
    return f"FY{year:04d}-{start_month:02d}"


def month_of_day(day: int) -> int:
    """Return the month index (see month_index) of a day number."""
    try:
        d = EPOCH + timedelta(days=day)
    except OverflowError:  # beyond year 9999: reported with the record's own content
        d = date.max
    return month_index(d.year, d.month)


class Periods:
    """The period, month, fiscal-year and training state, and the rules that depend on it."""

    def __init__(self, start_month: int) -> None:
        self.start_month = start_month
        self.open: bool | None = False
        self.business_day: int | None = None
        self.training: bool | None = False
        self.days: list[ClosureBody] | None = []  # day closures since the last month closure
        self.months: list[ClosureBody] | None = []  # month closures since the last year closure

    def lose(self) -> None:
        """Forget what an untrusted or missing record may have changed."""
        self.open, self.business_day, self.training = None, None, None
        self.days, self.months = None, None

    def document(self, record: Record) -> list[str]:
        """Return the problems of a TICKET, FACTURE, DUPLICATA or NOTE with the open period."""
        if self.open is False:
            return ["hors période ouverte (pas de fond de caisse depuis la dernière clôture)"]
        if self.open and self.business_day is not None:
            deadline = (self.business_day + 1) * DAY + DAY_END_HOUR * 3600
            if record.local_seconds >= deadline:
                return [
                    f"enregistré le {day_text(local_day(record))} après la fin de la journée "
                    f"du {day_text(self.business_day)} ({DAY_END_HOUR:02d}:00 le lendemain)"
                ]
        return []

    def admits_sales(self, latest: int) -> bool:
        """True when sales up to local time ``latest`` (seconds) raise no problem here, as
        ``document`` and ``ticket`` would say of each: a period open and not over, no training."""
        if self.open is False or self.training:
            return False
        if self.open and self.business_day is not None:
            return latest < (self.business_day + 1) * DAY + DAY_END_HOUR * 3600
        return True

    def ticket(self, record: Record) -> list[str]:
        """Return the problems of a TICKET or FORMATION ticket with training mode."""
        if record.doc_type == DOC_TICKET and self.training:
            return ["ticket réel en mode formation (entre JET 100 et JET 105)"]
        if record.doc_type == DOC_TRAINING and self.training is False:
            return ["ticket de formation hors du mode formation (JET 100 … JET 105)"]
        return []

    def jet(self, record: Record, code: int) -> list[str]:
        """Return the problems of a JET line with the state (float, training mode)."""
        if code == JET_TRAINING_ON and self.training:
            return ["mode formation activé alors qu'il l'est déjà"]
        if code == JET_TRAINING_OFF and self.training is False:
            return ["fin du mode formation alors qu'il n'est pas actif"]
        if code != JET_CASH_FLOAT:
            return []
        if self.open:
            since = f" (journée du {day_text(self.business_day)})" if self.business_day else ""
            return [f"fond de caisse alors qu'une période est ouverte{since}"]
        today = month_of_day(local_day(record))
        pending = self._pending_month()
        if pending is not None and pending != today:
            return [
                f"ouverture en {_month(today)} alors que le mois {_month(pending)} n'est pas clos"
            ]
        if self.months:
            parsed = parse_month(self.months[0].label)
            year = fiscal_year_of(month_index(*parsed), self.start_month) if parsed else None
            if year is not None and year != fiscal_year_of(today, self.start_month):
                return [f"ouverture en {_month(today)} alors que l'exercice {year} n'est pas clos"]
        return []

    def closure(self, record: Record, body: ClosureBody) -> list[str]:
        """Return the problems of a closure with the periods it closes (label, timing)."""
        if record.doc_type == DOC_GT_PERIOD:
            if self.open is False:
                return ["clôture journalière sans période ouverte"]
            expected = day_label(self.business_day) if self.business_day is not None else None
            if self.open and expected is not None and body.label != expected:
                return [f"période « {body.label} » au lieu de « {expected} »"]
            return []
        problems = ["clôture avec une période ouverte"] if self.open else []
        today = local_day(record)
        if record.doc_type == DOC_GT_MONTH:
            return problems + self._month(body.label, today)
        return problems + self._year(body.label, today)

    def _month(self, label: str, today: int) -> list[str]:
        parsed = parse_month(label)
        if parsed is None or len(label) != 7:
            return []  # reported with the record's own content
        index = month_index(*parsed)
        problems = []
        if self.days == []:
            problems.append("aucune clôture journalière depuis la clôture mensuelle précédente")
        pending = self._pending_month()
        if pending is not None and pending != index:
            problems.append(f"période « {label} » au lieu de « {_month(pending)} »")
        if today < last_day(index):
            problems.append(f"mois {label} pas terminé le {day_text(today)}")
        return problems

    def _year(self, label: str, today: int) -> list[str]:
        parsed = parse_fiscal_year(label)
        if parsed is None:
            return []  # reported with the record's own content
        first = month_index(*parsed)
        problems = []
        if parsed[1] != self.start_month:
            problems.append(
                f"exercice commençant au mois {parsed[1]} au lieu de {self.start_month}"
            )
        if self.days:
            problems.append(f"mois {self.days[0].label[:7]} non clos avant l'exercice")
        if self.months == []:
            problems.append("aucune clôture mensuelle depuis la clôture d'exercice précédente")
        for month in self.months or []:
            found = parse_month(month.label)
            if found is not None and not first <= month_index(*found) < first + 12:
                problems.append(f"mois {month.label} hors de l'exercice {label}")
        if today < last_day(first + 11):
            problems.append(f"exercice {label} pas terminé le {day_text(today)}")
        return problems

    def _pending_month(self) -> int | None:
        """Return the month of the day closures not yet closed by a month closure, if known."""
        if not self.days:
            return None
        parsed = parse_month(self.days[0].label)
        return month_index(*parsed) if parsed else None

    def apply(self, record: Record, body: ClosureBody | None, code: int | None) -> None:
        """Move the state past a trusted record (a JET ``code``, or a closure ``body``)."""
        if code == JET_CASH_FLOAT:
            self.open, self.business_day = True, local_day(record)
        elif code in (JET_TRAINING_ON, JET_TRAINING_OFF):
            self.training = code == JET_TRAINING_ON
        elif body is not None and record.doc_type == DOC_GT_PERIOD:
            self.open, self.business_day = False, None
            if self.days is not None:
                self.days.append(body)
        elif body is not None and record.doc_type == DOC_GT_MONTH:
            self.days = []
            if self.months is not None:
                self.months.append(body)
        elif body is not None:
            self.months = []


def _month(index: int) -> str:
    year, month = divmod(index, 12)
    return f"{year:04d}-{month + 1:02d}"
