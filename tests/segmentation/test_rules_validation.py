"""Every validation error: its path, its message and the value it reports."""

import pytest

from segmentation.rules import RuleValidationError, compile_rule, validate_rule
from segmentation.rules.validation import MAX_DEPTH, MAX_NODES, SegmentInfo

VALID = {"field": "industry", "op": "eq", "value": "Software"}


def only_error(rule, **kwargs):
    kwargs.setdefault("segments", {})
    errors = validate_rule(rule, **kwargs)
    assert len(errors) == 1, errors
    return errors[0]


def test_valid_rule_has_no_errors():
    rule = {"all": [
        {"field": "icp_tier", "op": "in", "value": [1, 2]},
        {"field": "industry", "op": "eq", "value": "Software"},
        {"field": "region", "op": "eq", "value": "North America"},
        {"related": "contacts", "where": {"field": "buying_role", "op": "eq", "value": "economic_buyer"},
         "op": "gte", "count": 1},
        {"related": "events", "where": {"field": "type", "op": "eq", "value": "content_download"},
         "within_days": 30, "op": "gte", "count": 3},
    ]}
    assert validate_rule(rule, segments={}) == []


def test_unknown_field():
    error = only_error({"all": [VALID, {"field": "industy", "op": "eq", "value": "x"}]})
    assert error.path == "$.all[1].field"
    assert error.value == "industy"
    assert 'Unknown field "industy" for accounts' in error.message
    assert 'Did you mean "industry"?' in error.message


def test_field_of_another_object_type():
    error = only_error({"field": "seniority", "op": "eq", "value": "vp"})
    assert error.path == "$.field"
    assert "for accounts" in error.message


def test_invalid_custom_attribute_key():
    error = only_error({"field": "extra.bad key", "op": "eq", "value": "x"})
    assert error.path == "$.field"
    assert "letters, digits or underscores" in error.message


def test_unknown_operator():
    error = only_error({"field": "employee_count", "op": "contains", "value": 5})
    assert error.path == "$.op"
    assert error.value == "contains"
    assert 'Unknown operator "contains" for the number field "employee_count"' in error.message
    assert "gte" in error.message


def test_missing_operator():
    error = only_error({"field": "industry", "value": "x"})
    assert error.path == "$.op"
    assert "has no operator" in error.message


def test_text_value_of_wrong_type():
    error = only_error({"field": "industry", "op": "eq", "value": 5})
    assert error.path == "$.value"
    assert error.value == 5
    assert "Expected a text value, got 5" in error.message


def test_blank_text_value():
    error = only_error({"field": "industry", "op": "eq", "value": "  "})
    assert error.path == "$.value"
    assert "is_empty" in error.message


def test_text_value_too_long():
    error = only_error({"field": "industry", "op": "contains", "value": "x" * 1001})
    assert "at most 1000" in error.message


def test_number_value_of_wrong_type():
    for value in ["10", True, None]:
        error = only_error({"field": "employee_count", "op": "gt", "value": value})
        assert error.path == "$.value"
        assert "must be a number" in error.message


def test_number_out_of_range():
    error = only_error({"field": "arr", "op": "gt", "value": 10**16})
    assert "out of range" in error.message


def test_invalid_choice_value():
    error = only_error({"field": "ownership_type", "op": "eq", "value": "family"})
    assert error.path == "$.value"
    assert 'Invalid value "family" for "ownership_type"' in error.message
    assert "public, private, subsidiary, nonprofit, government" in error.message


def test_invalid_tier_value():
    error = only_error({"field": "icp_tier", "op": "in", "value": [1, 4]})
    assert error.path == "$.value[1]"
    assert error.value == 4
    assert "Allowed values: 1, 2, 3" in error.message


def test_invalid_choice_tag():
    error = only_error({"field": "buying_roles_covered", "op": "any_of", "value": ["cfo"]})
    assert error.path == "$.value[0]"
    assert "economic_buyer" in error.message


def test_invalid_date_value():
    for value in ["2025-02-30", "03/01/2025", "2025-3-1", 20250301]:
        error = only_error({"field": "last_activity_at", "op": "before", "value": value})
        assert error.path == "$.value"
        assert "YYYY-MM-DD" in error.message


def test_invalid_boolean_value():
    error = only_error({"field": "in_market", "op": "eq", "value": "yes"})
    assert '"in_market" is true or false; got "yes"' in error.message


def test_list_operator_needs_a_list():
    error = only_error({"field": "industry", "op": "in", "value": "Software"})
    assert error.path == "$.value"
    assert 'The operator "in" needs a non-empty list' in error.message


def test_list_operator_with_empty_list():
    error = only_error({"field": "technologies", "op": "any_of", "value": []})
    assert "an empty list" in error.message


def test_list_too_long():
    error = only_error({"field": "industry", "op": "in", "value": ["x"] * 1001})
    assert "at most 1000" in error.message


def test_between_needs_two_bounds():
    error = only_error({"field": "employee_count", "op": "between", "value": [1]})
    assert error.path == "$.value"
    assert "[low, high]" in error.message


def test_between_bounds_out_of_order():
    error = only_error({"field": "last_activity_at", "op": "between", "value": ["2025-03-01", "2025-01-01"]})
    assert error.path == "$.value"
    assert 'The low bound "2025-03-01" is above the high bound "2025-01-01"' in error.message


def test_within_last_days_range():
    for value in [0, 3651, 1.5, "7"]:
        error = only_error({"field": "last_activity_at", "op": "within_last_days", "value": value})
        assert "a whole number from 1 to 3650" in error.message


def test_valueless_operator_with_value():
    error = only_error({"field": "industry", "op": "is_empty", "value": "x"})
    assert error.path == "$.value"
    assert 'The operator "is_empty" takes no value' in error.message


def test_missing_value():
    error = only_error({"field": "industry", "op": "eq"})
    assert error.path == "$.value"
    assert "needs a value" in error.message


def test_empty_group():
    for kind in ("all", "any"):
        error = only_error({"all": [VALID, {kind: []}]})
        assert error.path == f"$.all[1].{kind}"
        assert f'The "{kind}" group is empty' in error.message


def test_group_that_is_not_a_list():
    error = only_error({"any": VALID})
    assert error.path == "$.any"
    assert '"any" must be a list of rules, got an object' in error.message


def test_node_that_is_not_an_object():
    error = only_error({"all": [VALID, "industry = Software"]})
    assert error.path == "$.all[1]"
    assert 'got "industry = Software"' in error.message


def test_not_of_a_non_object():
    error = only_error({"not": [VALID]})
    assert error.path == "$.not"


def test_node_without_a_kind():
    error = only_error({"op": "eq", "value": "x"})
    assert error.path == "$"
    assert "must have one of the keys" in error.message


def test_node_with_two_kinds():
    error = only_error({"field": "industry", "op": "eq", "value": "x", "all": [VALID]})
    assert "exactly one of" in error.message


def test_unknown_key():
    error = only_error({"field": "industry", "op": "eq", "value": "x", "negate": True})
    assert error.path == "$.negate"
    assert 'Unknown key "negate"' in error.message


def test_rule_too_deep():
    rule = VALID
    for _ in range(MAX_DEPTH):
        rule = {"not": rule}
    error = only_error(rule)
    assert error.path == "$" + ".not" * MAX_DEPTH
    assert f"more than {MAX_DEPTH} levels" in error.message


def test_rule_at_maximum_depth_is_valid():
    rule = VALID
    for _ in range(MAX_DEPTH - 1):
        rule = {"not": rule}
    assert validate_rule(rule, segments={}) == []


def test_rule_too_large():
    rule = {"any": [VALID] * MAX_NODES}
    error = only_error(rule)
    assert error.path == "$"
    assert error.value == MAX_NODES + 1
    assert f"at most {MAX_NODES}" in error.message


def test_unknown_relation():
    error = only_error({"related": "deals", "op": "gte", "count": 1})
    assert error.path == "$.related"
    assert "Allowed: contacts, events, intent, opportunities" in error.message


def test_relation_from_records_without_relations():
    error = only_error({"related": "events", "where": {"related": "contacts"}})
    assert error.path == "$.where.related"
    assert "Rules over events cannot reach related records" in error.message


def test_unknown_count_operator():
    error = only_error({"related": "contacts", "op": "at_least", "count": 1})
    assert error.path == "$.op"
    assert "Allowed operators: eq, neq, gt, gte, lt, lte" in error.message


def test_invalid_count():
    for count in [-1, 1.5, "3"]:
        error = only_error({"related": "contacts", "op": "gte", "count": count})
        assert error.path == "$.count"


def test_within_days_on_records_without_dates():
    error = only_error({"related": "contacts", "within_days": 30})
    assert error.path == "$.within_days"
    assert 'have no date, so "within_days" does not apply' in error.message


def test_within_days_out_of_range():
    error = only_error({"related": "events", "within_days": 0})
    assert error.path == "$.within_days"


def test_error_inside_where_has_the_full_path():
    error = only_error({"all": [VALID, {"related": "events", "where": {"field": "type", "op": "eq", "value": "tweet"}}]})
    assert error.path == "$.all[1].where.value"
    assert "web_visit" in error.message


def test_unknown_object_type():
    error = only_error(VALID, object_type="companies")
    assert 'Unknown object type "companies"' in error.message


SEGMENTS = {
    "tier-1": SegmentInfo("tier-1", "accounts", "active", {"field": "icp_tier", "op": "eq", "value": 1}),
    "old": SegmentInfo("old", "accounts", "retired", VALID),
    "vps": SegmentInfo("vps", "contacts", "active", {"field": "seniority", "op": "eq", "value": "vp"}),
    "a": SegmentInfo("a", "accounts", "active", {"segment": "b"}),
    "b": SegmentInfo("b", "accounts", "active", {"all": [VALID, {"segment": "c"}]}),
    "c": SegmentInfo("c", "accounts", "draft", VALID),
}


def test_segment_reference_is_valid():
    assert validate_rule({"segment": "tier-1"}, segments=SEGMENTS) == []


def test_segment_reference_to_missing_segment():
    error = only_error({"all": [VALID, {"segment": "tier-9"}]}, segments=SEGMENTS)
    assert error.path == "$.all[1].segment"
    assert error.value == "tier-9"
    assert 'Segment "tier-9" not found' in error.message


def test_segment_reference_of_another_object_type():
    error = only_error({"segment": "vps"}, segments=SEGMENTS)
    assert "is a segment of contacts, but this condition is on accounts" in error.message


def test_contact_segment_inside_related_contacts_is_valid():
    assert validate_rule({"related": "contacts", "where": {"segment": "vps"}}, segments=SEGMENTS) == []


def test_segment_reference_from_events_is_rejected():
    error = only_error({"related": "events", "where": {"segment": "tier-1"}}, segments=SEGMENTS)
    assert "Rules over events cannot reference segments" in error.message


def test_segment_reference_to_retired_segment():
    error = only_error({"segment": "old"}, segments=SEGMENTS)
    assert 'Segment "old" is retired' in error.message


def test_segment_reference_to_itself():
    error = only_error({"segment": "tier-1"}, slug="tier-1", segments=SEGMENTS)
    assert "tier-1 -> tier-1" in error.message


def test_segment_reference_cycle_lists_the_cycle():
    # c would reference a, and a -> b -> c already.
    error = only_error({"any": [VALID, {"segment": "a"}]}, slug="c", segments=SEGMENTS)
    assert error.path == "$.any[1].segment"
    assert "c -> a -> b -> c" in error.message


def test_segment_reference_blank_slug():
    error = only_error({"segment": ""}, segments=SEGMENTS)
    assert "needs the slug of a segment" in error.message


def test_errors_are_all_reported_in_order():
    errors = validate_rule({"all": [
        {"field": "nope", "op": "eq", "value": "x"},
        {"field": "industry", "op": "eq", "value": 3},
        {"any": []},
    ]}, segments={})
    assert [error.path for error in errors] == ["$.all[0].field", "$.all[1].value", "$.all[2].any"]


def test_error_as_dict():
    error = only_error({"field": "industry", "op": "eq", "value": 3})
    assert error.as_dict() == {"path": "$.value", "message": error.message, "value": 3}


@pytest.mark.django_db
def test_compile_raises_with_the_errors():
    with pytest.raises(RuleValidationError) as raised:
        compile_rule({"field": "industy", "op": "eq", "value": "x"})
    assert raised.value.errors[0].path == "$.field"
    assert "industy" in str(raised.value)


@pytest.mark.django_db
def test_references_are_checked_against_the_database():
    errors = validate_rule({"segment": "nowhere"})
    assert errors[0].message.startswith('Segment "nowhere" not found')
