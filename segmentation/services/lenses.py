"""Turning lenses on and off."""

import logging

from ..models import Lens, LensSetting

logger = logging.getLogger(__name__)


def lens_enabled_set(*, lens: str, enabled: bool, changed_by=None) -> LensSetting:
    """Turn a lens on or off. Segments already built on it keep working; its fields leave the rule builder."""
    if lens not in Lens.values:
        raise ValueError(f"Unknown lens {lens!r}: use one of {', '.join(Lens.values)}.")
    setting, _ = LensSetting.objects.update_or_create(lens=lens, defaults={"enabled": enabled, "updated_by": changed_by})
    logger.info("lens %s turned %s by user_id=%s", lens, "on" if enabled else "off", getattr(changed_by, "pk", None))
    return setting


def disabled_lenses():
    """Return the set of lenses that are off."""
    return set(LensSetting.objects.filter(enabled=False).values_list("lens", flat=True))
