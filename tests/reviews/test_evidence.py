"""Evidence files: the type read from the content, the limits, who attaches what and when, the audit, and the
download (reviews/evidence.py, reviews/rules.py, reviews/views_evidence.py). Hostile files included."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reviews import evidence
from reviews.enums import EvidenceKind, FilingState, FlagKind, Outcome
from reviews.models import DataFlag, EvidenceFile, Transition
from reviews.services import filings as filing_services
from reviews.services import province as province_services
from reviews.services import review as review_services
from tests import factories
from tests.conftest import login
from tests.reviews.review_helpers import open_campaign, submitted_filing, totals

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(17)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(20) + b"\xff\xd9"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(100)
OFD_XML = ('<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0" '
           'DocType="OFD"><ofd:DocBody><ofd:DocInfo><ofd:DocID>a1</ofd:DocID></ofd:DocInfo>'
           '<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>')


def zip_bytes(parts: dict[str, bytes | str], big: tuple[str, int] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
        if big:  # a part of `big[1]` MB of zeros, written in chunks (a zip bomb's payload)
            with archive.open(big[0], "w", force_zip64=True) as handle:
                for _ in range(big[1]):
                    handle.write(bytes(1024 * 1024))
    return buffer.getvalue()


def ofd() -> bytes:
    return zip_bytes({"OFD.xml": OFD_XML, "Doc_0/Document.xml": "<ofd:Document xmlns:ofd='http://www.ofdspec.org/2016'/>"})


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def campaign(db):
    return open_campaign()


@pytest.fixture
def owner(gz_unit):
    return factories.enterprise_user(gz_unit, "ent_gz")


@pytest.fixture
def draft(campaign, gz_unit, owner):
    filing = filing_services.filing_for(campaign, gz_unit)
    filing_services.save_filing(filing, totals(), actor=owner)
    return filing


def attach(filing, user, files, kind=EvidenceKind.FILING, target=""):
    return evidence.attach(files, actor=user, kind=kind, filing=filing, target=target)


# --- the type comes from the content ---------------------------------------------------------------------

@pytest.mark.parametrize("data,content_type", [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg"),
                                               (None, "application/ofd")])
def test_sniff_accepts_pdf_png_jpeg_and_ofd_by_content(data, content_type):
    data = ofd() if data is None else data
    assert evidence.sniff(upload("x.bin", data)).content_type == content_type


def test_a_pdf_renamed_png_is_kept_as_the_pdf_it_is(draft, owner):
    [saved] = attach(draft, owner, [upload("报告.png", PDF)])
    assert (saved.content_type, saved.name) == ("application/pdf", "报告.pdf")


def test_an_exe_renamed_pdf_is_refused_and_nothing_is_saved(draft, owner, _media):
    with pytest.raises(evidence.EvidenceRejected) as exc:
        attach(draft, owner, [upload("审计报告.pdf", EXE)])
    assert exc.value.problems == ["“审计报告.pdf”未被接受：文件内容不是 PDF、OFD、JPG 或 PNG（按内容判断，与文件名无关）。"
                                  "只接受 PDF、OFD、JPG 或 PNG 文件。"]
    assert EvidenceFile.objects.count() == 0
    assert not (_media / "evidence").exists()


def test_a_pdf_without_its_end_marker_is_refused():
    assert evidence.sniff(upload("a.pdf", b"%PDF-1.7\n1 0 obj")) == "文件开头是 PDF，但内容不完整（缺少文件结束标记）"


def test_an_empty_file_is_refused(draft, owner):
    with pytest.raises(evidence.EvidenceRejected) as exc:
        attach(draft, owner, [upload("空.pdf", b"")])
    assert exc.value.problems == ["“空.pdf”：文件是空的。"]


def test_size_limit_at_its_boundary(draft, owner, settings):
    settings.EVIDENCE_MAX_MB = 1
    limit = 1024 * 1024
    exact = PDF[:-7] + b" " * (limit - len(PDF)) + PDF[-7:]
    assert len(exact) == limit
    assert len(attach(draft, owner, [upload("ok.pdf", exact)])) == 1
    with pytest.raises(evidence.EvidenceRejected) as exc:
        attach(draft, owner, [upload("big.pdf", b" " + exact)])
    assert exc.value.problems == ["“big.pdf”：文件大小为 1.0 MB，每个文件不得超过 1 MB。"]


def test_ofd_without_ofd_xml_at_its_root_is_refused():
    docx_like = zip_bytes({"word/document.xml": "<w/>", "sub/OFD.xml": OFD_XML})
    assert evidence.sniff(upload("a.ofd", docx_like)) == "根目录下没有 OFD.xml（GB/T 33190）"


def test_ofd_whose_doc_root_is_missing_is_refused():
    assert evidence.sniff(upload("a.ofd", zip_bytes({"OFD.xml": OFD_XML}))) == "其 OFD.xml 指向的文档不在文件中"


def test_ofd_with_a_foreign_xml_root_is_refused():
    data = zip_bytes({"OFD.xml": "<html/>", "Doc_0/Document.xml": "<x/>"})
    assert evidence.sniff(upload("a.ofd", data)) == "其 OFD.xml 不是 OFD 文档入口文件"


def test_ofd_with_an_xml_entity_bomb_is_refused():
    bomb = '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><ofd:OFD>&b;</ofd:OFD>'
    assert evidence.sniff(upload("a.ofd", zip_bytes({"OFD.xml": bomb}))) == "其 OFD.xml 无法读取"


def test_a_zip_bomb_posing_as_ofd_is_refused_by_its_expansion_ratio(draft, owner):
    bomb = zip_bytes({"OFD.xml": OFD_XML, "Doc_0/Document.xml": "<x/>"}, big=("Doc_0/Res/image.png", 20))
    assert len(bomb) < 100 * 1024
    with pytest.raises(evidence.EvidenceRejected) as exc:
        attach(draft, owner, [upload("决定.ofd", bomb)])
    assert exc.value.problems == ["“决定.ofd”未被接受：其中部件解压后远大于压缩大小（疑似压缩炸弹）。只接受 PDF、OFD、JPG 或 PNG 文件。"]


def test_an_ofd_unpacking_beyond_the_total_cap_is_refused(settings):
    settings.EVIDENCE_OFD_MAX_EXPANDED_MB = 1
    data = zip_bytes({"OFD.xml": OFD_XML, "Doc_0/Document.xml": "<x/>"}, big=("Doc_0/big.bin", 2))
    assert evidence.sniff(upload("a.ofd", data)) == "文件解压后超过 1 MB"


def test_an_ofd_with_a_path_traversal_part_is_refused():
    data = zip_bytes({"OFD.xml": OFD_XML, "Doc_0/Document.xml": "<x/>", "../../etc/cron.d/x": "boom"})
    assert evidence.sniff(upload("a.ofd", data)) == "文件含有路径不安全的部件"


def test_a_path_traversal_file_name_becomes_a_plain_label_and_the_storage_name_is_the_portals(draft, owner, _media):
    [saved] = attach(draft, owner, [upload("../../../etc/passwd.pdf", PDF)])
    assert saved.name == "passwd.pdf"
    assert saved.file.name.startswith(f"evidence/{draft.campaign.year}/{draft.unit_id}/")
    assert ".." not in saved.file.name
    assert (_media / saved.file.name).read_bytes() == PDF


def test_a_windows_path_and_control_characters_are_dropped_from_the_label(draft, owner):
    [saved] = attach(draft, owner, [upload("C:\\Users\\a\\照片\u202e1.jpg", JPEG)])
    assert saved.name == "照片1.jpg"


def test_a_batch_with_one_bad_file_saves_none_and_names_it(draft, owner):
    with pytest.raises(evidence.EvidenceRejected) as exc:
        attach(draft, owner, [upload("a.pdf", PDF), upload("b.png", EXE), upload("c.jpg", b"")])
    assert len(exc.value.problems) == 2
    assert exc.value.problems[1] == "“c.jpg”：文件是空的。"
    assert EvidenceFile.objects.count() == 0


# --- counts -------------------------------------------------------------------------------------------------

def test_files_per_item_at_the_limit(draft, owner, settings):
    settings.EVIDENCE_MAX_FILES_PER_ITEM = 2
    attach(draft, owner, [upload("1.pdf", PDF), upload("2.pdf", PDF)])
    with pytest.raises(evidence.EvidenceRejected) as exc:
        attach(draft, owner, [upload("3.pdf", PDF)])
    assert exc.value.problems == ["每个事项最多 2 个文件，该事项已有 2 个。"]
    # another item still takes files
    assert len(attach(draft, owner, [upload("3.pdf", PDF)], EvidenceKind.CHANGE, "relocated")) == 1


def test_files_per_filing_at_the_limit(draft, owner, settings):
    settings.EVIDENCE_MAX_FILES_PER_FILING = 2
    attach(draft, owner, [upload("1.pdf", PDF)])
    attach(draft, owner, [upload("2.pdf", PDF)], EvidenceKind.CHANGE, "relocated")
    with pytest.raises(evidence.EvidenceRejected) as exc:
        attach(draft, owner, [upload("3.pdf", PDF)], EvidenceKind.CHANGE, "penalised")
    assert exc.value.problems == ["每份动态管理表最多 2 个佐证材料文件。"]


# --- items ----------------------------------------------------------------------------------------------------

def test_a_change_file_needs_a_known_change(draft, owner):
    with pytest.raises(evidence.EvidenceRejected):
        attach(draft, owner, [upload("a.pdf", PDF)], EvidenceKind.CHANGE, "new_name")
    [saved] = attach(draft, owner, [upload("a.pdf", PDF)], EvidenceKind.CHANGE, "had_accident")
    assert evidence.item_label(saved.kind, saved.target) == "申报的重大变化：发生安全、质量或环境事故"


def test_a_flag_file_needs_a_flag_of_that_indicator(draft, owner):
    with pytest.raises(evidence.EvidenceRejected):
        attach(draft, owner, [upload("a.pdf", PDF)], EvidenceKind.FLAG, "energy_per_output")
    DataFlag.objects.create(filing=draft, code="energy_per_output", kind=FlagKind.YEAR_ON_YEAR, value=1)
    assert len(attach(draft, owner, [upload("a.pdf", PDF)], EvidenceKind.FLAG, "energy_per_output")) == 1


# --- who, and when --------------------------------------------------------------------------------------------

def test_the_filings_files_are_frozen_once_it_is_submitted(draft, owner):
    filing_services.submit_filing(draft, actor=owner)
    with pytest.raises(PermissionDenied) as exc:
        attach(draft, owner, [upload("a.pdf", PDF)])
    assert str(exc.value) == "动态管理表提交后，其佐证材料即已冻结；如被退回，请在答复中上传新材料。"


def test_a_file_cannot_be_removed_after_submission(draft, owner):
    [saved] = attach(draft, owner, [upload("a.pdf", PDF)])
    filing_services.submit_filing(draft, actor=owner)
    with pytest.raises(PermissionDenied):
        evidence.remove(saved, actor=owner)
    assert EvidenceFile.objects.filter(pk=saved.pk).exists()


def test_the_answer_to_a_return_takes_files_only_while_returned(campaign, gz_unit, owner, gz_reviewer):
    filing = submitted_filing(campaign, gz_unit, owner)
    with pytest.raises(PermissionDenied):
        attach(filing, owner, [upload("a.pdf", PDF)], EvidenceKind.RETURN_ANSWER)
    review_services.return_filing(filing, "请补充能源审计报告", actor=gz_reviewer)
    filing.refresh_from_db()
    with pytest.raises(PermissionDenied):  # the filing's own files stay frozen
        attach(filing, owner, [upload("a.pdf", PDF)])
    [saved] = attach(filing, owner, [upload("答复.pdf", PDF)], EvidenceKind.RETURN_ANSWER)
    assert (saved.kind, saved.target) == (EvidenceKind.RETURN_ANSWER, "1")
    filing_services.submit_filing(filing, actor=owner)
    filing.refresh_from_db()
    with pytest.raises(PermissionDenied):
        attach(filing, owner, [upload("b.pdf", PDF)], EvidenceKind.RETURN_ANSWER)


def test_someone_elses_filing_takes_no_file(draft, sz_unit):
    stranger = factories.enterprise_user(sz_unit, "ent_sz")
    with pytest.raises(PermissionDenied):
        attach(draft, stranger, [upload("a.pdf", PDF)])


def test_the_city_attaches_assessment_files_the_enterprise_cannot(campaign, gz_unit, owner, gz_reviewer):
    filing = submitted_filing(campaign, gz_unit, owner)
    assessment = review_services.save_assessment(filing, {"planned_date": campaign.filing_opens, "team": "评估组"},
                                                 actor=gz_reviewer)
    saved = attach(filing, gz_reviewer, [upload("现场.jpg", JPEG), upload("报告.pdf", PDF)], EvidenceKind.ASSESSMENT,
                   str(assessment.pk))
    assert [s.name for s in saved] == ["现场.jpg", "报告.pdf"]
    with pytest.raises(PermissionDenied):
        attach(filing, owner, [upload("a.pdf", PDF)], EvidenceKind.ASSESSMENT, str(assessment.pk))
    with pytest.raises(evidence.EvidenceRejected):
        attach(filing, gz_reviewer, [upload("a.pdf", PDF)], EvidenceKind.ASSESSMENT, "999999")


def test_only_the_province_attaches_miits_decision_to_an_approved_proposal(campaign, gz_unit, gz_reviewer, province):
    review_services.save_proposal(campaign, gz_unit, {"outcome": Outcome.KEEP}, actor=gz_reviewer)
    review_services.submit_package(campaign, gz_unit.city, actor=gz_reviewer, reason="未填报，按保留报送")
    proposal = review_services.AdjustmentProposal.objects.get(unit=gz_unit)
    with pytest.raises(PermissionDenied):
        evidence.attach([upload("d.pdf", PDF)], actor=province, kind=EvidenceKind.MIIT_DECISION, proposal=proposal)
    province_services.decide_proposal(proposal.pk, "approve", actor=province)
    proposal.refresh_from_db()
    with pytest.raises(PermissionDenied):
        evidence.attach([upload("d.pdf", PDF)], actor=gz_reviewer, kind=EvidenceKind.MIIT_DECISION, proposal=proposal)
    [saved] = evidence.attach([upload("d.ofd", ofd())], actor=province, kind=EvidenceKind.MIIT_DECISION,
                              proposal=proposal)
    assert saved.content_type == "application/ofd"
    assert Transition.objects.filter(object_id=proposal.pk, action="evidence_added").count() == 1


# --- audit ------------------------------------------------------------------------------------------------------

def test_upload_and_removal_are_audited_and_the_bytes_go(draft, owner, _media, django_capture_on_commit_callbacks):
    [saved] = attach(draft, owner, [upload("a.pdf", PDF)], EvidenceKind.CHANGE, "relocated")
    stored = _media / saved.file.name
    with django_capture_on_commit_callbacks(execute=True):
        evidence.remove(saved, actor=owner)
    rows = list(Transition.objects.filter(object_id=draft.pk, action__startswith="evidence").order_by("id")
                .values_list("action", "actor", "from_state", "to_state"))
    assert rows == [("evidence_added", owner.pk, FilingState.DRAFT, FilingState.DRAFT),
                    ("evidence_removed", owner.pk, FilingState.DRAFT, FilingState.DRAFT)]
    comment = Transition.objects.get(action="evidence_added").comment
    assert comment.startswith("申报的重大变化：发生搬迁：a.pdf（PDF，1 KB，SHA-256 ")
    assert not stored.exists()


# --- views ------------------------------------------------------------------------------------------------------

def test_upload_view_attaches_and_download_is_an_attachment_never_inline(client, draft, owner):
    login(client, owner)
    response = client.post(reverse("reviews:evidence_filing", args=[draft.pk]),
                           {"item": "filing:", "files": [upload("审计报告.pdf", PDF)]})
    assert response.status_code == 302
    saved = EvidenceFile.objects.get()
    response = client.get(reverse("reviews:evidence_download", args=[saved.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "%E5%AE%A1%E8%AE%A1%E6%8A%A5%E5%91%8A.pdf" in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF


def test_upload_view_refuses_a_bad_file_with_its_name(client, draft, owner):
    login(client, owner)
    response = client.post(reverse("reviews:evidence_filing", args=[draft.pk]),
                           {"item": "filing:", "files": [upload("x.pdf", EXE)]}, follow=True)
    texts = [str(m) for m in response.context["messages"]]
    assert texts[-1].startswith("“x.pdf”未被接受：")
    assert EvidenceFile.objects.count() == 0


def test_upload_view_after_submission_is_403(client, draft, owner):
    filing_services.submit_filing(draft, actor=owner)
    login(client, owner)
    response = client.post(reverse("reviews:evidence_filing", args=[draft.pk]),
                           {"item": "filing:", "files": [upload("a.pdf", PDF)]})
    assert response.status_code == 403
    assert EvidenceFile.objects.count() == 0


def test_someone_elses_filing_and_files_are_not_found(client, draft, owner, sz_unit, sz_reviewer):
    [saved] = attach(draft, owner, [upload("a.pdf", PDF)])
    for user in (factories.enterprise_user(sz_unit, "ent_sz"), sz_reviewer):
        login(client, user)
        assert client.post(reverse("reviews:evidence_filing", args=[draft.pk]),
                           {"item": "filing:", "files": [upload("b.pdf", PDF)]}).status_code == 404
        assert client.get(reverse("reviews:evidence_download", args=[saved.pk])).status_code == 404
        assert client.post(reverse("reviews:evidence_remove", args=[saved.pk])).status_code == 404
    assert EvidenceFile.objects.count() == 1


def test_the_city_and_the_province_may_download_the_enterprises_file(client, draft, owner, gz_reviewer, province):
    [saved] = attach(draft, owner, [upload("a.png", PNG)])
    for user in (gz_reviewer, province):
        login(client, user)
        response = client.get(reverse("reviews:evidence_download", args=[saved.pk]))
        assert (response.status_code, response["Content-Type"]) == (200, "image/png")


def test_anonymous_download_goes_to_the_login(client, draft, owner):
    [saved] = attach(draft, owner, [upload("a.png", PNG)])
    response = client.get(reverse("reviews:evidence_download", args=[saved.pk]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"] or "login" in response["Location"]


def test_remove_view_deletes_and_redirects_back(client, draft, owner):
    [saved] = attach(draft, owner, [upload("a.pdf", PDF)])
    login(client, owner)
    back = reverse("reviews:filing_edit", args=[draft.campaign.year, draft.unit_id])
    response = client.post(reverse("reviews:evidence_remove", args=[saved.pk]), {"next": back})
    assert (response.status_code, response["Location"]) == (302, back)
    assert EvidenceFile.objects.count() == 0


def test_the_filing_page_lists_the_files_by_item(client, draft, owner):
    attach(draft, owner, [upload("a.pdf", PDF)], EvidenceKind.CHANGE, "relocated")
    login(client, owner)
    response = client.get(reverse("reviews:filing_edit", args=[draft.campaign.year, draft.unit_id]))
    groups = response.context["evidence"]["groups"]
    assert [(g.kind, g.target, [f.name for f in g.files]) for g in groups] == [("change", "relocated", ["a.pdf"])]
    assert ("change:relocated", "申报的重大变化：发生搬迁") in response.context["evidence"]["form"].fields["item"].choices


# --- the storage configuration ------------------------------------------------------------------------------------

def test_evidence_storage_is_local_by_default_and_s3_when_a_bucket_is_set():
    from greenmfg import settings as project_settings

    assert project_settings.evidence_storage({})["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    s3 = project_settings.evidence_storage({"EVIDENCE_S3_BUCKET": "greenmfg-evidence",
                                             "EVIDENCE_S3_ENDPOINT_URL": "http://127.0.0.1:9000"})
    assert s3["BACKEND"] == "storages.backends.s3.S3Storage"
    assert s3["OPTIONS"]["bucket_name"] == "greenmfg-evidence"
    assert s3["OPTIONS"]["default_acl"] is None
    from storages.backends.s3 import S3Storage

    storage = S3Storage(**s3["OPTIONS"])  # builds without touching the network
    assert (storage.bucket_name, storage.endpoint_url) == ("greenmfg-evidence", "http://127.0.0.1:9000")


def test_check_evidence_finds_missing_bytes_and_orphans(draft, owner, _media):
    import json

    from django.core.management import CommandError, call_command

    [kept, lost] = attach(draft, owner, [upload("a.pdf", PDF), upload("b.pdf", PDF)])
    (_media / lost.file.name).unlink()
    orphan = _media / "evidence" / "2099" / "1" / "orphan.pdf"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(PDF)
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("check_evidence", "--delete-orphans", stdout=out)
    assert json.loads(out.getvalue()) == {"rows": 2, "missing": [lost.pk], "orphans": 1, "deleted": 1}
    assert not orphan.exists() and (_media / kept.file.name).exists()


def test_posting_to_a_proposal_without_the_right_is_403_never_500(client, campaign, gz_unit, gz_reviewer, owner):
    review_services.save_proposal(campaign, gz_unit, {"outcome": Outcome.KEEP}, actor=gz_reviewer)
    proposal = review_services.AdjustmentProposal.objects.get()
    for user, item in ((gz_reviewer, "miit_decision:"), (owner, "filing:"), (owner, "bogus:x")):
        login(client, user)
        response = client.post(reverse("reviews:evidence_proposal", args=[proposal.pk]),
                               {"item": item, "files": [upload("d.pdf", PDF)]})
        assert response.status_code == 403
    assert EvidenceFile.objects.count() == 0


@pytest.mark.parametrize("item", ["bogus:", "miit_decision:", "flag:nope", "", "assessment:1"])
def test_posting_an_unknown_item_to_a_draft_saves_nothing_and_says_why(client, draft, owner, item):
    login(client, owner)
    response = client.post(reverse("reviews:evidence_filing", args=[draft.pk]),
                           {"item": item, "files": [upload("a.pdf", PDF)]}, follow=True)
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]][0].startswith("未保存任何内容。")
    assert EvidenceFile.objects.count() == 0


def test_the_rule_refuses_a_kind_without_its_owner(draft, owner):
    from reviews import rules

    assert rules.can_attach_evidence(owner, EvidenceKind.FILING, filing=None).reason == "此处不能上传文件。"
    assert not rules.can_attach_evidence(owner, EvidenceKind.MIIT_DECISION, filing=draft)


def test_a_district_reviewer_downloads_the_files_of_the_districts_units_only(client, campaign, owner, gz_unit):
    tianhe = factories.district("天河区")
    inside = factories.UnitFactory(name="天河佐证工厂", district=tianhe)
    filing = filing_services.filing_for(campaign, inside)
    inside_owner = factories.enterprise_user(inside, "ent_tianhe")
    filing_services.save_filing(filing, totals(), actor=inside_owner)
    [own] = attach(filing, inside_owner, [upload("a.pdf", PDF)])
    draft = filing_services.filing_for(campaign, gz_unit)
    filing_services.save_filing(draft, totals(), actor=owner)
    [other] = attach(draft, owner, [upload("b.pdf", PDF)])
    login(client, factories.district_user("天河区", "tianhe_reviewer", city_name="广州市"))
    assert client.get(reverse("reviews:evidence_download", args=[own.pk])).status_code == 200
    assert client.get(reverse("reviews:evidence_download", args=[other.pk])).status_code == 404


def test_the_admin_lists_evidence_without_a_link_to_the_stored_file(client, draft, owner):
    [saved] = attach(draft, owner, [upload("a.pdf", PDF)])
    admin = factories.UserFactory(username="ops", is_staff=True, is_superuser=True)
    login(client, admin)
    response = client.get(reverse("admin:reviews_evidencefile_change", args=[saved.pk]))
    assert response.status_code == 200
    assert "file" not in response.context["adminform"].form.fields


# --- the rule, state by state ---------------------------------------------------------------------------------

RULE_TABLE = [  # kind, who, {state: allowed}
    (EvidenceKind.FILING, "owner", {"draft": True, "submitted": False, "returned": False, "accepted": False}),
    (EvidenceKind.CHANGE, "owner", {"draft": True, "submitted": False, "returned": False, "accepted": False}),
    (EvidenceKind.FLAG, "owner", {"draft": True, "submitted": False, "returned": False, "accepted": False}),
    (EvidenceKind.RETURN_ANSWER, "owner", {"draft": False, "submitted": False, "returned": True, "accepted": False}),
    (EvidenceKind.ASSESSMENT, "city", {"draft": False, "submitted": True, "returned": False, "accepted": True}),
    (EvidenceKind.FILING, "city", {"draft": False, "submitted": False, "returned": False, "accepted": False}),
    (EvidenceKind.ASSESSMENT, "owner", {"draft": False, "submitted": False, "returned": False, "accepted": False}),
    (EvidenceKind.ASSESSMENT, "province", {"draft": False, "submitted": False, "returned": False, "accepted": False}),
]


@pytest.mark.parametrize("kind,who,expected", RULE_TABLE)
def test_rule_can_attach_evidence_state_by_state(kind, who, expected, gz_unit, owner, gz_reviewer, province):
    from reviews import rules
    from reviews.models import Filing

    user = {"owner": owner, "city": gz_reviewer, "province": province}[who]
    answers = {state: bool(rules.can_attach_evidence(user, kind, filing=Filing(unit=gz_unit, state=state)))
               for state in expected}
    assert answers == expected


@pytest.mark.parametrize("state,allowed", [("draft", False), ("submitted", False), ("approved", True), ("returned", False)])
def test_rule_miit_document_only_on_an_approved_proposal(state, allowed, gz_unit, province, gz_reviewer):
    from reviews import rules
    from reviews.models import AdjustmentProposal

    proposal = AdjustmentProposal(unit=gz_unit, state=state)
    assert bool(rules.can_attach_evidence(province, EvidenceKind.MIIT_DECISION, proposal=proposal)) is allowed
    assert not rules.can_attach_evidence(gz_reviewer, EvidenceKind.MIIT_DECISION, proposal=proposal)
