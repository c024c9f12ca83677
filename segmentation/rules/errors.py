"""Errors found in a rule, each tied to the JSON path of its node."""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RuleError:
    """One problem in a rule: where it is, what is wrong, and the offending value."""

    path: str
    message: str
    value: Any = None

    def as_dict(self):
        return {"path": self.path, "message": self.message, "value": self.value}

    def __str__(self):
        return f"{self.path}: {self.message}"


class RuleValidationError(ValueError):
    """Raised when an invalid rule is compiled, evaluated or saved."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("; ".join(str(error) for error in self.errors) or "invalid rule")
