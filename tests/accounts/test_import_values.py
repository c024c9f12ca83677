"""Cell parsers: amounts, headcounts, dates and yes/no values as exports write them."""

from datetime import datetime
from decimal import Decimal

import pytest

from accounts.importing.reading import UnreadableFile, decode, read_table
from accounts.importing.values import (
    DAY_FIRST,
    MONTH_FIRST,
    InvalidValue,
    infer_day_month_order,
    is_missing,
    parse_boolean,
    parse_datetime,
    parse_employee_count,
    parse_money,
)


@pytest.mark.parametrize(("text", "amount", "currency"), [
    ("$1,200,000", Decimal("1200000"), "USD"),
    ("1.2M", Decimal("1200000"), None),
    ("€5m", Decimal("5000000"), "EUR"),
    ("5 000", Decimal("5000"), None),
    ("$648,125,000 ", Decimal("648125000"), "USD"),
    ("EUR 5,000.50", Decimal("5000.50"), "EUR"),
    ("3.5bn USD", Decimal("3500000000"), "USD"),
    ("£250k", Decimal("250000"), "GBP"),
    ("(300)", Decimal("-300"), None),
])
def test_money_formats(text, amount, currency):
    parsed, parsed_currency, _ = parse_money(text)

    assert parsed == amount
    assert parsed_currency == currency


def test_money_european_format():
    assert parse_money("1.200.000,50", decimal_comma=True)[0] == Decimal("1200000.50")
    assert parse_money("5 000,5", decimal_comma=True)[0] == Decimal("5000.5")


@pytest.mark.parametrize(("text", "fragment"), [
    ("1.200.000,50", "European number format"),
    ("12%", "percentage"),
    ("abc", "not a number"),
    ("5 apples", "'apples' is not a known unit"),
])
def test_money_rejects_with_reason(text, fragment):
    with pytest.raises(InvalidValue, match=fragment):
        parse_money(text)


def test_suffix_is_reported():
    assert parse_money("1.2M")[2] is True
    assert parse_money("1200000")[2] is False


@pytest.mark.parametrize(("text", "count", "band"), [
    ("51-200", 125, "51-200"),
    ("51 - 200", 125, "51-200"),
    ("1-10 employees", 5, "1-10"),
    ("10,001+", 10001, "10001+"),
    ("2,822", 2822, "1001-5000"),
    ("5k", 5000, "1001-5000"),
])
def test_employee_counts_and_ranges(text, count, band):
    parsed_count, parsed_band, _ = parse_employee_count(text)

    assert parsed_count == count
    assert parsed_band == band


@pytest.mark.parametrize("text", ["200-51", "12.5", "many", "-4"])
def test_employee_count_rejects(text):
    with pytest.raises(InvalidValue):
        parse_employee_count(text)


@pytest.mark.parametrize("text", ["", "  ", "N/A", "n/a", "-", "null", "NULL", "#N/A"])
def test_missing_markers(text):
    assert is_missing(text)


@pytest.mark.parametrize("text", ["NA", "0", "none", "No"])
def test_values_that_are_not_missing(text):
    # "NA" is Namibia's country code, and 0 or No are values.
    assert not is_missing(text)


@pytest.mark.parametrize(("text", "value"), [
    ("Yes", True), ("no", False), ("TRUE", True), ("false", False), ("1", True), ("0", False), ("Y", True),
])
def test_booleans(text, value):
    assert parse_boolean(text) is value


def test_boolean_rejects_other_words():
    with pytest.raises(InvalidValue, match="Yes, No, True, False, 1 or 0"):
        parse_boolean("maybe")


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-03-05", datetime(2024, 3, 5)),
    ("2024/03/05", datetime(2024, 3, 5)),
    ("13/04/2024", datetime(2024, 4, 13)),
    ("04/13/2024", datetime(2024, 4, 13)),
    ("03.04.2024", datetime(2024, 4, 3)),
    ("Mar 5, 2024", datetime(2024, 3, 5)),
    ("5 March 2024", datetime(2024, 3, 5)),
    ("05/05/2024", datetime(2024, 5, 5)),
    ("2024-03-05 14:30:00", datetime(2024, 3, 5, 14, 30)),
])
def test_dates_readable_one_way(text, expected):
    assert parse_datetime(text) == expected


def test_ambiguous_date_is_rejected_not_swapped():
    with pytest.raises(InvalidValue, match="ambiguous"):
        parse_datetime("03/04/2024")


def test_ambiguous_date_follows_column_order():
    assert parse_datetime("03/04/2024", order=DAY_FIRST) == datetime(2024, 4, 3)
    assert parse_datetime("03/04/2024", order=MONTH_FIRST) == datetime(2024, 3, 4)


def test_date_format_option():
    assert parse_datetime("03/04/2024", date_format="%d/%m/%Y") == datetime(2024, 4, 3)
    with pytest.raises(InvalidValue, match="does not match the date format"):
        parse_datetime("2024-04-03", date_format="%d/%m/%Y")


def test_day_month_order_inference():
    assert infer_day_month_order(["03/04/2024", "25/04/2024"]) == (DAY_FIRST, "25/04/2024")
    assert infer_day_month_order(["03/04/2024", "04/25/2024"]) == (MONTH_FIRST, "04/25/2024")
    assert infer_day_month_order(["03/04/2024"]) == (None, None)
    # Contradicting evidence settles nothing.
    assert infer_day_month_order(["25/04/2024", "04/25/2024"]) == (None, None)


def test_invalid_calendar_date():
    with pytest.raises(InvalidValue, match="not a valid date"):
        parse_datetime("31/02/2024")


@pytest.mark.parametrize(("content", "encoding"), [
    ("name\nEstée\n".encode("utf-8-sig"), "utf-8-sig"),
    ("name\nEstée\n".encode("utf-8"), "utf-8"),
    ("name\nEstée\n".encode("utf-16"), "utf-16"),
    ("name\nEstée\n".encode("utf-16-le"), "utf-16-le"),
    ("name\nEstée – €\n".encode("cp1252"), "cp1252"),
])
def test_encodings_detected(content, encoding):
    text, detected = decode(content)

    assert detected == encoding
    assert "Estée" in text


def test_explicit_wrong_encoding_is_an_error():
    with pytest.raises(UnreadableFile, match="not valid utf-8"):
        decode("Estée".encode("cp1252"), encoding="utf-8")


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters_detected(delimiter):
    content = delimiter.join(["name", "domain"]).encode() + b"\n" + delimiter.join(["Acme", "acme.com"]).encode()

    table = read_table(content)

    assert table.delimiter == delimiter
    assert table.frame.to_dict("records") == [{"name": "Acme", "domain": "acme.com"}]


def test_quoted_newlines_keep_line_numbers():
    content = b'name,notes\nAcme,"first line\nsecond line"\nGlobex,plain\n'

    table = read_table(content)

    assert table.frame["notes"].tolist() == ["first line\nsecond line", "plain"]
    assert table.lines.tolist() == [2, 4]


def test_row_with_extra_fields_is_set_aside():
    table = read_table(b"name,domain\nAcme,acme.com,oops\nGlobex,globex.com\n")

    assert table.frame["name"].tolist() == ["Globex"]
    assert [(bad.line, bad.field_count) for bad in table.bad_records] == [(2, 3)]


@pytest.mark.parametrize(("content", "fragment"), [
    (b"", "empty"),
    (b'name,notes\nAcme,"never closed\n', "never closed"),
    (b"name,name\nAcme,Acme\n", "repeats a column name"),
])
def test_unreadable_files(content, fragment):
    with pytest.raises(UnreadableFile, match=fragment):
        read_table(content)


DOMAIN_CASES = [
    "https://WWW.Acme.com/about", "http://user:pw@acme.io:8080/x", "www.x.co.uk", "acme.com.", "  Foo.COM ",
    "https://www.wwwx.com", "ftp://files.acme.com", "acme.com?x=1", "acme.com#top", "www.acme.com", "acme.com",
    "sub.acme.com:443", "", "not a domain",
]


def test_column_domains_match_single_domains():
    import pandas as pd

    from accounts.domains import normalize_domain
    from accounts.importing.frames import normalize_domains

    column = normalize_domains(pd.Series(DOMAIN_CASES, dtype=object)).tolist()

    for text, normalized in zip(DOMAIN_CASES, column):
        assert normalized == (normalize_domain(text) or None), text
