"""Every role's main pages at the widths people use (issue 16, Tests): a phone (320 px), a
tablet (768 px) and a desktop (1280 px), as the demo's logins see them. Each page meets the
accessibility checks (axe-core: no serious or critical violation, one h1, the title), is no
wider than the window, and is kept as a screenshot under var/e2e-screenshots/ (not committed)
for a reviewer to look at: <role>-<width>-<page>.png.

One browser context per role: each page is loaded once and looked at at each width in turn
(the window resized), which keeps the run to a few minutes; the problems of every page are
gathered and reported together, so one run shows them all."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.e2e.demo import build_demo, demo_user
from tests.e2e.pages import axe_violations, describe_violations
from tests.e2e.support import e2e_db

pytestmark = [pytest.mark.e2e, e2e_db]

WIDTHS = (320, 768, 1280)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "e2e-screenshots"
ROLES = {
    "social-worker": "sw.croydon",
    "coordinator": "coordinator.croydon",
    "manager": "manager.croydon",
    "police-officer": "officer.met",
    "spoc": "spoc.met",
    "guardian": "guardian.ictg",
    "national-analyst": "analyst.national",
    "organisation-admin": "admin.croydon",
    "national-admin": "admin.national",
}


# The innermost elements reaching past the window's right edge (inside no scrolling box), so
# a failure names what to fix: "select#alert-kind (357 px)".
STICKING_OUT = """() => {
  const width = window.innerWidth;
  const scrolls = el => { for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
    const s = getComputedStyle(p); if (s.overflowX === 'auto' || s.overflowX === 'scroll' ||
    s.overflowX === 'hidden') return true; } return false; };
  const out = [...document.body.querySelectorAll('*')].filter(el =>
    el.getBoundingClientRect().right > width + 0.5 && !scrolls(el));
  const innermost = out.filter(el => !out.some(o => o !== el && el.contains(o)));
  return innermost.slice(0, 5).map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.classList.length ? '.' + [...el.classList].join('.') : '') +
    ` (${Math.round(el.getBoundingClientRect().right)} px)`);
}"""


def page_problems(page: Page, width: int) -> list[str]:
    problems = []
    if page.locator("h1").count() != 1:
        problems.append(f"{page.locator('h1').count()} h1 elements")
    title = page.title()
    if not title.endswith(" – Visible") or title.startswith("Error:"):
        problems.append(f"title {title!r}")
    wide = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if wide[0] > wide[1]:
        problems.append(
            f"the page is {wide[0]} px wide in a {wide[1]} px window; what sticks out: "
            + ", ".join(page.evaluate(STICKING_OUT))
        )
    violations = axe_violations(page)
    if violations:
        problems.append("accessibility:\n" + describe_violations(violations))
    return problems


def slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"


def main_pages(page: Page, role: str, demo) -> list[str]:
    """The role's sections (its navigation, opened from the Menu where collapsed), and the
    records its work is about."""
    page.goto("/")
    paths = page.locator(".govuk-service-navigation__link").evaluate_all(
        "links => links.map(l => l.getAttribute('href'))"
    )
    if role in ("social-worker", "coordinator", "manager"):
        paths += [
            f"/children/{demo.child}/",
            f"/episodes/{demo.episode}/",
            f"/episodes/{demo.episode}/grab-pack",
            f"/children/{demo.child}/safety-plan",
        ]
    if role == "manager":
        paths += [
            "/returns/foi/",
            "/returns/national/",
            demo.partnership_report,
            "/organisation/nrm-pilot",
        ]
    if role in ("police-officer", "spoc"):
        page.goto("/police/missing")
        episode = page.locator("main a[href^='/episodes/']").first.get_attribute("href")
        paths += [episode, f"{episode.rstrip('/')}/grab-pack"]
    if role == "guardian":
        page.goto("/children/")
        paths.append(page.locator("main a[href^='/children/']").first.get_attribute("href"))
    if role == "national-analyst":
        paths.append(demo.national_tables)
    return list(dict.fromkeys(p for p in paths if p))


def test_every_roles_main_pages_at_phone_tablet_and_desktop_widths(new_page):
    from tests.organisations.support import make_national_admin

    demo = build_demo()
    make_national_admin("admin.national")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    checked = 0
    for role, username in ROLES.items():
        page = new_page(demo_user(username))
        for path in main_pages(page, role, demo):
            response = page.goto(path)
            if not (response and response.ok):
                problems.append(f"{role} {path}: answered {response.status}")
                continue
            # Each width in turn on the loaded page (a window resized, as a phone turned): the
            # page's own script relays it out (the navigation's menu, the tables' scrolling).
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                page.evaluate("() => new Promise(r => requestAnimationFrame(() => r()))")
                page.screenshot(path=str(SCREENSHOTS / f"{role}-{width}-{slug(path)}.png"))
                problems += [f"{role} {width}px {path}: {p}" for p in page_problems(page, width)]
                checked += 1
        page.context.close()
    assert checked >= 150, f"only {checked} pages checked"
    assert not problems, f"{len(problems)} problems in {checked} pages:\n" + "\n".join(problems)
