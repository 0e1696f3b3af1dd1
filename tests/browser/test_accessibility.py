"""Every page of every role's menu, at 1366 px and 390 px, through axe-core (GB/T 37668-2019 / WCAG 2.1 AA).

axe-core comes from the npm registry at the exact version of tools/axe/package-lock.json (.ci/run installs it;
locally: `npm ci --prefix tools/axe`). It is injected from that local file; the production CSP forbids inline
scripts, so the test's own browser context bypasses the CSP (`bypass_csp`), and only the test's.

A page fails on any violation of impact serious or critical (the rule, the page and the nodes are named), on
horizontal scrolling, and at 1366 px on a navbar that wraps. Each menu page is also loaded at 683 px, which is what
a 1366 px screen shows at 200 % zoom (适老化, WCAG 1.4.4 / 1.4.10): it must not scroll sideways either. Screenshots of every page at both widths are kept in
artifacts/screenshots/a11y/. One browser context for the whole walk; each role logs in once.
"""

import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.browser.conftest import LAPTOP, PHONE, SHOTS, log_in
from tests.conftest import AXE, REQUIRE_SERVICES

pytestmark = pytest.mark.browser

A11Y_SHOTS = SHOTS / "a11y"
# The rules of WCAG 2.0/2.1 A and AA (what GB/T 37668-2019 aligns with), and axe's best practices.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = {"serious", "critical"}
ZOOM_200 = {"width": LAPTOP["width"] // 2, "height": LAPTOP["height"] // 2}
ROLES = ("province", "gz_reviewer", "th_reviewer", "ent_gz1", "ent_sz1")
# The menu's links that leave the portal's own pages (Django's admin) or change state.
SKIP_LINK = re.compile(r"^/(admin/|accounts/logout/|i18n/)")


def _menu(page) -> list[str]:
    hrefs = page.eval_on_selector_all("#mainnav a[href]", "els => els.map(e => e.getAttribute('href'))")
    return [h for h in dict.fromkeys(hrefs) if h.startswith("/") and not SKIP_LINK.match(h)]


def _extra_pages(username: str) -> list[str]:
    """Pages one click below the menu that the issue names (run page, scores, the code page, forms)."""
    from greencode.models import GreenCode, ScoreRun
    from registry.models import Unit, User
    from reviews.models import AdjustmentProposal, Campaign, Filing

    user = User.objects.get(username=username)
    pages = []
    if username == "province":
        run = ScoreRun.objects.filter(finished_at__isnull=False).order_by("-year", "-pk").first()
        pages += [reverse("greencode:run", args=[run.pk]), reverse("greencode:run_scores", args=[run.pk]),
                  reverse("greencode:method"), reverse("greencode:institutions"), reverse("greencode:benchmarks"),
                  reverse("reviews:campaign_list"), reverse("reviews:incident_list"), reverse("registry:districts"),
                  reverse("registry:district_stats") + f"?city={_guangzhou().pk}",
                  reverse("registry:list_imports")]
        proposal = AdjustmentProposal.objects.filter(state="submitted").order_by("pk").first()
        pages += [reverse("reviews:proposal_detail", args=[proposal.pk])]
    if username == "gz_reviewer":
        unit = Unit.objects.filter(city__name="广州市").order_by("pk").first()
        filing = Filing.objects.filter(unit__city__name="广州市", state="submitted").order_by("-campaign__year", "pk").first()
        proposal = AdjustmentProposal.objects.filter(unit__city__name="广州市").order_by("pk").first()
        pages += [reverse("reviews:incident_create"), reverse("reviews:not_filed"),
                  reverse("registry:unit_detail", args=[unit.pk]), reverse("reviews:review_filing", args=[filing.pk]),
                  reverse("reviews:proposal_detail", args=[proposal.pk]), reverse("reviews:package_submit"),
                  reverse("reviews:city_upload", args=[Campaign.current().year])]
    if username.startswith("ent_"):
        unit = Unit.objects.filter(enterprise__memberships__user=user).order_by("pk").first() or \
            Unit.objects.filter(memberships__user=user).order_by("pk").first()
        year = Campaign.current().year
        pages += [reverse("greencode:unit_code", args=[unit.pk]), reverse("reviews:filing_edit", args=[year, unit.pk]),
                  reverse("reviews:filing_upload", args=[year, unit.pk])]
        filing = Filing.objects.filter(unit=unit).exclude(state="draft").order_by("-campaign__year").first()
        if filing is not None:
            pages.append(reverse("reviews:filing_detail", args=[filing.pk]))
        code = GreenCode.objects.filter(unit=unit).order_by("-year").first()
        if code is not None:
            pages.append(reverse("greencode:certificate", args=[code.pk]))
    return pages


def _guangzhou():
    from registry.models import City

    return City.objects.get(name="广州市")


def _public_pages() -> list[str]:
    from greencode.models import GreenCode
    from greencode.services import signatures

    code = GreenCode.objects.filter(revoked_at__isnull=True, withdrawn_at__isnull=True).order_by("-year").first()
    return ["/", reverse("login"), reverse("registry:public_lookup"), reverse("registry:public_lookup") + "?q=广州",
            reverse("greencode:verify"), reverse("greencode:verify_token", args=[signatures.sign(code)]),
            reverse("greencode:verify") + f"?number={code.number}", reverse("greencode:method"),
            reverse("greencode:api_page"), "/this-page-does-not-exist/"]


def _sideways(page, where: str, failures: list[str]) -> None:
    scroll, inner = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    if scroll > inner:
        failures.append(f"{where}: scrolls sideways ({scroll} px wide in a {inner} px window)")


def _zoomed(page, url: str, label: str, failures: list[str]) -> None:
    page.set_viewport_size(ZOOM_200)
    page.goto(url)
    _sideways(page, f"{label} {url} at 200 % zoom ({ZOOM_200['width']} px)", failures)


def _check(page, url: str, label: str, viewport: dict, failures: list[str]) -> None:
    page.set_viewport_size(viewport)
    response = page.goto(url)
    page.wait_for_load_state()
    width = viewport["width"]
    name = re.sub(r"[^\w-]+", "_", f"{label}{url}")[:80].strip("_")
    page.screenshot(path=str(A11Y_SHOTS / f"{name}-{width}.png"), full_page=True)
    where = f"{label} {url} at {width} px (HTTP {response.status if response else '?'})"
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
    for v in result["violations"]:
        if v["impact"] in BLOCKING:
            nodes = "; ".join(" ".join(n["target"]) for n in v["nodes"][:5])
            more = f" (+{len(v['nodes']) - 5} more)" if len(v["nodes"]) > 5 else ""
            failures.append(f"{where}: {v['impact']} {v['id']} ({v['help']}) on {len(v['nodes'])} nodes: {nodes}{more}")
    _sideways(page, where, failures)
    if width == LAPTOP["width"]:
        for bar, items in (("navbar", ".portal-nav .navbar-brand, #mainnav .nav-link"),
                           ("top bar", ".portal-topbar .container-xl > :not(.d-none)")):
            middles = page.eval_on_selector_all(
                items, "els => els.filter(e => e.offsetParent !== null).map(e => {"
                       "const r = e.getBoundingClientRect(); return Math.round(r.top + r.height / 2); })")
            if middles and max(middles) - min(middles) > 6:
                failures.append(f"{where}: the {bar} wraps ({sorted(set(middles))} px from the top)")


def _large_text(page, failures: list[str]) -> None:
    """适老化: 大字 enlarges the text by a quarter, is remembered, and the 1366 px page still fits."""
    page.set_viewport_size(LAPTOP)
    page.goto(reverse("registry:public_lookup"))
    page.click("[data-text-size=large]")
    page.reload()
    size = page.evaluate("getComputedStyle(document.documentElement).fontSize")
    pressed = page.get_attribute("[data-text-size=large]", "aria-pressed")
    if (size, pressed) != ("20px", "true"):
        failures.append(f"large text: root font {size}, 大字 pressed={pressed} after a reload")
    if not page.is_visible(".portal-nav .navbar-toggler"):
        failures.append("large text at 1366 px: the menu does not fold behind its button")
    _sideways(page, "large text /list/ at 1366 px", failures)
    page.screenshot(path=str(A11Y_SHOTS / "large-text-list-1366.png"), full_page=True)
    page.click("[data-text-size=normal]")


@pytest.mark.skipif(not AXE.exists() and not REQUIRE_SERVICES, reason="axe-core is not installed: npm ci --prefix tools/axe")
def test_browser_every_menu_page_of_every_role_passes_axe_at_both_widths(browser, live_server, transactional_db,
                                                                         settings):
    call_command("seed_demo", verbosity=0, stdout=io.StringIO())
    settings.GREENCODE_VERIFY_RATE = 1000
    A11Y_SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=LAPTOP, locale="zh-CN", base_url=live_server.url, bypass_csp=True)
    context.set_default_timeout(20000)
    page = context.new_page()
    failures: list[str] = []
    visited = 0
    try:
        for url in _public_pages():
            for viewport in (LAPTOP, PHONE):
                _check(page, url, "public", viewport, failures)
                visited += 1
        # A client over the verification budget gets the 429 page.
        settings.GREENCODE_VERIFY_RATE = 0
        for viewport in (LAPTOP, PHONE):
            _check(page, reverse("greencode:verify"), "public-429", viewport, failures)
        settings.GREENCODE_VERIFY_RATE = 1000
        for username in ROLES:
            context.clear_cookies()
            page.set_viewport_size(LAPTOP)
            log_in(page, username)
            urls = list(dict.fromkeys([*_menu(page), *_extra_pages(username)]))
            assert urls, f"{username}: no menu"
            for url in urls:
                for viewport in (LAPTOP, PHONE):
                    _check(page, url, username, viewport, failures)
                    visited += 1
                _zoomed(page, url, username, failures)
            if username == "gz_reviewer":  # a denial, as a logged-in person sees it
                from registry.models import Unit

                other = Unit.objects.filter(city__name="深圳市").order_by("pk").first()
                for viewport in (LAPTOP, PHONE):
                    _check(page, reverse("registry:unit_edit", args=[other.pk]), "gz-403", viewport, failures)
        _large_text(page, failures)
    finally:
        context.close()
    assert visited > 60
    assert not failures, f"{len(failures)} problems:\n" + "\n".join(failures)
