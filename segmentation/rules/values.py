"""Parsing of condition values, shared by validation and the compiler.

The reference evaluator keeps its own copies of these rules on purpose, so
that a mistake here shows up as a disagreement in the property tests.
"""

import math
import re
from datetime import date

# The characters a text comparison strips from both ends: ASCII white space,
# as Python's str.strip() and SQL TRIM with an explicit character list agree on.
WHITESPACE = " \t\n\r\x0b\x0c"

DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TODAY = "today"

# Values beyond this size are rejected so that every database compares them
# exactly: 10^15 keeps money within 18 digits with 2 decimals, and integers
# and floats alike stay exact in a double.
MAX_ABS_NUMBER = 10**15


def normalize_text(value):
    """Return value without surrounding white space, in lower case."""
    return value.strip(WHITESPACE).lower()


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def number_in_range(value):
    return abs(value) <= MAX_ABS_NUMBER


def parse_date(value):
    """Return the calendar date a YYYY-MM-DD string names, or None when it names none."""
    if not isinstance(value, str) or not DATE_PATTERN.match(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def is_date_value(value):
    return value == TODAY or parse_date(value) is not None


def resolve_date(value, today):
    """Return the calendar date of a validated date value, with "today" as today."""
    if value == TODAY:
        return today
    return parse_date(value)
