"""The first touch after each segment entry, kept up to date from a log of the changes that can move it.

Response rate and speed-to-engage match every entry of a period with the
account's touches in the response window after it, which costs seconds when
a period holds millions of entries. StayTouch stores that first touch for
each stay that has one. Database triggers on memberships and engagement
events append to TouchChange in the writing transaction, so every change
that can move a first touch leaves a row, and the rows become visible when
the change commits. insights.touches recomputes the stays the rows name and
deletes exactly the rows it read. Readers use StayTouch only while no row is
waiting.
"""

from django.db import models


class StayTouch(models.Model):
    """The first two-way touch of a stay's account within the response window after its entry."""

    membership = models.OneToOneField(
        "segmentation.SegmentMembership", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    segment = models.ForeignKey("segmentation.Segment", on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    entered_at = models.DateTimeField()
    first_touch_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["segment", "entered_at"], name="stay_touch_segment_entry_idx")]


class TouchChange(models.Model):
    """A change that can move first touches, written by triggers: accounts, inserted event ids or stay ids.

    `everything` asks for every stay to be recomputed, as after the table is
    first created.
    """

    account_id = models.BigIntegerField(null=True, blank=True)
    first_event_id = models.BigIntegerField(null=True, blank=True)
    last_event_id = models.BigIntegerField(null=True, blank=True)
    first_stay_id = models.BigIntegerField(null=True, blank=True)
    last_stay_id = models.BigIntegerField(null=True, blank=True)
    everything = models.BooleanField(default=False)
