"""Helpers for the rule engine tests: run a rule through the compiler and
through the reference evaluator over the same database rows."""

from accounts.models import Account, Contact
from segmentation.rules import evaluate_rule
from segmentation.rules.compiler import matching_queryset
from segmentation.rules.explain import _needed_relations, load_record

MODELS = {"accounts": Account, "contacts": Contact}


def label(record):
    return record.name if isinstance(record, Account) else record.email


def compiled_labels(rule, *, now, object_type="accounts"):
    return {label(record) for record in matching_queryset(rule, object_type=object_type, now=now)}


def reference_labels(rule, *, now, object_type="accounts"):
    needs = _needed_relations(rule, object_type)
    selected = set()
    for instance in MODELS[object_type].objects.all():
        record = load_record(instance, object_type, needs)
        if evaluate_rule(rule, record, now=now, object_type=object_type):
            selected.add(label(instance))
    return selected


def assert_selects(rule, expected, *, now, object_type="accounts"):
    """Assert that the compiled query and the reference evaluator both select exactly expected."""
    expected = set(expected)
    compiled = compiled_labels(rule, now=now, object_type=object_type)
    reference = reference_labels(rule, now=now, object_type=object_type)
    assert compiled == expected, f"compiled query selected {sorted(compiled)}"
    assert reference == expected, f"reference evaluator selected {sorted(reference)}"
