"""Email reminders before and after each deadline; each (campaign, reminder, person) is sent once (ReminderLog)."""

from __future__ import annotations

import datetime as dt
import logging
from types import SimpleNamespace

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from registry import access
from registry.enums import MembershipScope, UnitStatus
from registry.models import Membership, Unit

from .. import notify
from ..enums import ProposalState
from ..models import AdjustmentProposal, Campaign, CityPackage, Filing, ReminderLog
from ..queries import FILED_STATES

log = logging.getLogger("greenmfg.reviews")

# (stage, first day relative to the deadline, last day relative to it)
STAGES = (("before7", -7, -2), ("before1", -1, 0), ("overdue", 1, 14))


def stage_for(deadline: dt.date, today: dt.date) -> str | None:
    offset = (today - deadline).days
    for name, first, last in STAGES:
        if first <= offset <= last:
            return name
    return None


def _filing_recipients(campaign: Campaign):
    """The people acting for each listed unit that has not filed: its enterprise's accounts (the legal entity
    acts for all its units) and any account of the unit alone (registry.access.acting_members)."""
    filed = Filing.objects.filter(campaign=campaign, unit=OuterRef("pk"), state__in=FILED_STATES)
    units = Unit.objects.filter(status=UnitStatus.LISTED).exclude(Exists(filed))
    return [SimpleNamespace(user=user, unit=unit, city=None) for user, unit in access.acting_members(units)]


def _city_recipients(campaign: Campaign):
    packaged = CityPackage.objects.filter(campaign=campaign, city=OuterRef("city"))
    return (Membership.objects.filter(scope=MembershipScope.CITY, user__is_active=True)
            .exclude(Exists(packaged)).select_related("user", "city"))


def _province_recipients(campaign: Campaign):
    if not AdjustmentProposal.objects.filter(campaign=campaign, state=ProposalState.SUBMITTED).exists():
        return Membership.objects.none()
    return Membership.objects.filter(scope=MembershipScope.PROVINCE, user__is_active=True).select_related("user")


def _message(deadline_name: str, stage: str, campaign: Campaign, deadline: dt.date, membership) -> tuple[str, str]:
    what = {
        "filing_due": _("submit the dynamic-management filing of %(unit)s"),
        "city_review_due": _("finish the review and submit the adjustment proposals of %(city)s"),
        "province_report_due": _("decide the cities' adjustment proposals and report to MIIT"),
    }[deadline_name] % {"unit": getattr(membership.unit, "name", ""), "city": getattr(membership.city, "name", "")}
    if stage == "overdue":
        subject = _("Overdue: %(year)s dynamic management") % {"year": campaign.year}
        body = _("The deadline of %(date)s has passed. Please %(what)s as soon as possible; late work is marked late.")
    else:
        subject = _("Reminder: %(year)s dynamic management, due %(date)s") % {"year": campaign.year, "date": deadline}
        body = _("Please %(what)s by %(date)s (Beijing time).")
    return subject, body % {"date": deadline, "what": what}


def send_reminders(now: dt.datetime | None = None) -> int:
    """Send every reminder that is due today and was not sent before; return how many were sent."""
    today = timezone.localdate(now)
    sent = 0
    for campaign in Campaign.objects.filter(filing_opens__lte=today, province_report_due__gte=today - dt.timedelta(days=14)):
        plan = (
            ("filing_due", campaign.filing_due, _filing_recipients),
            ("city_review_due", campaign.city_review_due, _city_recipients),
            ("province_report_due", campaign.province_report_due, _province_recipients),
        )
        for name, deadline, recipients in plan:
            stage = stage_for(deadline, today)
            if stage is None:
                continue
            key = f"{name}:{stage}"
            done = set(ReminderLog.objects.filter(campaign=campaign, key=key).values_list("user_id", flat=True))
            for membership in recipients(campaign):
                user = membership.user
                if user.pk in done or not user.email:
                    continue
                subject, body = _message(name, stage, campaign, deadline, membership)
                try:
                    with transaction.atomic():  # the log and the queued mail stand or fall together
                        ReminderLog.objects.create(campaign=campaign, key=key, user=user)
                        notify.queue_mail(subject, body, [user.email])
                except IntegrityError:  # another run sent it a moment ago
                    continue
                done.add(user.pk)
                sent += 1
    log.info("reminders sent: %d", sent)
    return sent
