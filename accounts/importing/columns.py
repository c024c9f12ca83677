"""Mapping file columns to target fields: CRM headers without configuration,
an explicit mapping for the rest, and the extra attributes for unknown columns.
"""

from dataclasses import dataclass, field

from .schema import KINDS_WITH_EXTRA, TARGETS, header_key


class MappingError(ValueError):
    """An explicit mapping that cannot be applied; the message names the entry and the fix."""


@dataclass
class ColumnPlan:
    """The target of each column of a file."""

    targets: dict = field(default_factory=dict)
    """{header: [target names]} for columns mapped to fields."""
    extra: dict = field(default_factory=dict)
    """{header: key} for columns kept as extra attributes."""
    ignored: list = field(default_factory=list)
    """Headers whose values are not imported."""
    unknown: list = field(default_factory=list)
    """Headers that match no field: kept in extra where the record type has it, else ignored."""

    def as_dict(self):
        return {"targets": self.targets, "extra": self.extra, "ignored": self.ignored, "unknown": self.unknown}


def _find_header(headers, name):
    if name in headers:
        return name
    by_key = {header_key(header): header for header in headers}
    return by_key.get(header_key(name))


def resolve_columns(kind, headers, mapping=None):
    """Return the ColumnPlan for a file's headers.

    An explicit mapping entry {header: value} wins over recognition; its value
    is a target field, a list of target fields (one column feeding several),
    "extra" or "extra.KEY" to keep it as an extra attribute, or null or
    "ignore" to skip it. Every other header is recognized by its key, and a
    header that matches no field is unknown.
    """
    targets = TARGETS[kind]
    has_extra = kind in KINDS_WITH_EXTRA
    plan = ColumnPlan()
    taken = {}

    for name, value in (mapping or {}).items():
        header = _find_header(headers, name)
        if header is None:
            raise MappingError(
                f"The mapping names the column '{name}', which the file does not have. "
                f"The file's columns are: {', '.join(headers)}."
            )
        if value is None or value in ("", "ignore"):
            plan.ignored.append(header)
            continue
        if isinstance(value, str) and (value == "extra" or value.startswith("extra.")):
            if not has_extra:
                raise MappingError(f"{kind.capitalize()} have no extra attributes, so '{name}' cannot be kept in extra.")
            key = value.partition(".")[2] or header_key(header)
            plan.extra[header] = key
            continue
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list) or not all(isinstance(item, str) for item in names):
            raise MappingError(f"The mapping of '{name}' must be a field name, a list of field names, 'extra' or null.")
        for target in names:
            if target not in targets:
                raise MappingError(
                    f"The mapping sends '{name}' to '{target}', which is not a field of {kind}. "
                    f"Use one of: {', '.join(targets)}, extra, or null to skip the column."
                )
            if target in taken:
                raise MappingError(f"The mapping sends both '{taken[target]}' and '{name}' to '{target}'; keep one.")
            taken[target] = header
        plan.targets[header] = list(names)

    # Recognize the remaining headers; the best-ranked header wins a field.
    explicit = set(plan.targets) | set(plan.extra) | set(plan.ignored)
    candidates = []
    for order, target in enumerate(targets.values()):
        for header in headers:
            key = header_key(header)
            if header not in explicit and key in target.headers:
                candidates.append((target.headers.index(key), order, header, target.name))
    for _, _, header, target in sorted(candidates):
        if target in taken or header in plan.targets:
            continue
        taken[target] = header
        plan.targets[header] = [target]

    for header in headers:
        if header in plan.targets or header in plan.extra or header in plan.ignored:
            continue
        plan.unknown.append(header)
        if has_extra:
            plan.extra[header] = header_key(header)
        else:
            plan.ignored.append(header)
    return plan
