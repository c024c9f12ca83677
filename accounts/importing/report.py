"""The import report: one entry per rejected row problem or per value kept with a warning."""

import csv
import io
from dataclasses import asdict, dataclass

REPORT_COLUMNS = ["line", "column", "value", "outcome", "reason"]


class Outcome:
    REJECTED = "rejected"
    KEPT_AS_TYPED = "kept as typed"
    LEFT_BLANK = "left blank"


@dataclass(frozen=True)
class Issue:
    """A problem with one cell or one row; line is the file line where the row starts."""

    line: int
    column: str
    value: str
    outcome: str
    reason: str


def report_csv(issues):
    """Return the issues as CSV text with a header row, ordered by line."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=REPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for issue in sorted(issues, key=lambda issue: (issue.line, issue.column)):
        writer.writerow(asdict(issue))
    return buffer.getvalue()
