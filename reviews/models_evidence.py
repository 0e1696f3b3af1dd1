"""Evidence files (佐证材料): documents behind a filing, its declared changes, its flagged values, the answer to a
return, the city's on-site assessment and MIIT's decision.

One model for every attachment: `kind` says what the file stands behind and `target` which item of that kind
(a change's key, an indicator's code, an assessment's id …), so a new block attaches with a new kind and no
schema change. The rules (who attaches what, when) are in reviews/evidence.py and reviews/rules.py.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.models import Unit

from .enums import EvidenceKind


def evidence_storage():
    """The storage alias "evidence" (settings.STORAGES): local MEDIA_ROOT by default, S3-compatible when set.

    A callable, so a change of backend is a setting, never a migration."""
    return storages["evidence"]


class EvidenceFile(models.Model):
    campaign = models.ForeignKey("reviews.Campaign", verbose_name=_("campaign"), on_delete=models.PROTECT,
                                 related_name="evidence_files")
    # The unit decides who may see the file: the people who may see its filing (registry.access).
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="evidence_files")
    filing = models.ForeignKey("reviews.Filing", verbose_name=_("filing"), on_delete=models.PROTECT, null=True,
                               blank=True, related_name="evidence_files")
    proposal = models.ForeignKey("reviews.AdjustmentProposal", verbose_name=_("adjustment proposal"),
                                 on_delete=models.PROTECT, null=True, blank=True, related_name="evidence_files")
    kind = models.CharField(_("attached to"), max_length=30, choices=EvidenceKind.choices)
    target = models.CharField(_("item"), max_length=64, blank=True,
                              help_text=_("Which item of its kind: a change's key, an indicator's code, an assessment."))
    file = models.FileField(_("file"), storage=evidence_storage, max_length=200)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("file type"), max_length=60)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["kind", "target", "uploaded_at", "id"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        indexes = [
            models.Index(fields=["filing", "kind", "target"], name="evidence_filing_item"),
            models.Index(fields=["proposal", "kind", "target"], name="evidence_proposal_item"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(filing__isnull=False) | models.Q(proposal__isnull=False),
                                   name="evidence_has_owner"),
        ]

    def __str__(self):
        return self.name
