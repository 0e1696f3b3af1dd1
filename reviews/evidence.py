"""Evidence files (佐证材料): attach, remove and list them, with the type read from the content, never the name.

Accepted: PDF, OFD (GB/T 33190: a ZIP container whose root holds OFD.xml, checked with bounded reads so a zip
bomb posing as OFD is refused), JPEG and PNG. Size and count are limited by settings (EVIDENCE_*). Who may
attach what and when is reviews.rules.can_attach_evidence; every addition and removal is audited on the
filing (or, for MIIT's decision, on the proposal). Files are stored through the "evidence" storage alias under
a name the portal makes up; the person's file name is kept only as a label (and as the download's name).
"""

from __future__ import annotations

import hashlib
import posixpath
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass, field

from defusedxml import ElementTree
from django.conf import settings
from django.db import models, transaction
from django.utils.translation import gettext as _

from greenmfg.rules import require

from . import audit, queries, rules
from .enums import EvidenceKind
from .forms_filing import CHANGE_FIELDS
from .indicators import BY_CODE
from .models import AdjustmentProposal, EvidenceFile, Filing, OnSiteAssessment, Transition


class EvidenceRejected(Exception):
    """Files that cannot be kept: every message names the file and says why. Nothing of the batch was saved."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class FileType:
    ext: str
    content_type: str
    label: str


PDF = FileType("pdf", "application/pdf", "PDF")
OFD = FileType("ofd", "application/ofd", "OFD")
JPEG = FileType("jpg", "image/jpeg", "JPG")
PNG = FileType("png", "image/png", "PNG")
TYPE_LABELS = {t.content_type: t.label for t in (PDF, OFD, JPEG, PNG)}

OFD_NAMESPACE = "http://www.ofdspec.org/2016"
OFD_XML_MAX_BYTES = 1024 * 1024
OFD_MAX_PARTS = 10000
# A part smaller than this may compress very well without being suspicious (repetitive XML).
RATIO_CHECK_FROM = 1024 * 1024


def max_bytes() -> int:
    return settings.EVIDENCE_MAX_MB * 1024 * 1024


def change_keys() -> list[str]:
    """The declared changes a file can stand behind: the yes/no fields of the major-changes section."""
    return [name for name in CHANGE_FIELDS if isinstance(Filing._meta.get_field(name), models.BooleanField)]


# --- recognising a file by its content ------------------------------------------------------------------

def _read_at(upload, offset: int, length: int) -> bytes:
    upload.seek(offset)
    return upload.read(length)


def _ofd_problem(upload) -> str | None:
    """Why the ZIP is not a well-formed OFD container, or None. Reads only the central directory and OFD.xml."""
    upload.seek(0)
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError, ValueError):
        return _("it is a damaged ZIP, not an OFD document")
    with archive:
        parts = archive.infolist()
        if len(parts) > OFD_MAX_PARTS:
            return _("it has more than %(n)d parts") % {"n": OFD_MAX_PARTS}
        expanded_limit = settings.EVIDENCE_OFD_MAX_EXPANDED_MB * 1024 * 1024
        if sum(p.file_size for p in parts) > expanded_limit:
            return _("it would unpack to more than %(mb)d MB") % {"mb": settings.EVIDENCE_OFD_MAX_EXPANDED_MB}
        for part in parts:
            name = part.filename
            if name.startswith(("/", "\\")) or ".." in name.replace("\\", "/").split("/") or ":" in name:
                return _("it contains a part with an unsafe path")
            if part.file_size >= RATIO_CHECK_FROM and part.file_size > settings.EVIDENCE_OFD_MAX_RATIO * max(part.compress_size, 1):
                return _("a part expands far beyond its packed size (a zip bomb)")
        try:
            entry = archive.getinfo("OFD.xml")
        except KeyError:
            return _("its root holds no OFD.xml (GB/T 33190)")
        if entry.file_size > OFD_XML_MAX_BYTES:
            return _("its OFD.xml is too large")
        try:
            with archive.open(entry) as handle:
                data = handle.read(OFD_XML_MAX_BYTES + 1)
            if len(data) > OFD_XML_MAX_BYTES:
                return _("its OFD.xml is too large")
            root = ElementTree.fromstring(data)
        except Exception:  # noqa: BLE001 (a damaged part, bad XML or an entity trick: all mean "not an OFD")
            return _("its OFD.xml cannot be read")
        if root.tag not in (f"{{{OFD_NAMESPACE}}}OFD", "OFD"):
            return _("its OFD.xml is not an OFD document entry")
        doc_roots = [el.text.strip().lstrip("/") for el in root.iter() if el.tag.endswith("DocRoot") and el.text]
        names = {p.filename for p in parts}
        if not doc_roots or not all(r in names for r in doc_roots):
            return _("its OFD.xml names no document that the file contains")
    return None


def sniff(upload) -> FileType | str:
    """The file's type from its bytes, or the reason it is refused (the upload's name plays no part)."""
    head = _read_at(upload, 0, 16)
    if head.startswith(b"%PDF-"):
        tail = _read_at(upload, max(upload.size - 2048, 0), 2048)
        return PDF if b"%%EOF" in tail else _("it starts like a PDF but is incomplete (no end-of-file marker)")
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        problem = _ofd_problem(upload)
        return problem or OFD
    return _("its content is none of PDF, OFD, JPG or PNG (the file's name does not count)")


def clean_name(raw: str, file_type: FileType) -> str:
    """A label for the file: the last path segment, no control characters, the extension of its real type."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    stem = name.rsplit(".", 1)[0].strip() if "." in name else name
    return f"{(stem or _('evidence'))[:120]}.{file_type.ext}"


def _sha256(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def check_upload(upload) -> FileType:
    """The upload's type, or EvidenceRejected naming the file and the reason."""
    name = posixpath.basename((upload.name or "").replace("\\", "/")) or _("(no name)")
    if not upload.size:
        raise EvidenceRejected([_("“%(name)s”: the file is empty.") % {"name": name}])
    if upload.size > max_bytes():
        raise EvidenceRejected([_("“%(name)s”: the file is %(size)s; at most %(mb)d MB per file.")
                                % {"name": name, "size": human_size(upload.size), "mb": settings.EVIDENCE_MAX_MB}])
    found = sniff(upload)
    if isinstance(found, str):
        raise EvidenceRejected([_("“%(name)s” was refused: %(reason)s. Accepted: PDF, OFD, JPG or PNG.")
                                % {"name": name, "reason": found}])
    return found


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{max(size // 1024, 1)} KB"


# --- items a file can stand behind --------------------------------------------------------------------

return_round = queries.return_round


def item_label(kind: str, target: str, *, assessments: dict | None = None) -> str:
    if kind == EvidenceKind.CHANGE and target in change_keys():
        return f"{EvidenceKind(kind).label}：{Filing._meta.get_field(target).verbose_name}"
    if kind == EvidenceKind.FLAG and target in BY_CODE:
        return f"{EvidenceKind(kind).label}：{BY_CODE[target].label}"
    if kind == EvidenceKind.RETURN_ANSWER and target:
        return _("The answer to return no. %(n)s") % {"n": target}
    if kind == EvidenceKind.ASSESSMENT and assessments and target.isdigit() and int(target) in assessments:
        a = assessments[int(target)]
        return f"{EvidenceKind(kind).label}：{a.planned_date:%Y-%m-%d} {a.team}"
    return str(EvidenceKind(kind).label) if kind in EvidenceKind.values else kind


def _check_target(kind: str, target: str, filing: Filing | None) -> str:
    target = (target or "").strip()
    if kind in (EvidenceKind.FILING, EvidenceKind.MIIT_DECISION):
        return ""
    if kind == EvidenceKind.RETURN_ANSWER:
        return str(return_round(filing))
    if kind == EvidenceKind.CHANGE and target in change_keys():
        return target
    if kind == EvidenceKind.FLAG and filing.flags.filter(code=target).exists():
        return target
    if kind == EvidenceKind.ASSESSMENT and target.isdigit() and filing.assessments.filter(pk=int(target)).exists():
        return target
    raise EvidenceRejected([_("Choose what the file stands behind: “%(target)s” is not an item of this filing.")
                            % {"target": target}])


# --- attach and remove ----------------------------------------------------------------------------------

def _audit(subject, action: str, evidence: EvidenceFile, *, actor, assessments=None) -> Transition:
    state = getattr(subject, "state", "")
    comment = (f"{item_label(evidence.kind, evidence.target, assessments=assessments)}：{evidence.name}"
               f"（{TYPE_LABELS.get(evidence.content_type, evidence.content_type)}，{human_size(evidence.size)}，SHA-256 {evidence.sha256[:16]}）")
    return audit.record(subject, action, actor=actor, from_state=state, to_state=state, comment=comment)


def _locked(filing: Filing | None, proposal: AdjustmentProposal | None):
    if filing is not None:
        return Filing.objects.select_for_update().select_related("unit", "campaign").get(pk=filing.pk), None
    return None, AdjustmentProposal.objects.select_for_update().select_related("unit", "campaign").get(pk=proposal.pk)


@transaction.atomic
def attach(uploads: list, *, actor, kind: str, filing: Filing | None = None, proposal: AdjustmentProposal | None = None,
           target: str = "") -> list[EvidenceFile]:
    """Keep `uploads` as evidence of one item; all of them or none (EvidenceRejected names every bad file)."""
    filing, proposal = _locked(filing, proposal)
    require(rules.can_attach_evidence(actor, kind, filing=filing, proposal=proposal))
    target = _check_target(kind, target, filing)
    if not uploads:
        raise EvidenceRejected([_("Choose at least one file.")])
    owner_filter = {"filing": filing} if filing is not None else {"proposal": proposal}
    existing = EvidenceFile.objects.filter(**owner_filter)
    in_item = existing.filter(kind=kind, target=target).count()
    if in_item + len(uploads) > settings.EVIDENCE_MAX_FILES_PER_ITEM:
        raise EvidenceRejected([_("At most %(max)d files per item; this item has %(n)d already.")
                                % {"max": settings.EVIDENCE_MAX_FILES_PER_ITEM, "n": in_item}])
    if filing is not None and existing.count() + len(uploads) > settings.EVIDENCE_MAX_FILES_PER_FILING:
        raise EvidenceRejected([_("At most %(max)d evidence files per filing.") % {"max": settings.EVIDENCE_MAX_FILES_PER_FILING}])
    problems, checked = [], []
    for upload in uploads:
        try:
            checked.append((upload, check_upload(upload)))
        except EvidenceRejected as exc:
            problems.extend(exc.problems)
    if problems:
        raise EvidenceRejected(problems)
    unit = (filing or proposal).unit
    campaign = (filing or proposal).campaign
    storage_names, saved = [], []
    assessments = _assessments(filing)
    try:
        for upload, file_type in checked:
            evidence = EvidenceFile(
                campaign=campaign, unit=unit, filing=filing, proposal=proposal, kind=kind, target=target,
                name=clean_name(upload.name, file_type), content_type=file_type.content_type, size=upload.size,
                sha256=_sha256(upload), uploaded_by=actor,
            )
            path = f"evidence/{campaign.year}/{unit.pk}/{uuid.uuid4().hex}.{file_type.ext}"
            evidence.file.name = evidence.file.storage.save(path, upload)
            storage_names.append(evidence.file.name)
            evidence.save()
            _audit(filing or proposal, "evidence_added", evidence, actor=actor, assessments=assessments)
            saved.append(evidence)
    except BaseException:
        for name in storage_names:
            EvidenceFile.file.field.storage.delete(name)
        raise
    return saved


@transaction.atomic
def remove(evidence: EvidenceFile, *, actor) -> None:
    """Delete one evidence file (the row now, the stored bytes after commit); audited on its filing or proposal."""
    filing, proposal = _locked(evidence.filing, evidence.proposal if evidence.filing_id is None else None)
    require(rules.can_attach_evidence(actor, evidence.kind, filing=filing, proposal=proposal))
    _audit(filing or proposal, "evidence_removed", evidence, actor=actor, assessments=_assessments(filing))
    name, storage = evidence.file.name, evidence.file.storage
    evidence.delete()
    transaction.on_commit(lambda: storage.delete(name))


def _assessments(filing: Filing | None) -> dict:
    return {a.pk: a for a in OnSiteAssessment.objects.filter(filing=filing)} if filing is not None else {}


# --- reading ----------------------------------------------------------------------------------------------

@dataclass
class EvidenceGroup:
    label: str
    kind: str
    target: str
    files: list = field(default_factory=list)


def groups(files, *, assessments: dict | None = None) -> list[EvidenceGroup]:
    """Files grouped by the item they stand behind, in the model's order (kind, item, upload time)."""
    out: dict[tuple[str, str], EvidenceGroup] = {}
    for f in files:
        key = (f.kind, f.target)
        if key not in out:
            out[key] = EvidenceGroup(item_label(f.kind, f.target, assessments=assessments), f.kind, f.target)
        out[key].files.append(f)
    return list(out.values())


def open_for_download(evidence: EvidenceFile):
    """The stored bytes, as a file object (local disk or the bucket, whichever the storage is)."""
    return evidence.file.storage.open(evidence.file.name, "rb")


def stored_names(storage, root: str = "evidence"):
    """Every stored file under `root`, walking the storage's folders (local disk and buckets alike)."""
    try:
        folders, files = storage.listdir(root)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        yield f"{root}/{name}"
    for folder in folders:
        yield from stored_names(storage, f"{root}/{folder}")
