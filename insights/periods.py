"""KPI periods: calendar days, months, quarters, years or date ranges in settings.TIME_ZONE."""

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

PERIOD_FORMATS = "YYYY, YYYY-Qn, YYYY-MM, YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD"
MAX_PERIOD_DAYS = 366 * 10
# Years a period may fall in; the bounds keep the month before and the day after inside Python's dates.
FIRST_YEAR, LAST_YEAR = 1900, 2999


class PeriodError(ValueError):
    """A period that cannot be parsed; the message names the value and the accepted forms."""


@dataclass(frozen=True)
class Period:
    """An inclusive range of calendar dates in the configured time zone."""

    start: date
    end: date
    label: str

    @property
    def key(self):
        """The string that parses back to this period."""
        return self.label

    @property
    def start_at(self):
        """The first instant of the period: midnight at the start, in the configured time zone."""
        return local_midnight(self.start)

    @property
    def end_before(self):
        """The first instant after the period: midnight after its last day."""
        return local_midnight(self.end + timedelta(days=1))

    @property
    def first_month(self):
        return self.start.replace(day=1)

    @property
    def last_month(self):
        return self.end.replace(day=1)

    @property
    def month_before(self):
        """The month whose closing ARR is the period's opening ARR."""
        return (self.first_month - timedelta(days=1)).replace(day=1)

    @property
    def days(self):
        return (self.end - self.start).days + 1

    def previous(self):
        """Return the period of the same length that ends the day before this one starts."""
        end = self.start - timedelta(days=1)
        start = end - timedelta(days=self.days - 1)
        return Period(start, end, f"{start.isoformat()}..{end.isoformat()}")


def local_midnight(day):
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def local_today(now=None):
    return timezone.localdate(now or timezone.now())


def month_period(year, month):
    last = calendar.monthrange(year, month)[1]
    return Period(date(year, month, 1), date(year, month, last), f"{year:04d}-{month:02d}")


def quarter_period(year, quarter):
    first_month = 3 * (quarter - 1) + 1
    last_month = first_month + 2
    last = calendar.monthrange(year, last_month)[1]
    return Period(date(year, first_month, 1), date(year, last_month, last), f"{year:04d}-Q{quarter}")


def trailing_days(end, days):
    """Return the `days` calendar days ending on `end`, both included."""
    start = end - timedelta(days=days - 1)
    return Period(start, end, f"{start.isoformat()}..{end.isoformat()}")


def parse_period(value, *, today=None):
    """Parse a period string such as 2024, 2024-Q1, 2024-03, 2024-03-05 or 2024-01-01..2024-02-15.

    An empty value means the current calendar month.
    """
    text = (value or "").strip()
    if not text:
        today = today or local_today()
        return month_period(today.year, today.month)
    try:
        period = _parse_period_text(text)
    except ValueError as error:
        if isinstance(error, PeriodError):
            raise
        raise PeriodError(f"Invalid period {value!r}: {error}. Use {PERIOD_FORMATS}.") from error
    if period.start.year < FIRST_YEAR or period.end.year > LAST_YEAR:
        raise PeriodError(f"Invalid period {value!r}: use years from {FIRST_YEAR} to {LAST_YEAR}.")
    return period


def _parse_period_text(text):
    if match := re.fullmatch(r"(\d{4})", text):
        year = int(match[1])
        return Period(date(year, 1, 1), date(year, 12, 31), f"{year:04d}")
    if match := re.fullmatch(r"(\d{4})-[Qq]([1-4])", text):
        return quarter_period(int(match[1]), int(match[2]))
    if match := re.fullmatch(r"(\d{4})-(\d{2})", text):
        return month_period(int(match[1]), _month_number(match[2]))
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        day = date.fromisoformat(text)
        return Period(day, day, day.isoformat())
    if match := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})", text):
        start, end = date.fromisoformat(match[1]), date.fromisoformat(match[2])
        if end < start:
            raise PeriodError(f"Invalid period {text!r}: it ends before it starts. Put the earlier date first.")
        if (end - start).days >= MAX_PERIOD_DAYS:
            raise PeriodError(f"Invalid period {text!r}: it is longer than ten years. Choose a shorter range.")
        return Period(start, end, f"{start.isoformat()}..{end.isoformat()}")
    raise ValueError("not a recognized form")


def _month_number(text):
    month = int(text)
    if not 1 <= month <= 12:
        raise ValueError(f"month {month} is not from 01 to 12")
    return month
