"""Two provincial officers approving the same proposal at the same moment produce one decision, not two."""

import threading

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection

from reviews.enums import Outcome, ProposalState
from reviews.models import AdjustmentProposal, Transition
from reviews.services import province as province_services
from reviews.services import review as review_services
from tests import factories

from .review_helpers import accepted_filing, open_campaign


def _submitted_proposal(unit, reviewer):
    campaign = open_campaign()
    accepted_filing(campaign, unit, reviewer)
    review_services.save_proposal(campaign, unit, {"outcome": Outcome.KEEP}, actor=reviewer)
    review_services.submit_package(campaign, unit.city, actor=reviewer)
    return AdjustmentProposal.objects.get(unit=unit)


def test_review_second_approval_of_the_same_proposal_is_refused(db, gz_unit, gz_reviewer, province):
    proposal = _submitted_proposal(gz_unit, gz_reviewer)
    other = factories.province_user("prov2")
    province_services.decide_proposal(proposal.pk, "approve", actor=province, comment="第一位")
    with pytest.raises(review_services.ReviewError):
        province_services.decide_proposal(proposal.pk, "approve", actor=other, comment="第二位")
    proposal.refresh_from_db()
    assert (proposal.state, proposal.decided_by, proposal.decision_comment) == (ProposalState.APPROVED, province, "第一位")
    assert Transition.objects.filter(object_id=proposal.pk, action="approve").count() == 1


@pytest.fixture
def reload_reference_data(django_db_blocker):
    """A transactional test empties every table afterwards: put the cities and industries back, and warm the
    content-type cache again, so that the tests after this one start as they would have."""
    yield
    with django_db_blocker.unblock():
        call_command("loaddata", "cities", "industries", verbosity=0)
        ContentType.objects.get_for_models(*apps.get_models())


@pytest.mark.skipif("postgresql" not in settings.DATABASES["default"]["ENGINE"],
                    reason="needs row locks across connections (PostgreSQL); SQLite is covered by the test above")
@pytest.mark.django_db(transaction=True)
def test_review_two_officers_approving_at_once_make_one_decision(reload_reference_data):
    call_command("loaddata", "cities", "industries", verbosity=0)
    unit = factories.UnitFactory()
    reviewer = factories.city_user("广州市", "gz")
    proposal = _submitted_proposal(unit, reviewer)
    officers = [factories.province_user("prov_a"), factories.province_user("prov_b")]
    barrier = threading.Barrier(2)
    outcomes = []

    def approve(officer):
        try:
            barrier.wait(timeout=10)
            province_services.decide_proposal(proposal.pk, "approve", actor=officer, comment=officer.username)
            outcomes.append("approved")
        except review_services.ReviewError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(o,)) for o in officers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["approved", "refused"]
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.APPROVED
    assert Transition.objects.filter(object_id=proposal.pk, action="approve").count() == 1
