"""Pages speak to people, not developers (issue 16, point 7): built as `visible demo` builds
it, every demo login's pages (each section of its navigation, the records behind them, and
the demo's headline records: a child missing now, the episode's summary and every task, its
grab pack as a page and as the PDF; every PDF reached is checked as the HTML it is made from)
show no rule id outside the "Rule references" details element, no ISO date, no repository
path, no command line, no username where a person's name belongs, no "generator", no system
name such as "<sweep>", and no cell that is only ":", "-" or "None" (a table's ":" only where
the page says what it means)."""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser

import pytest
from django.test import Client

from tests.e2e.demo import build_demo, demo_user

pytestmark = pytest.mark.django_db

LOGINS = (
    "sw.croydon",
    "coordinator.croydon",
    "manager.croydon",
    "admin.croydon",
    "sw.kent",
    "officer.met",
    "spoc.met",
    "guardian.ictg",
    "analyst.national",
)
PAGES_PER_LOGIN = 90  # enough to reach every section and two records of each kind
SAME_SHAPE = 2  # pages visited of each URL shape (/children/<n>/...), per login
NOT_PAGES = re.compile(r"/sign-out|/static/|/media/|\.(?:csv|xlsx|json|zip)$|/photo$")


def _command_words() -> set[str]:
    from visible.cli import build_parser

    parser = build_parser()
    return {
        word
        for action in parser._subparsers._group_actions  # type: ignore[union-attr]
        for word in action.choices
    }


RULE_ID = re.compile(r"\bR-[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*\b")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
REPOSITORY_PATH = re.compile(r"\b(?:docs|src|tests)/[\w./-]+")
SYSTEM_NAME = re.compile(r"<[a-z][\w -]*>")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
EMPTY_CELL = {":", "-", "\u2013", "\u2014", "None"}
USERNAME_KEYS = {"Username", "Your username"}  # a summary row that is the username itself


class VisibleText(HTMLParser):
    """A page's text as a person sees it: no scripts, styles or attributes. The text inside a
    details element is kept apart (rule ids may be there), as is each table or summary-list
    cell's own text; the value of a summary row keyed "Username" is left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hidden = 0
        self.details = 0
        self.text: list[str] = []
        self.in_details: list[str] = []
        self.cells: list[str] = []
        self.links: list[str] = []
        self._cell: list[str] | None = None
        self._key: list[str] | None = None
        self._last_key = ""
        self._skip_value = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("script", "style", "template", "head"):
            self.hidden += 1
        if tag == "details":
            self.details += 1
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        if tag == "dt":
            self._key = []
        if tag in ("td", "dd"):
            self._cell = []
            self._skip_value = tag == "dd" and self._last_key in USERNAME_KEYS

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template", "head"):
            self.hidden -= 1
        if tag == "details":
            self.details -= 1
        if tag == "dt" and self._key is not None:
            self._last_key = " ".join("".join(self._key).split())
            self._key = None
        if tag in ("td", "dd") and self._cell is not None:
            self.cells.append(" ".join("".join(self._cell).split()))
            self._cell, self._skip_value = None, False

    def handle_data(self, data):
        if self.hidden > 0 or self._skip_value:
            return
        (self.in_details if self.details else self.text).append(data)
        if self._cell is not None:
            self._cell.append(data)
        if self._key is not None:
            self._key.append(data)


def problems_on(html: str, usernames: list[str], commands: set[str]) -> list[str]:
    page = VisibleText()
    page.feed(html)
    text = " ".join(" ".join(page.text).split())
    everything = EMAIL.sub("", text + " " + " ".join(" ".join(page.in_details).split()))
    found = [f"rule id {m.group(0)!r}" for m in RULE_ID.finditer(text)]
    found += [f"ISO date {m.group(0)!r}" for m in ISO_DATE.finditer(everything)]
    found += [f"repository path {m.group(0)!r}" for m in REPOSITORY_PATH.finditer(everything)]
    found += [f"system name {m.group(0)!r}" for m in SYSTEM_NAME.finditer(everything)]
    found += [
        f"command {m.group(0)!r}"
        for m in re.finditer(r"\bvisible ([a-z][a-z0-9-]*)", everything)
        if m.group(1) in commands
    ]
    found += [
        f"username {m.group(0)!r}"
        for m in re.finditer(rf"\b(?:{'|'.join(map(re.escape, usernames))})\b", everything)
    ]
    found += [f"{m.group(0)!r}" for m in re.finditer(r"generator", everything, re.I)]
    explained = 'data-testid="symbols"' in html  # the page's key to its symbols
    found += [
        f"a cell that says only {cell!r}"
        for cell in page.cells
        if cell in EMPTY_CELL and not (cell == ":" and explained)
    ]
    return sorted(set(found))


def _shape(url: str) -> str:
    return re.sub(r"\d+", "N", url.split("?")[0])


def walk(client: Client, start: list[str]) -> dict[str, str]:
    """The pages a login reaches from `start` by the links on them: HTML pages only, a few of
    each shape, each with its HTML."""
    pages: dict[str, str] = {}
    queue, seen, shapes = deque(start), set(start), {}
    while queue and len(pages) < PAGES_PER_LOGIN:
        url = queue.popleft()
        response = client.get(url)
        if response.status_code in (301, 302) and response["Location"].startswith("/"):
            location = response["Location"]
            if location not in seen:
                seen.add(location)
                queue.appendleft(location)
            continue
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        pages[url] = html
        parser = VisibleText()
        parser.feed(html)
        for href in parser.links:
            href = href.split("#")[0]
            if not href.startswith("/") or href in seen or NOT_PAGES.search(href):
                continue
            shape = _shape(href)
            if shapes.get(shape, 0) >= SAME_SHAPE:
                continue
            shapes[shape] = shapes.get(shape, 0) + 1
            seen.add(href)
            queue.append(href)
    return pages


def test_every_demo_page_is_in_plain_words(monkeypatch):
    import visible.pdf

    demo = build_demo()
    episode_pages = ["", "grade", "log", "police", "return", "grab-pack"]
    headline = [f"/children/{demo.child}/", f"/children/{demo.child}/history"] + [
        f"/episodes/{demo.episode}/{page}" for page in episode_pages
    ]
    extra = {
        "sw.croydon": headline,
        "coordinator.croydon": [*headline, "/risk-settings/"],
        "manager.croydon": [
            *headline,
            "/risk-settings/",
            "/organisation/nrm-pilot",
            demo.partnership_report,
        ],
        "admin.croydon": ["/people/", "/organisation/nrm-pilot"],
        "officer.met": ["/police/missing"],
        "spoc.met": ["/police/missing"],
        "analyst.national": [demo.national_tables],
    }
    from visible.demo.setup import DEMO_USERS

    usernames = [d.username for d in DEMO_USERS]
    commands = _command_words()
    pdf_html: list[str] = []

    class Captured:
        def write_pdf(self) -> bytes:
            return b"%PDF-1.7\n"

    def document(html: str) -> Captured:
        pdf_html.append(html)
        return Captured()

    monkeypatch.setattr(visible.pdf, "document", document)

    problems: list[str] = []
    walked = 0
    for username in LOGINS:
        client = Client()
        client.force_login(demo_user(username))
        pages = walk(client, ["/", *extra.get(username, [])])
        walked += len(pages)
        for url, html in pages.items():
            problems += [f"{username} {url}: {p}" for p in problems_on(html, usernames, commands)]
    client = Client()
    client.force_login(demo_user("coordinator.croydon"))
    response = client.get(f"/episodes/{demo.episode}/grab-pack.pdf")
    assert response.status_code == 200 and pdf_html, "the grab pack PDF was not made"
    problems += [
        f"a PDF's HTML: {p}" for html in pdf_html for p in problems_on(html, usernames, commands)
    ]
    assert walked > 200, f"only {walked} pages were reached"
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("html", "found"),
    [
        ("<p>R-HIGH: high risk</p>", ["rule id 'R-HIGH'"]),
        ("<details><summary>Rule references</summary><p>R-HIGH: high risk</p></details>", []),
        ("<p>Recorded by generator, 4 December 2026</p>", ["'generator'"]),
        ("<p>Set by sw.croydon</p>", ["username 'sw.croydon'"]),
        ("<p>Email to sw.croydon@example.org</p>", []),
        (
            "<dl><dt>Username</dt><dd>sw.croydon</dd><dt>Name</dt><dd>Priya Shah</dd></dl>",
            [],
        ),
        ("<p>From 2026-12-04</p>", ["ISO date '2026-12-04'"]),
        ("<p>See docs/foi-return.md</p>", ["repository path 'docs/foi-return.md'"]),
        ("<p>Run visible demo first</p>", ["command 'visible demo'"]),
        ("<p>Keeps children in care visible. Every view</p>", []),
        (
            "<table><tr><td>:</td><td>None</td></tr></table>",
            ["a cell that says only ':'", "a cell that says only 'None'"],
        ),
        (
            '<p data-testid="symbols">: means not available</p><table><tr><td>:</td></tr></table>',
            [],
        ),
        ("<p>By &lt;sweep&gt;</p>", ["system name '<sweep>'"]),
        ('<input type="hidden" name="finding" value="R-HIGH 2026-12-04">', []),
    ],
)
def test_what_counts_as_developer_language(html, found):
    assert problems_on(html, ["sw.croydon"], {"demo", "worker"}) == sorted(found)
