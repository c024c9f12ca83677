"""The segment rule engine: field registry, validation, SQL compiler,
reference evaluator and per-node explanations.

The rule format and its semantics are the public contract: a rule is a JSON
tree of groups (all, any, not), conditions on fields, quantified conditions
on related records and references to other segments.
"""

from .compiler import compile_rule
from .errors import RuleError, RuleValidationError
from .explain import explain_rule
from .reference import evaluate_rule
from .validation import validate_rule

__all__ = [
    "RuleError",
    "RuleValidationError",
    "compile_rule",
    "evaluate_rule",
    "explain_rule",
    "validate_rule",
]
