"""Decoding an uploaded file and reading it into a DataFrame of strings."""

import codecs
import csv
import io
import warnings
from dataclasses import dataclass

import pandas as pd

DELIMITERS = [",", ";", "\t", "|"]
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


class UnreadableFile(ValueError):
    """The file as a whole cannot be read. The message gives the reason and the fix."""


@dataclass
class ReadResult:
    frame: pd.DataFrame
    """One column per file column, every cell a string ("" when empty)."""
    lines: pd.Series
    """The file line where each row starts, counting the header as line 1."""
    encoding: str
    delimiter: str
    bad_records: list
    """Records skipped because they have more fields than the header."""


def decode(content, *, encoding=None):
    """Decode file bytes: UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252.

    Returns (text, encoding name). An explicit encoding is used as given.
    """
    if encoding:
        try:
            return content.decode(encoding), encoding
        except LookupError:
            raise UnreadableFile(f"Unknown encoding '{encoding}'; use a name such as utf-8 or cp1252.") from None
        except UnicodeDecodeError as error:
            raise UnreadableFile(
                f"The file is not valid {encoding}: byte {error.start} cannot be decoded. "
                "Leave the encoding out to detect it."
            ) from None
    if content.startswith(codecs.BOM_UTF8):
        return content[len(codecs.BOM_UTF8):].decode("utf-8", errors="strict"), "utf-8-sig"
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return content.decode("utf-16"), "utf-16"
    sample = content[:4096]
    if sample and sample.count(b"\x00") > len(sample) // 4:
        # UTF-16 without a BOM: ASCII text has a zero byte beside every character.
        big_endian = sample[0:1] == b"\x00"
        name = "utf-16-be" if big_endian else "utf-16-le"
        return content.decode(name), name
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Windows-1252 leaves five bytes undefined; Latin-1 reads those as control characters.
    try:
        return content.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return content.decode("latin-1"), "latin-1"


def detect_delimiter(text):
    """Pick the delimiter that splits the header line into the most columns."""
    header = next(csv.reader(io.StringIO(text[:65536]), delimiter="\x1f"), [""])
    header_line = header[0] if header else ""
    counts = {delimiter: header_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


@dataclass
class BadRecord:
    """A record with more fields than the header."""

    line: int
    field_count: int


def _split_records(text, delimiter):
    """Split text into records with the csv module, which keeps the line each record starts on.

    Returns (header, rows, start lines, bad records). A quoted field may span lines.
    """
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = None
    rows, starts, bad = [], [], []
    previous_end = 0
    for record in reader:
        start, previous_end = previous_end + 1, reader.line_num
        if not record or (len(record) == 1 and not record[0].strip()):
            continue
        if header is None:
            header = record
            continue
        if len(record) != len(header):
            # A short row padded with blanks is common in hand-edited files; a long one loses data.
            if len(record) < len(header) or all(not cell.strip() for cell in record[len(header):]):
                record = (record + [""] * len(header))[: len(header)]
            else:
                bad.append(BadRecord(start, len(record)))
                continue
        rows.append(record)
        starts.append(start)
    return header, rows, starts, bad


def _read_simple(text, delimiter):
    """Read a file whose every record is one line with pandas' C parser; None when the file needs the slow path.

    The slow path handles records that span lines, blank lines, rows with
    the wrong number of fields, and headers that are blank or repeated.
    """
    physical_lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    try:
        with warnings.catch_warnings():
            # pandas only warns when a row is longer than the header; that row needs the slow path.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False, na_filter=False,
                                skip_blank_lines=False, index_col=False, engine="c")
    except (pd.errors.ParserError, pd.errors.ParserWarning, pd.errors.EmptyDataError, ValueError):
        return None
    columns = [str(column).strip() for column in frame.columns]
    renamed = any(column.startswith("Unnamed: ") for column in columns) or len(set(columns)) != len(columns)
    duplicated = any("." in column and column.rsplit(".", 1)[0] in columns for column in columns)
    if physical_lines != len(frame) + 1 or renamed or duplicated or frame.isna().any(axis=None):
        return None
    frame.columns = columns
    frame = frame.astype(object)
    lines = pd.Series(range(2, len(frame) + 2), index=frame.index, dtype="int64")
    return frame, lines


def read_table(content, *, encoding=None, delimiter=None):
    """Read CSV bytes into a ReadResult; raise UnreadableFile when there is no table in them.

    Records are split by the csv module, which reports the line each one
    starts on, and go into a pandas DataFrame of strings for parsing.
    """
    text, used_encoding = decode(content, encoding=encoding)
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise UnreadableFile("The file is empty.")
    delimiter = delimiter or detect_delimiter(text)
    fast = _read_simple(text, delimiter)
    if fast is not None:
        return ReadResult(frame=fast[0], lines=fast[1], encoding=used_encoding, delimiter=delimiter, bad_records=[])
    header, rows, starts, bad = _split_records(text, delimiter)
    if header is None:
        raise UnreadableFile("The file has no header row.")
    if text.count('"') % 2:
        last_start = starts[-1] if starts else 1
        raise UnreadableFile(
            f"A quote is opened and never closed (the last complete record starts on line {last_start}); "
            "close the quote or remove it."
        )

    columns = [column.strip() for column in header]
    named = [(index, column) for index, column in enumerate(columns)]
    empty_header = [index for index, column in named if not column]
    keep = [index for index, column in named if column or any(row[index].strip() for row in rows)]
    if any(not columns[index] for index in keep):
        blank = [str(index + 1) for index in empty_header if index in keep]
        raise UnreadableFile(
            f"Column {', '.join(blank)} has values but no header; give it a name in the first row."
        )
    names = [columns[index] for index in keep]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise UnreadableFile(
            "The header repeats a column name (" + ", ".join(repeated) + "); give every column its own name."
        )
    if len(keep) < len(columns):
        rows = [[row[index] for index in keep] for row in rows]
    frame = pd.DataFrame(rows, columns=names, dtype=object)
    lines = pd.Series(starts, index=frame.index, dtype="int64")
    return ReadResult(frame=frame, lines=lines, encoding=used_encoding, delimiter=delimiter, bad_records=bad)
