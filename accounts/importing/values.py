"""Parsing of single cell values as CRM exports write them.

Every parser takes the cell text and returns a Python value, or raises
InvalidValue with a reason a RevOps user can act on. Missing markers are
handled before these parsers run (see is_missing).
"""

import re
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

import pycountry
from dateutil import parser as dateutil_parser

from accounts.models import employee_band_for

MISSING_MARKERS = frozenset({"", "n/a", "#n/a", "-", "--", "null", "nil", "(blank)", "(none)"})
# The maximum length of a cell that can be a missing marker: the longest marker plus surrounding spaces.
MISSING_MARKER_LENGTH = 12


class InvalidValue(ValueError):
    """A cell value that cannot be read; the message is the reason shown in the reject report."""


def is_missing(text):
    return text is None or str(text).strip().lower() in MISSING_MARKERS


# Currency symbols as they appear beside amounts. "$" alone is read as US
# dollars; files in another dollar currency need a currency column or code.
CURRENCY_SYMBOLS = {
    "US$": "USD", "CA$": "CAD", "C$": "CAD", "A$": "AUD", "AU$": "AUD", "NZ$": "NZD", "HK$": "HKD",
    "S$": "SGD", "R$": "BRL", "$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "₩": "KRW",
    "₽": "RUB", "₺": "TRY", "₪": "ILS", "₫": "VND", "zł": "PLN", "kr": "SEK", "Fr.": "CHF",
}
_SYMBOLS_LONGEST_FIRST = sorted(CURRENCY_SYMBOLS, key=len, reverse=True)
MULTIPLIERS = {
    "k": Decimal(1_000), "thousand": Decimal(1_000),
    "m": Decimal(1_000_000), "mm": Decimal(1_000_000), "mn": Decimal(1_000_000), "mio": Decimal(1_000_000),
    "million": Decimal(1_000_000), "millions": Decimal(1_000_000),
    "b": Decimal(1_000_000_000), "bn": Decimal(1_000_000_000), "billion": Decimal(1_000_000_000),
}
UNITS = {"dollars": Decimal(1), "units": Decimal(1), "thousands": Decimal(1_000), "millions": Decimal(1_000_000),
         "billions": Decimal(1_000_000_000)}
_SPACES = re.compile(r"[\s\u00a0\u202f']+")
_US_NUMBER = re.compile(r"^(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$|^\.\d+$")
_EU_NUMBER = re.compile(r"^(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$|^,\d+$")
_PLAIN_US_AMOUNT = re.compile(r"^\$?(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)$")
_GROUPED_WHOLE_NUMBER = re.compile(r"^\d{1,3}(?:,\d{3})+$")
_SUFFIX = re.compile(r"^(?P<number>.*?\d)\s*(?P<suffix>[a-z]+)\.?$", re.IGNORECASE)


def is_currency_code(code):
    return len(code) == 3 and code.isalpha() and code.isupper() and pycountry.currencies.get(alpha_3=code) is not None


def _split_currency(text):
    """Remove a currency symbol or ISO code before or after the amount; return (rest, currency)."""
    for symbol in _SYMBOLS_LONGEST_FIRST:
        if text.startswith(symbol):
            return text[len(symbol):].strip(), CURRENCY_SYMBOLS[symbol]
        if text.endswith(symbol) and not symbol.isalpha():
            return text[: -len(symbol)].strip(), CURRENCY_SYMBOLS[symbol]
    leading = re.match(r"^([A-Za-z]{3})\s*(\S.*)$", text)
    if leading and is_currency_code(leading.group(1).upper()):
        return leading.group(2), leading.group(1).upper()
    trailing = re.match(r"^(.*\S)\s*([A-Za-z]{3})$", text)
    if trailing and is_currency_code(trailing.group(2).upper()):
        return trailing.group(1), trailing.group(2).upper()
    return text, None


def _plain_number(text, *, decimal_comma):
    """Read digits with thousands separators in the US or the European convention."""
    compact = _SPACES.sub("", text)
    if decimal_comma:
        if not _EU_NUMBER.match(compact):
            raise InvalidValue(f"'{text}' is not a number in the European format (1.200.000,50).")
        return Decimal(compact.replace(".", "").replace(",", "."))
    if not _US_NUMBER.match(compact):
        if _EU_NUMBER.match(compact):
            raise InvalidValue(
                f"'{text}' is not a number in the US format (1,200,000.50); "
                "if commas mark decimals in this file, import it with the European number format."
            )
        raise InvalidValue(f"'{text}' is not a number.")
    return Decimal(compact.replace(",", ""))


def parse_number(text, *, decimal_comma=False, allow_suffix=True):
    """Read "1,200", "5 000", "1.2M", "(300)" or "-4.5"; return a Decimal."""
    value, _, _ = parse_money(text, decimal_comma=decimal_comma, allow_currency=False, allow_suffix=allow_suffix)
    return value


def parse_money(text, *, decimal_comma=False, allow_currency=True, allow_suffix=True):
    """Read an amount such as "$1,200,000", "€5m" or "1.200.000,50 EUR".

    Returns (Decimal amount, currency code or None when the text names none,
    whether a suffix such as k, M or bn multiplied the amount).
    """
    original = str(text).strip()
    if not decimal_comma:
        plain = _PLAIN_US_AMOUNT.match(original)
        if plain:
            # The common case, "$1,200,000" or "1200000.50", without the general parser.
            currency = "USD" if original.startswith("$") else None
            return Decimal(plain.group("number").replace(",", "")), currency, False
    body = original
    negative = False
    if body.startswith("(") and body.endswith(")"):
        negative, body = True, body[1:-1].strip()
    if body.startswith("-"):
        negative, body = not negative, body[1:].strip()
    if body.endswith("%"):
        raise InvalidValue(f"'{original}' is a percentage, not an amount.")

    currency = None
    if allow_currency:
        body, currency = _split_currency(body)
        if body.startswith("-"):
            negative, body = not negative, body[1:].strip()
    multiplier = Decimal(1)
    suffix_match = _SUFFIX.match(body)
    if suffix_match:
        suffix = suffix_match.group("suffix").lower()
        if not allow_suffix or suffix not in MULTIPLIERS:
            raise InvalidValue(f"'{original}' is not a number: '{suffix_match.group('suffix')}' is not a known unit.")
        multiplier, body = MULTIPLIERS[suffix], suffix_match.group("number").strip()
    if not body:
        raise InvalidValue(f"'{original}' is not a number.")
    try:
        value = _plain_number(body, decimal_comma=decimal_comma) * multiplier
    except InvalidOperation:
        raise InvalidValue(f"'{original}' is not a number.") from None
    except InvalidValue as error:
        if body == original:
            raise
        raise InvalidValue(f"'{original}' is not an amount: {error}") from None
    return (-value if negative else value), currency, suffix_match is not None


_RANGE = re.compile(r"^(?P<low>[\d.,\s]+[kK]?)\s*(?:-|–|—|to)\s*(?P<high>[\d.,\s]+[kK]?)(?:\s*employees)?$")
_OPEN_RANGE = re.compile(r"^(?:(?P<low>[\d.,\s]+[kK]?)\s*\+|(?:over|more than)\s+(?P<over>[\d.,\s]+[kK]?))(?:\s*employees)?$",
                         re.IGNORECASE)


def _whole_number(text, original):
    value = parse_number(text)
    if value != value.to_integral_value():
        raise InvalidValue(f"'{original}' is not a whole number of employees.")
    if value < 0:
        raise InvalidValue(f"'{original}' is negative; a headcount cannot be.")
    return int(value)


def parse_employee_count(text):
    """Read a headcount or a range such as "51-200" or "10,001+".

    Returns (count, band, range_text): a range gives its midpoint (an open
    range its lower bound) as the count, and range_text is the range as typed
    or None for a plain number. The band is always employee_band_for(count).
    """
    original = str(text).strip()
    if original.isdigit() or _GROUPED_WHOLE_NUMBER.match(original):
        count = int(original.replace(",", ""))
        return count, employee_band_for(count), None
    match = _RANGE.match(original)
    if match:
        low = _whole_number(match.group("low"), original)
        high = _whole_number(match.group("high"), original)
        if low > high:
            raise InvalidValue(f"'{original}' is a range whose lower bound is above its upper bound.")
        count = (low + high) // 2
        return count, employee_band_for(count), original
    match = _OPEN_RANGE.match(original)
    if match:
        count = _whole_number(match.group("low") or match.group("over"), original)
        return count, employee_band_for(count), original
    count = _whole_number(original, original)
    return count, employee_band_for(count), None


BOOLEAN_WORDS = {
    "yes": True, "y": True, "true": True, "t": True, "1": True, "x": True,
    "no": False, "n": False, "false": False, "f": False, "0": False,
}


def parse_boolean(text):
    word = str(text).strip().lower()
    if word not in BOOLEAN_WORDS:
        raise InvalidValue(f"'{text}' is not a yes/no value; use Yes, No, True, False, 1 or 0.")
    return BOOLEAN_WORDS[word]


# Dates whose day and month are both numbers: 03/04/2024, 3-4-2024, 03.04.24.
_NUMERIC_DATE = re.compile(
    r"^(?P<first>\d{1,2})(?P<sep>[/.-])(?P<second>\d{1,2})(?P=sep)(?P<year>\d{4}|\d{2})"
    r"(?:[ T](?P<time>\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[AaPp][Mm])?))?$"
)
_ISO_DATE = re.compile(r"^\d{4}[-/]\d{1,2}[-/]\d{1,2}([ T].*)?$")

DAY_FIRST = "day_first"
MONTH_FIRST = "month_first"


def _numeric_date_parts(text):
    match = _NUMERIC_DATE.match(text)
    if not match:
        return None
    return int(match.group("first")), int(match.group("second")), match


def infer_day_month_order(values):
    """Decide whether numeric dates in one column put the day or the month first.

    Returns (order, evidence): order is DAY_FIRST or MONTH_FIRST when some value
    can only be read one way and none contradicts it, else None. Dates with dots
    (03.04.2024) are day first by convention and give no evidence either way.
    """
    day_first_example = month_first_example = None
    for text in values:
        parts = _numeric_date_parts(text)
        if parts is None or parts[2].group("sep") == ".":
            continue
        first, second, _ = parts
        if first > 12 and second <= 12 and day_first_example is None:
            day_first_example = text
        elif second > 12 and first <= 12 and month_first_example is None:
            month_first_example = text
    if day_first_example and not month_first_example:
        return DAY_FIRST, day_first_example
    if month_first_example and not day_first_example:
        return MONTH_FIRST, month_first_example
    return None, None


def _expand_year(year_text):
    year = int(year_text)
    if len(year_text) == 2:
        year += 2000 if year < 70 else 1900
    return year


def parse_datetime(text, *, date_format=None, order=None):
    """Read a date or date-time; returns a naive datetime (time 00:00 for a bare date).

    With date_format, the text must match that strptime format exactly. Without
    it, ISO dates, dates with month names and numeric dates are read. A numeric
    date such as 03/04/2024 that could be either day or month first is read
    only when `order` (from infer_day_month_order) settles it. Otherwise it is
    rejected, so day and month are never swapped without a reason.
    """
    original = str(text).strip()
    if date_format:
        try:
            return datetime.strptime(original, date_format)
        except ValueError:
            raise InvalidValue(f"'{original}' does not match the date format {date_format}.") from None

    parts = _numeric_date_parts(original)
    if parts is not None:
        first, second, match = parts
        if match.group("sep") == ".":
            day, month = first, second
        elif first > 12 or (order == DAY_FIRST and second <= 12):
            day, month = first, second
        elif second > 12 or order == MONTH_FIRST or first == second:
            day, month = second, first
        else:
            raise InvalidValue(
                f"'{original}' is ambiguous: it could be {first}/{second} as day/month or as month/day. "
                "Give the date format, such as %d/%m/%Y or %m/%d/%Y."
            )
        try:
            moment = time.fromisoformat(_normalize_time(match.group("time"))) if match.group("time") else time()
            return datetime.combine(date(_expand_year(match.group("year")), month, day), moment)
        except ValueError:
            raise InvalidValue(f"'{original}' is not a valid date.") from None

    if _ISO_DATE.match(original):
        try:
            return datetime.fromisoformat(original.replace("/", "-"))
        except ValueError:
            pass
    if not re.search(r"[A-Za-z]{3}", original) or not re.search(r"\d", original):
        raise InvalidValue(f"'{original}' is not a date; use YYYY-MM-DD or give the date format.")
    try:
        # Month names make the order clear: "5 March 2024", "Mar 5, 2024".
        return dateutil_parser.parse(original, default=datetime(2000, 1, 1))
    except (ValueError, OverflowError):
        raise InvalidValue(f"'{original}' is not a date; use YYYY-MM-DD or give the date format.") from None


def _normalize_time(text):
    """Turn "2:05 PM" into "14:05" for time.fromisoformat."""
    text = text.strip()
    suffix = text[-2:].lower()
    if suffix not in ("am", "pm"):
        return text.zfill(5) if len(text.split(":")[0]) == 1 else text
    clock = text[:-2].strip()
    hours, rest = clock.split(":", 1)
    hours = int(hours) % 12 + (12 if suffix == "pm" else 0)
    return f"{hours:02d}:{rest}"
