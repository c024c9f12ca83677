"""Normalization of picklist values through the synonym tables RevOps edits.

A value is looked up in its matching form (lower case, single spaces). The
tables are loaded once per import, so a lookup costs a dictionary access.
"""

import re
from functools import lru_cache

import pycountry

from accounts.models import (
    BuyingRole,
    Department,
    EventType,
    OpportunityStatus,
    OpportunityType,
    OwnershipType,
    Seniority,
    Synonym,
    SynonymKind,
)

CHOICES_BY_KIND = {
    SynonymKind.OWNERSHIP_TYPE: OwnershipType,
    SynonymKind.SENIORITY: Seniority,
    SynonymKind.DEPARTMENT: Department,
    SynonymKind.BUYING_ROLE: BuyingRole,
    SynonymKind.OPPORTUNITY_STAGE: OpportunityStatus,
    SynonymKind.OPPORTUNITY_TYPE: OpportunityType,
    SynonymKind.EVENT_TYPE: EventType,
}
# Seniority found in a title: the highest level named wins ("Senior Director, VP Office" is vp).
SENIORITY_RANK = [Seniority.C_LEVEL, Seniority.VP, Seniority.DIRECTOR, Seniority.MANAGER,
                  Seniority.INDIVIDUAL_CONTRIBUTOR]


def matching_form(text):
    return " ".join(str(text).lower().split())


@lru_cache(maxsize=1)
def iso_countries():
    """Return {matching form: alpha-2 code} for the codes and names pycountry knows."""
    names = {}
    for country in pycountry.countries:
        for attribute in ("alpha_2", "alpha_3", "name", "official_name", "common_name"):
            value = getattr(country, attribute, None)
            if value:
                names[matching_form(value)] = country.alpha_2
    return names


def validate_synonym_value(kind, value):
    """Return the canonical value for a synonym table entry, or raise ValueError naming the allowed values."""
    value = str(value).strip()
    if not value:
        raise ValueError("The value is required.")
    if kind == SynonymKind.COUNTRY:
        code = value.upper()
        if pycountry.countries.get(alpha_2=code) is None:
            raise ValueError(f"'{value}' is not an ISO 3166-1 alpha-2 country code such as US or DE.")
        return code
    if kind in CHOICES_BY_KIND:
        choices = CHOICES_BY_KIND[kind]
        by_label = {matching_form(label): choice for choice, label in choices.choices}
        canonical = value if value in choices.values else by_label.get(matching_form(value))
        if canonical is None:
            raise ValueError(f"'{value}' is not one of: {', '.join(choices.values)}.")
        return canonical
    return value


class SynonymTables:
    """The synonym tables of one import, read from the database once."""

    def __init__(self, entries=None):
        if entries is None:
            entries = Synonym.objects.values_list("kind", "synonym", "value")
        self.tables = {kind: {} for kind in SynonymKind.values}
        for kind, synonym, value in entries:
            self.tables[kind][matching_form(synonym)] = value
        self._title_patterns = {}

    def lookup(self, kind, text):
        """Return the canonical value for text, or None when no table entry or standard name matches."""
        key = matching_form(text)
        found = self.tables[kind].get(key)
        if found is not None:
            return found
        if kind == SynonymKind.COUNTRY:
            return iso_countries().get(key)
        if kind in CHOICES_BY_KIND:
            choices = CHOICES_BY_KIND[kind]
            snake = key.replace(" ", "_").replace("-", "_")
            if snake in choices.values:
                return snake
            for choice, label in choices.choices:
                if matching_form(label) == key:
                    return choice
        return None

    def _title_pattern(self, kind):
        if kind not in self._title_patterns:
            words = sorted(self.tables[kind], key=len, reverse=True)
            if words:
                alternatives = "|".join(re.escape(word) for word in words)
                self._title_patterns[kind] = re.compile(rf"(?<![\w&-])({alternatives})(?![\w&-])")
            else:
                self._title_patterns[kind] = None
        return self._title_patterns[kind]

    def from_title(self, kind, title):
        """Find a seniority or department named inside a job title; None when the title names none."""
        pattern = self._title_pattern(kind)
        if pattern is None or not title:
            return None
        found = [self.tables[kind][match] for match in pattern.findall(matching_form(title))]
        if not found:
            return None
        if kind == SynonymKind.SENIORITY:
            ranked = [level for level in SENIORITY_RANK if level in found]
            return ranked[0] if ranked else found[0]
        return found[0]
