"""Scores, grades and green codes (DESIGN.md "The green code (method v1)")."""

from __future__ import annotations

import math

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry.enums import Level
from registry.models import Industry, Unit
from reviews.indicators import BY_CODE, indicators_for

from .enums import METHOD_VERSION, CodeState, Grade, NoCodeReason, PeerLevel, RunStatus

# The indicators method v1 scores for a green factory (per-万元 intensities and rates), in the method's order.
SCORED_CODES = tuple(i.code for i in indicators_for("factory", scored_only=True))
HIGHER_CODES = sorted(i.code for i in indicators_for("factory", scored_only=True) if not i.lower_is_better)
LOWER_CODES = sorted(i.code for i in indicators_for("factory", scored_only=True) if i.lower_is_better)


class ScoreRun(models.Model):
    """One computation of one cohort (a year and a level). Readers use the newest finished run."""

    year = models.PositiveSmallIntegerField(_("year"))
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    method_version = models.CharField(_("method version"), max_length=10, default=METHOD_VERSION)
    weights = models.JSONField(_("weights"), default=dict)
    peer_rules = models.JSONField(_("peer rules"), default=dict)
    benchmarks = models.JSONField(_("baseline and leading values used"), default=list)
    cut_a_plus = models.DecimalField(_("lowest A+ composite"), max_digits=9, decimal_places=4, null=True, blank=True)
    cut_a = models.DecimalField(_("lowest A composite"), max_digits=9, decimal_places=4, null=True, blank=True)
    rank_a_plus = models.PositiveIntegerField(_("last A+ rank"), default=0)
    rank_a = models.PositiveIntegerField(_("last A rank"), default=0)
    inputs = models.PositiveIntegerField(_("factories considered"), default=0)
    graded = models.PositiveIntegerField(_("factories graded"), default=0)
    counts = models.JSONField(_("counts"), default=dict)
    peer_groups = models.JSONField(_("peer groups"), default=dict,
                                   help_text="{industry id: {indicator: [peer level, peers]}}")
    status = models.CharField(_("status"), max_length=20, choices=RunStatus.choices, default=RunStatus.RUNNING)
    error = models.TextField(_("error"), blank=True)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    timings = models.JSONField(_("timings"), default=dict)
    sensitivity = models.JSONField(
        _("sensitivity"), default=dict, blank=True,
        help_text="{shift, graded, groups: {group: {weight, up, down}}}: grades changed when a group's weight "
                  "moves ±shift (greencode.services.sensitivity); empty for runs from before it was computed")
    trigger = models.CharField(_("trigger"), max_length=40, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("score run")
        verbose_name_plural = _("score runs")
        indexes = [models.Index(fields=["year", "level", "status", "-finished_at"], name="scorerun_cohort")]

    def __str__(self):
        return f"{self.year} {self.get_level_display()} #{self.pk}"


class Score(models.Model):
    """One factory in one run: composite, positions and grade, or the reason it has no code."""

    # (run, unit) is unique, which indexes run too; industry is read, never searched by: fewer indexes to
    # maintain when a run inserts 100,000 rows.
    # No database foreign keys (db_constraint=False): a run writes every score in one INSERT … SELECT from the
    # units, industries and run of its own transaction, so each reference is right by construction, and the
    # database's per-row checks at commit (one locking lookup per row and key) cost 0.9 s of a 5.5 s run at
    # 100,000 factories (bench/README.md). The deletion rules stay, applied by Django: a run's scores go with it,
    # a unit's with the unit, an industry that scores name cannot be deleted; and nothing deletes units or
    # runs but these rules (the admin cannot, scoring.prune_runs deletes a run's scores first).
    run = models.ForeignKey(ScoreRun, on_delete=models.CASCADE, related_name="scores", db_index=False,
                            db_constraint=False)
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="green_scores", db_constraint=False)
    filing_id = models.BigIntegerField(null=True, blank=True)
    industry = models.ForeignKey(Industry, on_delete=models.PROTECT, related_name="+", db_index=False,
                                 db_constraint=False)
    industry_group = models.CharField(max_length=20)
    reason = models.CharField(_("no-code reason"), max_length=20, choices=NoCodeReason.choices, blank=True)
    composite = models.DecimalField(_("composite"), max_digits=9, decimal_places=4, null=True, blank=True)
    percentile = models.FloatField(_("overall percentile"), null=True, blank=True)
    industry_percentile = models.FloatField(_("industry percentile"), null=True, blank=True)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    industry_rank = models.PositiveIntegerField(_("rank in the industry"), null=True, blank=True)
    industry_size = models.PositiveIntegerField(_("factories in the industry"), null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=2, choices=Grade.choices, blank=True)
    # One sub-score column per scored indicator (s_<code>), NULL where it does not apply. The peer group
    # of each (industry, indicator) is the same for every factory, so the run stores it once (peer_groups).
    for _code in SCORED_CODES:
        locals()[f"s_{_code}"] = models.FloatField(null=True, blank=True)
    del _code

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [models.UniqueConstraint(fields=["run", "unit"], name="score_one_per_unit_per_run")]
        # The province's score list of a run is read in rank order, a page at a time.
        indexes = [models.Index(fields=["run", "rank"], name="score_run_rank")]

    def __str__(self):
        return f"{self.unit_id} {self.grade or self.reason}"

    @property
    def position(self) -> int | None:
        """x in 前 x %: ⌈100·r ÷ n⌉."""
        if self.rank is None or not self.run.graded:
            return None
        return math.ceil(100 * self.rank / self.run.graded)

    def indicator_rows(self) -> list[dict]:
        """Each scored indicator that applies: code, sub-score, peer group and its size (the method's order)."""
        groups = (self.run.peer_groups or {}).get(str(self.industry_id), {})
        rows = []
        for code in SCORED_CODES:
            points = getattr(self, f"s_{code}")
            if points is None:
                continue
            level, size = groups.get(code, [PeerLevel.COHORT.value, 0])
            rows.append({"code": code, "indicator": BY_CODE[code], "points": round(points, 4), "peer": level,
                         "peer_label": PeerLevel(level).label, "peers": size})
        return rows

    @property
    def industry_position(self) -> int | None:
        if self.industry_rank is None or not self.industry_size:
            return None
        return math.ceil(100 * self.industry_rank / self.industry_size)


class IndustryIndicatorSetting(models.Model):
    """What the province sets for one industry division and one scored indicator, by whom and when."""

    industry = models.ForeignKey(Industry, verbose_name=_("industry"), on_delete=models.CASCADE, related_name="+")
    code = models.CharField(_("indicator"), max_length=40)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+")
    set_at = models.DateTimeField(_("set"), auto_now=True)

    class Meta:
        abstract = True


class Benchmark(IndustryIndicatorSetting):
    """基准值 (0 points) and 引领值 (100 points) for one industry and indicator; used from the next run on."""

    baseline = models.DecimalField(_("baseline value (基准值)"), max_digits=24, decimal_places=6)
    leading = models.DecimalField(_("leading value (引领值)"), max_digits=24, decimal_places=6)

    class Meta:
        ordering = ["industry__code", "code"]
        verbose_name = _("baseline and leading value")
        verbose_name_plural = _("baseline and leading values")
        constraints = [
            models.UniqueConstraint(fields=["industry", "code"], name="benchmark_unique"),
            # A known indicator, and the leading value strictly better than the baseline in the indicator's
            # direction (so the two also differ): a run can never divide by zero or reward the worse value.
            models.CheckConstraint(
                condition=(Q(code__in=HIGHER_CODES, leading__gt=models.F("baseline"))
                           | Q(code__in=LOWER_CODES, leading__lt=models.F("baseline"))),
                name="benchmark_known_indicator_and_direction",
                violation_error_message=_("Leading value: it must be better than the baseline value, in the "
                                          "indicator's direction."),
            ),
            models.CheckConstraint(condition=Q(baseline__gte=0) & Q(leading__gte=0), name="benchmark_not_negative",
                                   violation_error_message=_("Values cannot be negative.")),
        ]

    def __str__(self):
        return f"{self.industry_id} {self.code} {self.baseline}→{self.leading}"

    def clean(self):
        from .services.benchmarks import benchmark_problems

        problems = benchmark_problems(self.code, self.baseline, self.leading)
        if problems:
            raise ValidationError(dict(problems))


class NotApplicable(IndustryIndicatorSetting):
    """Method v1.1's applicability table as the province keeps it: an indicator that does not apply to an industry
    division. Every scored indicator applies everywhere unless a row here (or greencode.applicability's code
    constant) says otherwise. Set and removed through greencode.applicability, which audits both; used from the
    next run, which records the table it used and its version."""

    reason = models.CharField(_("why it does not apply"), max_length=300)

    class Meta:
        ordering = ["industry__code", "code"]
        verbose_name = _("indicator that does not apply")
        verbose_name_plural = _("indicators that do not apply")
        constraints = [
            models.UniqueConstraint(fields=["industry", "code"], name="notapplicable_unique"),
            models.CheckConstraint(condition=Q(code__in=SCORED_CODES), name="notapplicable_scored_indicator"),
        ]

    def __str__(self):
        return f"{self.industry_id} {self.code}"


class GreenCode(models.Model):
    """A factory's green code for one year, applied for by the enterprise (voluntary)."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="green_codes")
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.CharField(_("code number"), max_length=30, unique=True)
    state = models.CharField(_("state"), max_length=20, choices=CodeState.choices, default=CodeState.ISSUED)
    grade = models.CharField(_("grade"), max_length=2, choices=Grade.choices, blank=True)
    score = models.ForeignKey(Score, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    issued_at = models.DateTimeField(_("issued"))
    valid_until = models.DateField(_("valid until"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_reason = models.CharField(_("reason for revocation"), max_length=300, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["-year"]
        verbose_name = _("green code")
        verbose_name_plural = _("green codes")
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="greencode_one_per_unit_per_year")]
        indexes = [models.Index(fields=["year", "unit"], name="greencode_year_unit",
                                condition=Q(withdrawn_at__isnull=True))]

    def __str__(self):
        return self.number


class GreenCodeEvent(models.Model):
    """The green code's whole life: issue, regrade, withdraw, revoke, reinstate — who, when, from → to, why."""

    code = models.ForeignKey(GreenCode, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("action"), max_length=20)
    from_state = models.CharField(_("from"), max_length=20, blank=True)
    to_state = models.CharField(_("to"), max_length=20, blank=True)
    from_grade = models.CharField(_("grade before"), max_length=2, blank=True)
    to_grade = models.CharField(_("grade after"), max_length=2, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+")
    run = models.ForeignKey(ScoreRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("green-code event")
        verbose_name_plural = _("green-code events")

    def __str__(self):
        return f"{self.code_id} {self.action}: {self.from_state} → {self.to_state}"

    @property
    def action_label(self):
        from .enums import CODE_MACHINE

        return CODE_MACHINE.labels().get(self.action, self.action)

    @property
    def from_state_label(self):
        return CodeState(self.from_state).label if self.from_state in CodeState.values else self.from_state

    @property
    def to_state_label(self):
        return CodeState(self.to_state).label if self.to_state in CodeState.values else self.to_state


class MethodPage(models.Model):
    """A published version of the method page (the text the province publishes)."""

    version = models.CharField(_("method version"), max_length=10, default=METHOD_VERSION)
    body = models.TextField(_("text"))
    published_at = models.DateTimeField(_("published"), auto_now_add=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("published method")
        verbose_name_plural = _("published methods")

    def __str__(self):
        return f"{self.version} {self.published_at:%Y-%m-%d}"


class CohortState(models.Model):
    """The re-score queue of one cohort: coalesces bursts into one running run plus at most one more."""

    year = models.PositiveSmallIntegerField()
    level = models.CharField(max_length=20, choices=Level.choices)
    pending = models.BooleanField(default=False)
    running = models.BooleanField(default=False)
    requested_at = models.DateTimeField(null=True, blank=True)
    run_started_at = models.DateTimeField(null=True, blank=True)
    last_run = models.ForeignKey(ScoreRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    last_started_at = models.DateTimeField(null=True, blank=True,
                                           help_text="Start of the last finished run: filings accepted later wait.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["year", "level"], name="cohortstate_unique")]

    def __str__(self):
        return f"{self.year} {self.level} pending={self.pending} running={self.running}"


from .models_institutions import ApiKey, ApiKeyUse, Consent, ConsentAccess, Institution  # noqa: E402, F401
