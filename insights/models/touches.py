"""Entry counts and the first touch after each segment entry, kept up to date from a change log.

Response rate and speed-to-engage count the entries of a period and match
each with the account's touches in the response window after it, which
costs seconds when a period contains millions of entries. StayTouch
stores the first touch of each stay that has one, and SegmentEntryCount
the entries of each segment per entry instant (a recompute enters all its
stays at one instant) with the sums of their first touches. Database
triggers on memberships and engagement events append to TouchChange in the
writing transaction, so every change that can move
these figures leaves a row, and the rows become visible when the change
commits. insights.touches recomputes what the rows name and deletes exactly
the rows it read. Readers use both tables only while no row is waiting.
"""

from django.db import models

from .combinations import DERIVED


class StayTouch(models.Model):
    """The first two-way touch of a stay's account within the response window after its entry."""

    membership = models.OneToOneField("segmentation.SegmentMembership", primary_key=True, related_name="+", **DERIVED)
    segment = models.ForeignKey("segmentation.Segment", related_name="+", **DERIVED)
    account = models.ForeignKey("accounts.Account", related_name="+", **DERIVED)
    entered_at = models.DateTimeField()
    first_touch_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["segment", "entered_at"], name="stay_touch_segment_entry_idx")]


class SegmentEntryCount(models.Model):
    """How many account stays of a segment began at one instant, and how many of them had a first touch."""

    segment = models.ForeignKey("segmentation.Segment", related_name="+", **DERIVED)
    entered_at = models.DateTimeField()
    entries = models.PositiveIntegerField()
    answered = models.PositiveIntegerField(default=0, help_text="Stays with a first touch (a StayTouch row).")
    touch_microseconds = models.BigIntegerField(
        default=0, help_text="The time from entry to first touch, summed over the answered stays."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["segment", "entered_at"], name="segment_entry_count_unique"),
        ]


class AccountTouchYear(models.Model):
    """The calendar days of one year, in the configured time zone, on which an account had two-way touches.

    Bit d - 1 of touches_MM is set when the account had a touch on day d of
    month MM, and likewise meetings_MM for meetings. Whether an account was
    touched in any period within the year is then a few bit tests on one
    row, where the events would have to be grouped by account.
    """

    account = models.ForeignKey("accounts.Account", related_name="+", **DERIVED)
    year = models.SmallIntegerField()
    touches_01 = models.IntegerField(default=0)
    meetings_01 = models.IntegerField(default=0)
    touches_02 = models.IntegerField(default=0)
    meetings_02 = models.IntegerField(default=0)
    touches_03 = models.IntegerField(default=0)
    meetings_03 = models.IntegerField(default=0)
    touches_04 = models.IntegerField(default=0)
    meetings_04 = models.IntegerField(default=0)
    touches_05 = models.IntegerField(default=0)
    meetings_05 = models.IntegerField(default=0)
    touches_06 = models.IntegerField(default=0)
    meetings_06 = models.IntegerField(default=0)
    touches_07 = models.IntegerField(default=0)
    meetings_07 = models.IntegerField(default=0)
    touches_08 = models.IntegerField(default=0)
    meetings_08 = models.IntegerField(default=0)
    touches_09 = models.IntegerField(default=0)
    meetings_09 = models.IntegerField(default=0)
    touches_10 = models.IntegerField(default=0)
    meetings_10 = models.IntegerField(default=0)
    touches_11 = models.IntegerField(default=0)
    meetings_11 = models.IntegerField(default=0)
    touches_12 = models.IntegerField(default=0)
    meetings_12 = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "year"], name="account_touch_year_unique")]
        indexes = [models.Index(fields=["year"], name="account_touch_year_idx")]


class TouchState(models.Model):
    """The one row that records the time zone the touch days were computed in."""

    time_zone = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True)


class TouchChange(models.Model):
    """A change that can move entry counts or first touches, written by triggers.

    It names an account whose touches changed, a range of inserted event or
    stay ids, or the segment and entry instant of a deleted stay.

    `everything` requests a recompute of every figure, as after the tables
    are first created.
    """

    account_id = models.BigIntegerField(null=True, blank=True)
    first_event_id = models.BigIntegerField(null=True, blank=True)
    last_event_id = models.BigIntegerField(null=True, blank=True)
    first_stay_id = models.BigIntegerField(null=True, blank=True)
    last_stay_id = models.BigIntegerField(null=True, blank=True)
    segment_id = models.BigIntegerField(null=True, blank=True)
    entered_at = models.DateTimeField(null=True, blank=True)
    everything = models.BooleanField(default=False)
