"""The province's yearly campaign: created and edited here, with an audit record."""

from __future__ import annotations

from django.db import transaction

from registry import access

from .. import audit
from ..models import Campaign

FIELDS = ("title", "filing_opens", "filing_due", "district_review_due", "city_review_due", "province_report_due")


@transaction.atomic
def save_campaign(data: dict, *, actor, campaign: Campaign | None = None) -> Campaign:
    access.require_province(actor)
    if campaign is None:
        campaign = Campaign(year=data["year"])
        action = "create"
    else:
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        action = "edit"
    before = {n: getattr(campaign, n, None) for n in FIELDS}
    for name in FIELDS:
        setattr(campaign, name, data.get(name))
    campaign.full_clean()
    campaign.save()
    changes = [f"{n}: {before[n] or '—'} → {getattr(campaign, n)}" for n in FIELDS if before[n] != getattr(campaign, n)]
    audit.record(campaign, action, actor=actor, comment="; ".join(changes))
    return campaign
