"""What the pages show, computed from a few queries each (constant whatever the list length)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q

from registry.models import Industry
from reviews.indicators import BY_CODE, Group

from ..enums import Grade, NoCodeReason
from ..models import Score, ScoreRun

CHART_W, CHART_H, PAD = 320, 160, 28


def next_cut(score: Score) -> tuple[str | None, Decimal | None]:
    """The next grade up and its cut composite (the lowest composite that got it in this run)."""
    run = score.run
    if score.grade == Grade.B:
        return Grade.A, run.cut_a
    if score.grade == Grade.A:
        return Grade.A_PLUS, run.cut_a_plus
    return None, None


def indicator_table(score: Score) -> list[dict]:
    """Each sub-score with its peer group, and how far that indicator alone would have to rise to reach the
    next grade's cut composite (gap × Σw ÷ wᵢ points), or None when it cannot on its own."""
    rows = score.indicator_rows()
    weights = score.run.weights or {}
    total_w = sum(weights.get(r["code"], 0) for r in rows)
    _grade, cut = next_cut(score)
    gap = float(cut - score.composite) if cut is not None and score.composite is not None else None
    for r in rows:
        w = weights.get(r["code"], 0)
        r["weight"] = round(100 * w / total_w, 1) if total_w else 0
        r["needed"] = None
        if gap is not None and gap > 0 and w:
            needed = r["points"] + gap * total_w / w
            r["needed"] = round(needed, 1) if needed <= 100 else None
    return rows


@dataclass
class ChartPoint:
    year: int
    grade: str
    position: int
    x: float
    y: float


def position_chart(history: list[Score]) -> dict:
    """Coordinates for the inline SVG of 前 x % over the years (top of the chart = best)."""
    points = [s for s in sorted(history, key=lambda s: s.run.year) if s.rank is not None]
    n = len(points)
    out = []
    for i, s in enumerate(points):
        x = PAD + (CHART_W - 2 * PAD) * (i / (n - 1) if n > 1 else 0.5)
        y = PAD / 2 + (CHART_H - PAD * 1.5) * (s.position / 100)
        out.append(ChartPoint(s.run.year, s.grade, s.position, round(x, 1), round(y, 1)))
    return {"points": out, "polyline": " ".join(f"{p.x},{p.y}" for p in out), "w": CHART_W, "h": CHART_H,
            "cut_a_plus_y": round(PAD / 2 + (CHART_H - PAD * 1.5) * 0.05, 1),
            "cut_a_y": round(PAD / 2 + (CHART_H - PAD * 1.5) * 0.40, 1), "base_y": CHART_H - PAD}


def run_overview(run: ScoreRun) -> dict:
    """Distribution, counts by industry and by reason: three aggregate queries."""
    grades = run.counts.get("grades", {})
    total = sum(grades.values()) or 1
    bars = [{"grade": g, "n": grades.get(g, 0), "pct": round(100 * grades.get(g, 0) / total, 1)} for g in Grade.values]
    by_industry = list(
        Score.objects.filter(run=run).values("industry_id").annotate(
            total=Count("id"), a_plus=Count("id", filter=Q(grade=Grade.A_PLUS)), a=Count("id", filter=Q(grade=Grade.A)),
            b=Count("id", filter=Q(grade=Grade.B)), none=Count("id", filter=~Q(reason=""))).order_by("industry_id"))
    names = {i.pk: str(i) for i in Industry.objects.filter(pk__in=[r["industry_id"] for r in by_industry])}
    for r in by_industry:
        r["industry"] = names.get(r["industry_id"], "")
    reasons = [{"reason": NoCodeReason(k).label, "code": k, "n": v} for k, v in sorted(run.counts.get("reasons", {}).items())]
    weights = [{"indicator": BY_CODE[c].label, "code": c, "group": Group(BY_CODE[c].group).label, "weight": round(w, 4)}
               for c, w in (run.weights or {}).items() if c in BY_CODE]
    return {"bars": bars, "by_industry": by_industry, "reasons": reasons, "weights": weights}


def sensitivity_table(run: ScoreRun) -> dict | None:
    """The run's sensitivity figure for its page: per indicator group, its weight moved up and down by the shift,
    the grades that change each way (count and share of the graded factories), and bar lengths scaled to the
    largest count. None for a run from before the figure was computed."""
    figure = run.sensitivity or {}
    groups = figure.get("groups") or {}
    if not groups:
        return None
    shift, graded = figure.get("shift", 0.1), figure.get("graded") or 0
    peak = max(max(g["up"], g["down"]) for g in groups.values()) or 1
    rows = []
    order = {code: n for n, code in enumerate(Group.values)}  # the method's order (jsonb does not keep keys')
    for code, g in sorted(groups.items(), key=lambda item: order.get(item[0], len(order))):
        row = {"group": Group(code).label if code in Group.values else code, "code": code, "weight": g["weight"]}
        for direction, factor in (("up", 1 + shift), ("down", 1 - shift)):
            n = g[direction]
            row[direction] = {"n": n, "weight": round(g["weight"] * factor, 2),
                              "pct": round(100 * n / graded, 2) if graded else 0.0, "bar": round(100 * n / peak, 1)}
        rows.append(row)
    return {"rows": rows, "shift_pct": round(100 * shift), "graded": graded}


def previous_run(run: ScoreRun) -> ScoreRun | None:
    return (ScoreRun.objects.filter(level=run.level, status="finished", finished_at__lt=run.finished_at)
            .filter(Q(year=run.year) | Q(year=run.year - 1)).order_by("-year", "-finished_at").exclude(pk=run.pk)
            .first())
