"""Whether each lens is on: a lens that is off hides its fields from the rule builder."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .segments import Lens


class LensSetting(models.Model):
    """The on or off switch of one lens; a lens without a row is on."""

    lens = models.CharField(max_length=16, choices=Lens.choices, unique=True)
    enabled = models.BooleanField(default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["lens"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lens__in=Lens.values), name="lens_setting_lens_valid", violation_error_message="Unknown lens."
            ),
        ]

    def __str__(self):
        return f"{self.get_lens_display()}: {'on' if self.enabled else 'off'}"
