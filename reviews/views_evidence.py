"""Evidence files: the upload, the download (always an attachment) and the removal; and the panel other pages show.

A file is found only through registry.access (someone who may not see its filing gets a 404); who may add or
remove which file is reviews.rules.can_attach_evidence (a denial is a 403 with the reason).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from greenmfg.rules import require
from registry import access

from . import evidence, rules
from .enums import EvidenceKind
from .forms_evidence import EvidenceForm
from .indicators import BY_CODE
from .models import AdjustmentProposal, EvidenceFile, Filing

FILING_KINDS = (EvidenceKind.FILING, EvidenceKind.CHANGE, EvidenceKind.FLAG)


def visible_evidence(user):
    """Evidence files of the units the user may see (the same scope as their filings)."""
    return access.scoped(EvidenceFile.objects.all(), user)


def upload_items(user, *, filing: Filing | None = None, proposal: AdjustmentProposal | None = None,
                 assessments: dict | None = None) -> list[tuple[str, str]]:
    """("kind:target", label) for every item the user may attach files to now."""
    items = []
    if filing is not None and filing.pk:
        if rules.can_attach_evidence(user, EvidenceKind.FILING, filing=filing):
            items.append((f"{EvidenceKind.FILING}:", str(EvidenceKind.FILING.label)))
            items += [(f"{EvidenceKind.CHANGE}:{key}", evidence.item_label(EvidenceKind.CHANGE, key))
                      for key in evidence.change_keys()]
            codes = sorted({f.code for f in filing.flags.all() if f.code in BY_CODE})
            items += [(f"{EvidenceKind.FLAG}:{code}", evidence.item_label(EvidenceKind.FLAG, code)) for code in codes]
        if rules.can_attach_evidence(user, EvidenceKind.RETURN_ANSWER, filing=filing):
            items.append((f"{EvidenceKind.RETURN_ANSWER}:", str(EvidenceKind.RETURN_ANSWER.label)))
        if rules.can_attach_evidence(user, EvidenceKind.ASSESSMENT, filing=filing):
            if assessments is None:
                assessments = {a.pk: a for a in filing.assessments.all()}
            items += [(f"{EvidenceKind.ASSESSMENT}:{pk}", evidence.item_label(EvidenceKind.ASSESSMENT, str(pk),
                                                                               assessments=assessments))
                      for pk in assessments]
    if proposal is not None and rules.can_attach_evidence(user, EvidenceKind.MIIT_DECISION, proposal=proposal):
        items.append((f"{EvidenceKind.MIIT_DECISION}:", str(EvidenceKind.MIIT_DECISION.label)))
    return items


def panel(request, *, filing: Filing | None = None, proposal: AdjustmentProposal | None = None,
          assessments: list | None = None) -> dict:
    """The context of templates/reviews/_evidence.html for a filing's or a proposal's page: one query for the files,
    one for the filing's flags where the enterprise may attach files to them, one for its assessments unless the
    page passes them."""
    owner = {"filing": filing} if filing is not None else {"proposal": proposal}
    files = list(EvidenceFile.objects.filter(**owner).select_related("uploaded_by")) if (filing or proposal).pk else []
    if assessments is not None:
        assessments = {a.pk: a for a in assessments}
    elif filing is not None and any(f.kind == EvidenceKind.ASSESSMENT for f in files):
        assessments = {a.pk: a for a in filing.assessments.all()}
    for f in files:
        f.can_remove = bool(rules.can_attach_evidence(request.user, f.kind, filing=filing, proposal=proposal))
    items = upload_items(request.user, filing=filing, proposal=proposal, assessments=assessments)
    if filing is not None:
        action = reverse("reviews:evidence_filing", kwargs={"pk": filing.pk}) if filing.pk else None
    else:
        action = reverse("reviews:evidence_proposal", kwargs={"pk": proposal.pk})
    return {
        "groups": evidence.groups(files, assessments=assessments or {}), "count": len(files),
        "form": EvidenceForm(items=items) if items and action else None, "action": action,
        "next": request.get_full_path(), "max_mb": settings.EVIDENCE_MAX_MB,
    }


def _back(request, default: str) -> str:
    target = request.POST.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def _upload(request, *, filing=None, proposal=None, default_back: str):
    items = upload_items(request.user, filing=filing, proposal=proposal)
    form = EvidenceForm(request.POST, request.FILES, items=items)
    back = _back(request, default_back)
    if not items:
        # Nothing may be attached here now: the rule says why (frozen after submission, not the enterprise …).
        asked = request.POST.get("item", "").partition(":")[0]
        if proposal is not None:
            kind = EvidenceKind.MIIT_DECISION
        else:
            kind = asked if asked in EvidenceKind.values and asked != EvidenceKind.MIIT_DECISION else EvidenceKind.FILING
        require(rules.can_attach_evidence(request.user, kind, filing=filing, proposal=proposal))
    if not form.is_valid():
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            messages.error(request, _("Nothing was saved.") + " " + (f"{label}：" if label else "") + " ".join(errors))
        return redirect(back)
    kind, target = form.kind_and_target()
    try:
        saved = evidence.attach(form.cleaned_data["files"], actor=request.user, kind=kind, filing=filing,
                                proposal=proposal, target=target)
    except evidence.EvidenceRejected as exc:
        messages.error(request, _("Nothing was saved."))
        for problem in exc.problems:
            messages.error(request, problem)
    else:
        messages.success(request, _("%(n)d file(s) attached.") % {"n": len(saved)})
    return redirect(back)


@login_required
@require_POST
def evidence_filing(request, pk: int):
    filing = get_object_or_404(access.scoped(Filing.objects.select_related("unit", "campaign"), request.user), pk=pk)
    return _upload(request, filing=filing, default_back=reverse("reviews:filing_detail", kwargs={"pk": filing.pk}))


@login_required
@require_POST
def evidence_proposal(request, pk: int):
    proposal = get_object_or_404(access.scoped(AdjustmentProposal.objects.select_related("unit", "campaign"), request.user),
                                 pk=pk)
    return _upload(request, proposal=proposal, default_back=reverse("reviews:proposal_detail", kwargs={"pk": proposal.pk}))


@login_required
def evidence_download(request, pk: int):
    """The file as a download, never shown inline: attachment, its detected type, nosniff, no caching by proxies."""
    item = get_object_or_404(visible_evidence(request.user), pk=pk)
    try:
        handle = evidence.open_for_download(item)
    except (FileNotFoundError, OSError):
        raise Http404(_("The stored file is missing; ask the operators to restore it from the backup.")) from None
    response = FileResponse(handle, as_attachment=True, filename=item.name, content_type=item.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def evidence_remove(request, pk: int):
    item = get_object_or_404(visible_evidence(request.user).select_related("filing", "proposal"), pk=pk)
    default = (reverse("reviews:filing_detail", kwargs={"pk": item.filing_id}) if item.filing_id
               else reverse("reviews:proposal_detail", kwargs={"pk": item.proposal_id}))
    back = _back(request, default)
    evidence.remove(item, actor=request.user)
    messages.success(request, _("The file “%(name)s” was removed.") % {"name": item.name})
    return redirect(back)
