"""Hand-made mutations of the core rules (`make hand-mutations`): each breaks one rule the way a person would,
in any layer (a state machine's declaration, a model, a query, a view, the admin, an import, a mail, an API),
and the tests of the place where the rule lives must notice.

    python tools/hand_mutations.py                 # every mutation in CATALOGUE
    python tools/hand_mutations.py accept-returned # some, by name
    python tools/hand_mutations.py --list          # names and what each breaks

mutmut (`make mutation`) changes operators and constants inside the rule modules; these are the other kind: a
reviewer's realistic slips and shortcuts, several outside those modules (the findings of the outside review,
issue 8, were of this kind). Each mutation names the one snippet it replaces (which must occur exactly once:
tests/tools/test_hand_mutations.py checks the catalogue against the code on every test run) and the tests that
judge it: the tests of the rule's own module or app, never the whole suite.

The run copies the project (the files git knows, committed or not) to a folder in memory, applies one mutation
at a time there, runs its tests with `-x` (stop at the first failure) and restores the file. A mutation is
*caught* when a test fails, *missed* when all pass. The working tree is never touched. Exit status 1 when any
mutation was missed. SQLite and in-process tasks, as `make test` without services.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from mutation import ROOT, SERVICE_VARIABLES, project_files  # tools/ is on the path: run as a script, or by the tests


@dataclass(frozen=True)
class Mutation:
    name: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]
    breaks: str


M = Mutation
CATALOGUE = [
    # --- state machines, declared once in the apps' enums.py ------------------------------------------------
    M("accept-returned", "reviews/enums.py",
      'Move("accept", (FilingState.SUBMITTED,), FilingState.ACCEPTED',
      'Move("accept", (FilingState.SUBMITTED, FilingState.RETURNED), FilingState.ACCEPTED',
      ("tests/reviews/test_enums.py", "tests/test_rule_boundaries.py", "tests/reviews/services"),
      "a returned filing can be accepted without the enterprise's answer"),
    M("reissue-revoked", "greencode/enums.py",
      'Move("issue", (None, CodeState.WITHDRAWN), CodeState.ISSUED',
      'Move("issue", (None, CodeState.WITHDRAWN, CodeState.REVOKED), CodeState.ISSUED',
      ("tests/greencode/test_enums.py", "tests/test_rule_boundaries.py", "tests/greencode/services"),
      "the machine lets a revoked code be issued again"),
    M("approve-draft", "reviews/enums.py",
      'Move("approve", (ProposalState.SUBMITTED,), ProposalState.APPROVED',
      'Move("approve", (ProposalState.SUBMITTED, ProposalState.DRAFT), ProposalState.APPROVED',
      ("tests/reviews/test_enums.py", "tests/test_rule_boundaries.py", "tests/reviews/services"),
      "the province can approve a proposal the city never sent"),
    M("withdraw-revoked", "greencode/enums.py",
      'Move("withdraw", (CodeState.ISSUED,), CodeState.WITHDRAWN',
      'Move("withdraw", (CodeState.ISSUED, CodeState.REVOKED), CodeState.WITHDRAWN',
      ("tests/greencode/test_enums.py", "tests/test_rule_boundaries.py", "tests/greencode/services"),
      "an enterprise withdraws a revoked code (and can then re-apply)"),
    # --- rules.py: named rules with reasons ---------------------------------------------------------------------
    M("apply-after-revocation", "greencode/rules.py",
      "    if code is not None and code.state == CodeState.REVOKED:\n",
      "    if False:\n",
      ("tests/greencode/test_rules.py", "tests/greencode/services/test_codes_refusals.py", "tests/greencode/services"),
      "the enterprise's application is no longer refused with the revocation's reason"),
    M("incident-window-one-year", "greencode/rules.py",
      "return Q(campaign__year__gte=year) |",
      "return Q(campaign__year=year) |",
      ("tests/greencode/test_rules.py", "tests/greencode/services"),
      "an incident reported in a later campaign no longer blocks an earlier year's code"),
    M("consent-open-at-expiry", "greencode/rules.py",
      "    if at >= consent.expires_at:\n",
      "    if at > consent.expires_at:\n",
      ("tests/greencode/test_rules.py", "tests/greencode/services"),
      "a consent still opens at the instant it expires"),
    M("revoked-api-key-works", "greencode/rules.py",
      "    if key.revoked_at is not None:\n",
      "    if False:\n",
      ("tests/greencode/test_rules.py", "tests/greencode/test_api.py", "tests/greencode/services"),
      "a revoked institution key still reads the API"),
    M("no-note-for-non-compliant", "reviews/rules.py",
      '        return deny(_("Say why this indicator is non-compliant."))\n',
      "        return ALLOWED\n",
      ("tests/reviews/test_checks.py", "tests/test_rule_boundaries.py", "tests/reviews/services"),
      "不符合 is recorded without the reviewer's reason"),
    M("district-deadline-is-city-deadline", "reviews/rules.py",
      "    if campaign.passed(campaign.district_due, now):\n",
      "    if campaign.passed(campaign.city_review_due, now):\n",
      ("tests/reviews/test_districts.py", "tests/reviews/services"),
      "the district's own deadline is ignored"),
    M("no-action-without-reason", "reviews/rules.py",
      "    if disposition == Disposition.NO_ACTION and not (note or \"\").strip():\n",
      "    if False:\n",
      ("tests/reviews/services/test_review_rules.py", "tests/reviews/services"),
      "a declared accident is disposed of as 'no action' without a reason"),
    M("resubmit-unchanged", "reviews/rules.py",
      "    if filing.return_answer.strip() or filing.fingerprint() != filing.returned_fingerprint:\n",
      "    if True:\n",
      ("tests/reviews/services/test_filings_rules.py", "tests/reviews/test_filing.py", "tests/reviews/services"),
      "a returned filing comes back unchanged and unanswered"),
    M("district-sees-the-province", "registry/access.py",
      '    """Every unit the user may see."""\n    roles = roles_of(user)\n    if roles.province:\n',
      '    """Every unit the user may see."""\n    roles = roles_of(user)\n    if roles.province or roles.district_ids:\n',
      ("tests/registry/test_access.py", "tests/security", "tests/registry"),
      "a district reviewer sees every unit of the province"),
    M("province-rule-for-any-staff", "registry/rules.py",
      "    if access.roles_of(user).province:\n",
      "    if access.roles_of(user).province or access.roles_of(user).city_ids:\n",
      ("tests/registry/test_access.py", "tests/security", "tests/registry", "tests/reviews/services"),
      "a city bureau passes the province's rule"),
    # --- queries.py: one definition of each domain term ---------------------------------------------------------
    M("returned-is-not-filed", "reviews/queries.py",
      "FILED_STATES = (FilingState.SUBMITTED, FilingState.RETURNED, FilingState.ACCEPTED)",
      "FILED_STATES = (FilingState.SUBMITTED, FilingState.ACCEPTED)",
      ("tests/reviews/test_domain_terms.py", "tests/reviews/test_package_check.py", "tests/reviews/services"),
      "a filing returned for correction counts as 未填报"),
    M("planned-assessment-completes", "reviews/queries.py",
      'return OnSiteAssessment.objects.exclude(conclusion="").filter(completed_on__isnull=False)',
      "return OnSiteAssessment.objects.filter(completed_on__isnull=False)",
      ("tests/test_rule_boundaries.py", "tests/reviews/test_domain_terms.py", "tests/reviews/services"),
      "an assessment without its conclusion unblocks a proposal"),
    M("removed-units-not-filed", "reviews/queries.py",
      '    units = Unit.objects.filter(status=UnitStatus.LISTED).exclude(Exists(filed))\n',
      '    units = Unit.objects.exclude(Exists(filed))\n',
      ("tests/reviews/test_domain_terms.py", "tests/reviews/services"),
      "units already removed from the list are chased as 未填报"),
    M("incident-does-not-stop-bulk-keep", "reviews/queries.py",
      "        .exclude(Exists(IncidentReport.objects.filter(unit=OuterRef(\"unit\"), campaign=campaign)))\n",
      "",
      ("tests/reviews/test_queries.py", "tests/reviews/test_bulk.py", "tests/reviews/test_domain_terms.py"),
      "a unit with an incident is kept on the list in one bulk action"),
    # --- models: dates and names ----------------------------------------------------------------------------
    M("deadline-in-utc", "reviews/models.py",
      "        return timezone.localdate(now) > deadline\n",
      "        return (now or timezone.now()).date() > deadline\n",
      ("tests/test_rule_boundaries.py", "tests/reviews/services"),
      "deadlines end at UTC midnight (08:00 in Guangdong)"),
    M("filing-opens-a-day-late", "reviews/models.py",
      "        return timezone.localdate(now) >= self.filing_opens\n",
      "        return timezone.localdate(now) > self.filing_opens\n",
      ("tests/test_rule_boundaries.py", "tests/reviews/test_review_campaigns.py", "tests/reviews/test_filing.py"),
      "filing opens a day after the date the province set"),
    M("unit-name-allows-format-characters", "registry/models.py",
      'if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in name):',
      'if any(unicodedata.category(ch) == "Cc" for ch in name):',
      ("tests/registry/test_services.py", "tests/registry"),
      "a unit name may hide a zero-width or line-separator character"),
    M("benchmark-direction-unchecked", "greencode/models.py",
      "                condition=(Q(code__in=HIGHER_CODES, leading__gt=models.F(\"baseline\"))\n"
      "                           | Q(code__in=LOWER_CODES, leading__lt=models.F(\"baseline\"))),\n",
      "                condition=Q(code__in=HIGHER_CODES) | Q(code__in=LOWER_CODES),\n",
      ("tests/greenmfg/test_migrations.py", "tests/greencode/test_benchmarks.py", "tests/greencode/services"),
      "an inverted or equal 基准值/引领值 pair is stored (every run of the cohort breaks or inverts grades)"),
    # --- services ---------------------------------------------------------------------------------------------
    M("removal-without-signal", "registry/services.py",
      "        signals.unit_removed.send(Unit, unit=unit, actor=actor, reason=reason)\n",
      "        pass\n",
      ("tests/registry/test_services.py", "tests/greencode/test_codes_service.py", "tests/registry"),
      "removing a unit leaves its green code live"),
    M("code-valid-until-day-before", "greencode/services/codes.py",
      "    if today > code.valid_until:\n",
      "    if today >= code.valid_until:\n",
      ("tests/greencode/services", "tests/greencode/test_codes_service.py", "tests/test_rule_boundaries.py"),
      "a code expires on its last valid day"),
    M("failed-run-counts-as-done", "greencode/services/queue.py",
      "    CohortState.objects.filter(running=True, run_started_at__lt=now - STALE_RUN).update(running=False)\n",
      "",
      ("tests/greencode/test_queue.py", "tests/greencode/test_queue_cohorts.py", "tests/greencode/services"),
      "a run that died leaves its cohort 'running' for ever: no more runs"),
    M("peer-group-of-nine", "greencode/services/scoring.py",
      "MIN_PEERS = 10\n",
      "MIN_PEERS = 9\n",
      ("tests/test_rule_boundaries.py", "tests/greencode/services"),
      "a division of nine factories is its own peer group"),
    M("yoy-at-fifty-percent", "reviews/checks.py",
      "            if abs(change) > YOY_LIMIT:\n",
      "            if abs(change) >= YOY_LIMIT:\n",
      ("tests/test_rule_boundaries.py", "tests/reviews/test_checks.py", "tests/reviews/test_checks_rules.py"),
      "a change of exactly 50 % is flagged"),
    M("z-with-seven-peers", "reviews/checks.py",
      "MIN_PEERS_FOR_Z = 8 ",
      "MIN_PEERS_FOR_Z = 7 ",
      ("tests/test_rule_boundaries.py", "tests/reviews/test_checks.py", "tests/reviews/test_checks_rules.py"),
      "seven peers are enough to flag an outlier"),
    M("audit-not-written", "reviews/workflow.py",
      '    return audit.record(obj, action, actor=actor, from_state=before or "", to_state=after, comment=comment)\n',
      "    return None\n",
      ("tests/reviews/services", "tests/test_state_owners.py"),
      "a filing or proposal changes state without an audit record"),
    M("revoke-not-on-removal", "greencode/receivers.py",
      '    codes.revoke_unit_codes(unit.pk, reason="removed", actor=actor)\n',
      "    pass\n",
      ("tests/greencode/test_receivers.py", "tests/greencode/test_codes_service.py", "tests/registry/test_services.py"),
      "nothing revokes the code of a removed unit"),
    M("rescore-parks", "greencode/receivers.py",
      "    if filing.unit.kind != UnitKind.FACTORY:\n",
      "    if filing.unit.kind == UnitKind.PARK:\n",
      ("tests/greencode/test_receivers.py", "tests/greencode/test_queue.py", "tests/greencode/test_queue_cohorts.py"),
      "an accepted filing of a supply-chain firm re-scores a factory cohort"),
    # --- imports, exports, mail, admin, API -------------------------------------------------------------------
    M("blank-cell-clears", "registry/importer.py",
      "    return value is not None and str(value).strip() == CLEAR\n",
      "    return value is None or str(value).strip() == CLEAR\n",
      ("tests/registry/test_import.py", "tests/registry/test_services.py"),
      "a blank optional cell in an import erases the stored value"),
    M("tab-formula-exported", "registry/xlsx.py",
      'FORMULA_PREFIXES = ("=", "+", "-", "@", "\\t", "\\r")',
      'FORMULA_PREFIXES = ("=", "+", "-", "@", "\\r")',
      ("tests/registry/test_xlsx.py", "tests/test_rule_boundaries.py"),
      "a cell starting with a tab reaches Excel un-neutralised"),
    M("mail-subject-keeps-line-separators", "reviews/notify.py",
      '" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch',
      '" " if ch in "\\r\\n" else ch',
      ("tests/reviews/test_incidents.py", "tests/reviews/test_notify.py"),
      "a unit name with a NUL, an escape or a zero-width character reaches the mail header"),
    M("mail-retried-for-ever", "reviews/notify.py",
      "attempts__lt=MAX_ATTEMPTS",
      "attempts__gte=0",
      ("tests/reviews/test_notify.py", "tests/reviews/test_incidents.py"),
      "a mail that can never be sent is retried on every sweep for ever"),
    M("admin-deletes-records", "registry/admin.py",
      "    def has_change_permission(self, request, obj=None):\n        return False\n\n"
      "    def has_delete_permission(self, request, obj=None):\n        return False\n",
      "    def has_change_permission(self, request, obj=None):\n        return False\n\n"
      "    def has_delete_permission(self, request, obj=None):\n        return True\n",
      ("tests/greencode/test_admin_institutions.py", "tests/registry", "tests/greencode"),
      "the admin deletes score runs, codes and their history"),
    M("api-without-rate-limit", "greencode/api.py",
      "        if api_ratelimit.over_limit(found.pk):\n",
      "        if False:\n",
      ("tests/greencode/test_api.py", "tests/greencode/test_api_ratelimit.py"),
      "an institution's key is never limited"),
    M("certificate-for-withdrawn-code", "greencode/views_documents.py",
      "    if codes.status_of(code) == CodeStatus.UNKNOWN:",
      "    if False:",
      ("tests/greencode/test_views_documents.py",),
      "a withdrawn code's certificate can still be printed"),
]


def stage(target: Path) -> None:
    """Copy the files git knows (committed or not, not ignored) to `target`."""
    for name in project_files():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target / name)


def problems(catalogue=CATALOGUE, root: Path = ROOT) -> list[str]:
    """What is wrong with the catalogue against the code: a snippet not found exactly once, a test path missing,
    a name used twice."""
    found = []
    names = [m.name for m in catalogue]
    found += [f"{n}: the name is used twice" for n in sorted({n for n in names if names.count(n) > 1})]
    for m in catalogue:
        count = (root / m.path).read_text("utf-8").count(m.old) if (root / m.path).is_file() else -1
        if count != 1:
            found.append(f"{m.name}: {m.path} holds the snippet {count} times (must be once)"
                         if count >= 0 else f"{m.name}: no file {m.path}")
        found += [f"{m.name}: no test path {t}" for t in m.tests if not (root / t).exists()]
        if m.old == m.new:
            found.append(f"{m.name}: the mutation changes nothing")
    return found


def run_one(m: Mutation, staged: Path, env: dict) -> tuple[bool, str, float]:
    """(caught, the first failing test or the summary, seconds)."""
    path = staged / m.path
    original = path.read_text("utf-8")
    path.write_text(original.replace(m.old, m.new, 1), "utf-8")
    started = time.monotonic()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
             "--tb=no", *m.tests],
            cwd=staged, env=env, capture_output=True, text=True)
    finally:
        path.write_text(original, "utf-8")
    output = result.stdout.strip().splitlines()
    failed = next((line.removeprefix("FAILED ").split(" - ")[0] for line in output if line.startswith("FAILED ")),
                  None)
    caught = result.returncode != 0
    summary = failed or (output[-1] if output else result.stderr.strip()[-200:])
    return caught, summary, time.monotonic() - started


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="mutations to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the mutations and exit")
    args = parser.parse_args(argv)
    if args.list:
        for m in CATALOGUE:
            print(f"{m.name:38} {m.path:32} {m.breaks}")
        return 0
    wrong = problems()
    if wrong:
        print("The catalogue does not match the code:\n  " + "\n  ".join(wrong))
        return 2
    unknown = set(args.names) - {m.name for m in CATALOGUE}
    if unknown:
        print(f"No such mutation: {', '.join(sorted(unknown))} (see --list)")
        return 2
    chosen = [m for m in CATALOGUE if not args.names or m.name in args.names]
    base = Path("/dev/shm") if Path("/dev/shm").is_dir() else None
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    missed = []
    with tempfile.TemporaryDirectory(prefix="hand-mutations-", dir=base) as tmp:
        staged = Path(tmp) / "project"
        stage(staged)
        env["TMPDIR"] = str(Path(tmp))
        for i, m in enumerate(chosen, 1):
            caught, summary, seconds = run_one(m, staged, env)
            print(f"[{i}/{len(chosen)}] {'caught' if caught else 'MISSED'}  {m.name} ({seconds:.0f} s): "
                  f"{summary if caught else m.breaks}", flush=True)
            if not caught:
                missed.append(m)
    print(f"\n{len(chosen) - len(missed)} of {len(chosen)} hand-made mutations caught.")
    for m in missed:
        print(f"  missed: {m.name} — {m.path}: {m.breaks}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
