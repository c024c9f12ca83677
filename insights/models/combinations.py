"""Segment combinations: the distinct sets of account segments that accounts share.

Twenty segments over a million accounts make millions of memberships but
only a few thousand distinct sets of segments. Summing KPIs per combination
first, and only then per segment, lets the dashboard join one row per
account instead of one per membership. The tables are rebuilt as a whole
from the current memberships (insights.combinations) and are read only
while the memberships still match the build.
"""

from django.db import models

# The derived tables of this app are rebuilt in bulk from the tables they point at. Their foreign keys
# cascade through the ORM but have no database constraint: checking a million new rows one by one at
# commit took most of a rebuild's time.
DERIVED = {"on_delete": models.CASCADE, "db_constraint": False}


class SegmentCombination(models.Model):
    """One set of account segments, and how many accounts had exactly that set at the last build."""

    key = models.TextField(unique=True, help_text="The segment ids of the set, comma separated.")
    account_count = models.PositiveIntegerField()

    def __str__(self):
        return f"segments {self.key}: {self.account_count} accounts"


class SegmentCombinationMember(models.Model):
    combination = models.ForeignKey(SegmentCombination, related_name="members", **DERIVED)
    segment = models.ForeignKey("segmentation.Segment", related_name="+", **DERIVED)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["combination", "segment"], name="combination_member_unique"),
        ]
        indexes = [models.Index(fields=["segment", "combination"], name="combination_member_segment_idx")]


class AccountCombination(models.Model):
    """The combination of an account that is in at least one account segment."""

    account = models.OneToOneField("accounts.Account", primary_key=True, related_name="+", **DERIVED)
    combination = models.ForeignKey(SegmentCombination, related_name="accounts", **DERIVED)


class CombinationBuild(models.Model):
    """The one row that records which state of the memberships the combination tables hold."""

    membership_version = models.CharField(
        max_length=64, help_text="SHA-256 of the membership fingerprint read before the build."
    )
    built_at = models.DateTimeField()
    seconds = models.FloatField()
    accounts = models.PositiveIntegerField()
    combinations = models.PositiveIntegerField()

    def __str__(self):
        return f"{self.combinations} combinations of {self.accounts} accounts, built {self.built_at:%Y-%m-%d %H:%M}"
