"""The enterprise's green code: apply (申领), withdraw, revoke, verify. One function per state change."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from greenmfg.rules import require
from greenmfg.statemachine import TransitionNotAllowed
from registry.models import Unit

from .. import rules
from ..enums import CODE_MACHINE, CodeState, CodeStatus, NoCodeReason
from ..models import GreenCode, GreenCodeEvent, Score
from . import scoring, signatures

SIGNING_SALT = "greencode.verify"


class CodeError(Exception):
    """An action that is not allowed now; the message says why."""


# Code numbers: a random part from an alphabet without look-alike characters, and a check character, so a
# number reveals nothing about the unit or the order of issue and a mistyped one is caught before a lookup.
NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRTUWXY"
RANDOM_LENGTH = 10


def number_check(body: str) -> str:
    """The check character of a code number's random part (weighted sum, mod the alphabet's size)."""
    values = [NUMBER_ALPHABET.index(ch) for ch in body]
    total = sum(v * (i + 2) for i, v in enumerate(values))
    return NUMBER_ALPHABET[total % len(NUMBER_ALPHABET)]


def code_number(year: int, level: str) -> str:
    """粤绿码 number: GD-<year>-<N|P><10 random characters><check character>."""
    body = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(RANDOM_LENGTH))
    return f"GD-{year}-{'N' if level == 'national' else 'P'}{body}{number_check(body)}"


def number_is_well_formed(number: str) -> bool:
    """True for a number of the current format whose check character is right, and for the numbers issued
    before it (GD-<year>-<N|P><7 digits>), which keep verifying."""
    parts = number.split("-")
    if len(parts) != 3 or parts[0] != "GD" or not (len(parts[1]) == 4 and parts[1].isascii() and parts[1].isdigit()):
        return False
    tail = parts[2]
    if len(tail) < 2 or tail[0] not in "NP":
        return False
    rest = tail[1:]
    if len(rest) == 7 and rest.isascii() and rest.isdigit():
        return True
    if len(rest) != RANDOM_LENGTH + 1 or any(ch not in NUMBER_ALPHABET for ch in rest):
        return False
    return number_check(rest[:-1]) == rest[-1]


def sign(code: GreenCode) -> str:
    """The verification token of a code, signed with the province's key (services.signatures)."""
    return signatures.sign(code)


def unsign(token: str) -> str | None:
    """The code number in a verification token, or None if it was tampered with or made up. Tokens printed
    before the province's key (HMAC with SECRET_KEY) still verify."""
    return signatures.unsign(token)


def status_of(code: GreenCode | None, today=None) -> str:
    if code is None or code.state == CodeState.WITHDRAWN:
        return CodeStatus.UNKNOWN
    if code.state == CodeState.REVOKED:
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


# --- the one function that moves a code, with its history ------------------------------------------------

def _move(code: GreenCode, action: str, *, actor, reason: str = "", grade: str | None = None, run=None,
          fields=(), at=None) -> GreenCodeEvent:
    """Check the move on the code's machine, set state (and grade), save, write the event. Nothing else
    assigns a code's state."""
    before_state = code.state if code.pk else None
    before_grade = code.grade if code.pk else ""
    try:
        after = CODE_MACHINE.check(action, before_state)
    except TransitionNotAllowed as exc:
        raise CodeError(str(exc)) from None
    code.state = after
    if grade is not None:
        code.grade = grade
    if code.pk is None:
        code.save()
    else:
        code.save(update_fields=sorted({"state", "grade", *fields}))
    return GreenCodeEvent.objects.create(
        code=code, action=action, from_state=before_state or "", to_state=after, from_grade=before_grade,
        to_grade=code.grade, reason=str(reason)[:500], actor=actor, run=run, at=at or timezone.now())


@transaction.atomic
def apply_for_code(user, unit: Unit, year: int, *, now=None) -> GreenCode:
    """The enterprise applies for its code of `year` (voluntary); re-applying after its own withdrawal re-opens
    it. A revoked code stays revoked: only the province reinstates (reinstate_code). `now` places the application
    in the past (the demo's history); the rules are judged as of that moment."""
    now = now or timezone.now()
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    score = current_score(unit, year)
    code = GreenCode.objects.select_for_update().filter(unit=unit, year=year).first()
    until = scoring.valid_until(year)
    decision = rules.can_apply(user, unit, year, score=score, code=code, valid_until=until,
                               today=timezone.localdate(now))
    if not decision:
        raise CodeError(decision.reason)
    if code is None:
        code = GreenCode(unit=unit, year=year, number=code_number(year, unit.level))
    code.score, code.issued_at, code.valid_until = score, now, until
    code.withdrawn_at, code.applied_by = None, user
    _move(code, "issue", actor=user, grade=score.grade, run=score.run, at=now,
          fields=["score", "issued_at", "valid_until", "withdrawn_at", "applied_by"])
    return code


@transaction.atomic
def withdraw_code(user, code: GreenCode) -> GreenCode:
    code = GreenCode.objects.select_for_update().select_related("unit").get(pk=code.pk)
    decision = rules.can_withdraw(user, code)
    if not decision:
        raise CodeError(decision.reason)
    code.withdrawn_at = timezone.now()
    _move(code, "withdraw", actor=user, fields=["withdrawn_at"], at=code.withdrawn_at)
    return code


def revoke_unit_codes(unit_id: int, *, reason: str, actor=None) -> int:
    """Revoke at once every code of the unit that is not revoked yet (removal or incident). Called inside the
    transaction that records the removal or the incident, so both commit together."""
    labels = {"incident": str(NoCodeReason.INCIDENT.label), "removed": str(NoCodeReason.REMOVED.label)}
    text = labels.get(reason, reason)[:300]
    now = timezone.now()
    codes = list(GreenCode.objects.select_for_update().filter(unit_id=unit_id).exclude(state=CodeState.REVOKED))
    for code in codes:
        code.revoked_at, code.revoked_reason = now, text
        _move(code, "revoke", actor=actor, reason=text, fields=["revoked_at", "revoked_reason"], at=now)
    return len(codes)


@transaction.atomic
def reinstate_code(user, code: GreenCode, *, reason: str) -> GreenCode:
    """The province lifts a revocation, with a reason (an incident report found mistaken, say)."""
    code = GreenCode.objects.select_for_update().select_related("unit").get(pk=code.pk)
    reason = (reason or "").strip()
    require(rules.can_reinstate(user, code))
    if not reason:
        raise CodeError(_("Give the reason for reinstating the code."))
    code.revoked_at, code.revoked_reason, code.withdrawn_at = None, "", None
    _move(code, "reinstate", actor=user, reason=reason, fields=["revoked_at", "revoked_reason", "withdrawn_at"])
    return code


def follow_run(run) -> int:
    """After a run: the cohort's issued codes take their new grade, and a code whose factory lost its grade is
    revoked with the reason. Bulk writes, one event per changed code. Returns the number of codes changed."""
    codes = list(GreenCode.objects.filter(year=run.year, unit__level=run.level, state=CodeState.ISSUED))
    if not codes:
        return 0
    by_unit = {s["unit_id"]: s for s in Score.objects.filter(run=run, unit_id__in=[c.unit_id for c in codes])
               .values("id", "unit_id", "grade", "reason")}
    now = timezone.now()
    changed, events = [], []
    for code in codes:
        s = by_unit.get(code.unit_id)
        before_grade = code.grade
        if s is None or not s["grade"]:
            action = "revoke"
            code.revoked_at = now
            code.revoked_reason = str(NoCodeReason(s["reason"]).label) if s else str(_("Not in the cohort any more"))
            reason = code.revoked_reason
        else:
            code.score_id = s["id"]
            if s["grade"] == code.grade:
                changed.append(code)  # points at the new run's score
                continue
            action, reason = "regrade", ""
            code.grade = s["grade"]
        after = CODE_MACHINE.check(action, code.state)
        events.append(GreenCodeEvent(code=code, action=action, from_state=code.state, to_state=after,
                                     from_grade=before_grade, to_grade=code.grade, reason=reason, run=run, at=now))
        code.state = after
        changed.append(code)
    GreenCode.objects.bulk_update(changed, ["state", "grade", "score", "revoked_at", "revoked_reason"],
                                  batch_size=1000)
    GreenCodeEvent.objects.bulk_create(events, batch_size=1000)
    return len(events)


def history(code: GreenCode):
    return code.events.select_related("actor", "run").order_by("-at", "-id")


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
    if not number or len(number) > 30 or not number_is_well_formed(number):
        return Verification(CodeStatus.UNKNOWN)
    code = GreenCode.objects.select_related("unit").filter(number=number).first()
    status = status_of(code)
    return Verification(status, code if status != CodeStatus.UNKNOWN else None)
