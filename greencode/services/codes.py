"""The enterprise's green code: apply (申领), withdraw, revoke, verify. One function per state change."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry import access
from registry.models import Unit

from ..enums import CodeStatus, NoCodeReason
from ..models import GreenCode, Score
from . import scoring, signatures

SIGNING_SALT = "greencode.verify"


class CodeError(Exception):
    """An action that is not allowed now; the message says why."""


def code_number(unit_id: int, year: int, level: str) -> str:
    """粤绿码 number: GD-<year>-<N|P><unit id, 7 digits>."""
    return f"GD-{year}-{'N' if level == 'national' else 'P'}{unit_id:07d}"


def sign(code: GreenCode) -> str:
    """The verification token of a code, signed with the province's key (services.signatures)."""
    return signatures.sign(code)


def unsign(token: str) -> str | None:
    """The code number in a verification token, or None if it was tampered with or made up. Tokens printed
    before the province's key (HMAC with SECRET_KEY) still verify."""
    return signatures.unsign(token)


def status_of(code: GreenCode | None, today=None) -> str:
    if code is None or code.withdrawn_at is not None:
        return CodeStatus.UNKNOWN
    if code.revoked_at is not None:
        return CodeStatus.REVOKED
    today = today or timezone.localdate()
    if today > code.valid_until:
        return CodeStatus.EXPIRED
    return CodeStatus.VALID


def current_score(unit: Unit, year: int | None = None) -> Score | None:
    """The unit's score in the newest finished run of its cohort (newest year, or the given year)."""
    qs = Score.objects.filter(unit=unit, run__status="finished", run__level=unit.level)
    if year is not None:
        qs = qs.filter(run__year=year)
    return qs.select_related("run", "industry").order_by("-run__year", "-run__finished_at", "-run_id").first()


@transaction.atomic
def apply_for_code(user, unit: Unit, year: int) -> GreenCode:
    """The enterprise applies for its code of `year`. Voluntary; re-applying after withdrawal re-opens it."""
    if unit.pk not in access.roles_of(user).unit_ids:
        raise CodeError(_("Only the enterprise itself can apply for its green code."))
    score = current_score(unit, year)
    if score is None or not score.grade:
        reason = NoCodeReason(score.reason).label if score else NoCodeReason.NOT_FILED.label
        raise CodeError(_("No code can be issued for %(year)s: %(reason)s.") % {"year": year, "reason": reason})
    now = timezone.now()
    code = GreenCode.objects.select_for_update().filter(unit=unit, year=year).first()
    if code and code.withdrawn_at is None and code.revoked_at is None:
        raise CodeError(_("You have already applied for this code."))
    if code is None:
        code = GreenCode(unit=unit, year=year, number=code_number(unit.pk, year, unit.level))
    code.grade, code.score = score.grade, score
    code.issued_at, code.valid_until = now, scoring.valid_until(year)
    code.revoked_at, code.revoked_reason, code.withdrawn_at = None, "", None
    code.applied_by = user
    code.save()
    return code


@transaction.atomic
def withdraw_code(user, code: GreenCode) -> GreenCode:
    if code.unit_id not in access.roles_of(user).unit_ids:
        raise CodeError(_("Only the enterprise itself can withdraw its green code."))
    if code.withdrawn_at is not None:
        raise CodeError(_("This code was already withdrawn."))
    code.withdrawn_at = timezone.now()
    code.save(update_fields=["withdrawn_at"])
    return code


def revoke_unit_codes(unit_id: int, *, reason: str) -> int:
    """Revoke at once every live code of the unit (removal or incident)."""
    labels = {"incident": str(NoCodeReason.INCIDENT.label), "removed": str(NoCodeReason.REMOVED.label)}
    return GreenCode.objects.filter(unit_id=unit_id, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason=labels.get(reason, reason)[:300])


@dataclass
class Verification:
    status: str
    code: GreenCode | None = None
    tampered: bool = False

    def as_json(self) -> dict:
        c = self.code if self.status != CodeStatus.UNKNOWN else None
        return {
            "status": self.status,
            "tampered": self.tampered,
            "number": c.number if c else None,
            "name": c.unit.name if c else None,
            "credit_code": c.unit.masked_credit_code if c else None,
            "grade": c.grade if c else None,
            "year": c.year if c else None,
            "valid_until": c.valid_until.isoformat() if c else None,
            "revoked_at": c.revoked_at.isoformat() if c and c.revoked_at else None,
        }


def verify(*, token: str | None = None, number: str | None = None) -> Verification:
    """Look a code up by signed token or by number, with one query."""
    if token is not None:
        number = unsign(token)
        if number is None:
            return Verification(CodeStatus.UNKNOWN, tampered=True)
    number = (number or "").strip().upper()
    if not number or len(number) > 30:
        return Verification(CodeStatus.UNKNOWN)
    code = GreenCode.objects.select_related("unit").filter(number=number).first()
    status = status_of(code)
    return Verification(status, code if status != CodeStatus.UNKNOWN else None)
