"""certificate.py's remaining rules: a revoked code's refusal names the day and the reason (or a dash), the
certificate's context, and nothing outside the document is fetched while the PDF is drawn."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation
from weasyprint.urls import FatalURLFetchingError

from greencode import links
from greencode.enums import CodeState
from greencode.models import GreenCode
from greencode.services import certificate, signatures

from ..code_helpers import current_code

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("reason", "shown"), [("企业发生较大事故", "企业发生较大事故"), ("", "—")])
def test_refusal_of_a_revoked_code_names_the_beijing_day_and_the_reason(make_factory, reason, shown):
    _user, code = current_code(make_factory)
    revoked_at = dt.datetime(2026, 3, 1, 17, 30, tzinfo=dt.UTC)  # 1 March in UTC, 2 March in Beijing
    GreenCode.objects.filter(pk=code.pk).update(revoked_at=revoked_at, revoked_reason=reason, state=CodeState.REVOKED)
    code.refresh_from_db()
    with translation.override("en"):
        assert certificate.refusal(code) == (f"The code {code.number} was revoked on 2026-03-02 ({shown}), so no "
                                             "certificate can be downloaded for it.")


def test_context_carries_the_run_method_the_beijing_issue_day_and_the_verify_url(make_factory):
    _user, code = current_code(make_factory)
    GreenCode.objects.filter(pk=code.pk).update(issued_at=dt.datetime(2026, 1, 5, 17, 0, tzinfo=dt.UTC))
    code.refresh_from_db()
    context = certificate.context(code)
    assert context["method_version"] == code.score.run.method_version
    assert context["issued_on"] == dt.date(2026, 1, 6)  # 17:00 UTC is the next day in Beijing
    token = signatures.sign(code)  # Ed25519 tokens are deterministic
    assert context["verify_url"] == links.absolute(reverse("greencode:verify_token", args=[token]))


def test_render_pdf_fetches_nothing_outside_the_document(make_factory, settings, tmp_path):
    _user, code = current_code(make_factory)
    (tmp_path / "greencode").mkdir()
    (tmp_path / "greencode" / "certificate_pdf.html").write_text(
        '<html><body><p>x</p><img src="file:///etc/hostname"></body></html>', encoding="utf-8")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [str(tmp_path)], "APP_DIRS": False,
                           "OPTIONS": {k: v for k, v in settings.TEMPLATES[0].get("OPTIONS", {}).items()
                                       if k != "loaders"}}]
    with pytest.raises(FatalURLFetchingError):
        certificate.render_pdf(code)
