import pytest
from django.utils import translation

from reviews.models import Transition
from reviews.services import review as review_services
from tests import factories
from tests.reviews import review_helpers as rh

pytestmark = pytest.mark.django_db


def test_review_audit_comment_names_indicators_and_verdicts_in_words(gz_unit):
    reviewer = factories.city_user("广州市", "gz_words")
    filing = rh.submitted_filing(rh.open_campaign(), gz_unit)
    with translation.override("zh-hans"):
        review_services.record_checks(filing, rh.all_compliant(filing, "water_reuse_rate"), actor=reviewer)
    comment = Transition.objects.get(object_id=filing.pk, action="check").comment
    assert "工业用水重复利用率：不符合" in comment
    assert "单位产值综合能耗：符合" in comment
    assert "water_reuse_rate" not in comment and "compliant" not in comment
