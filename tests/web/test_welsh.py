"""Visible in Welsh (docs/welsh.md): every string marked for translation in a template or in the
code is in the Welsh catalogue with a translation; the pages Welsh councils' staff use most mark
every string; the footer's switch shows the pages in Welsh and back; and, while some Welsh is
unchecked, the Welsh pages say so."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines
from django.template.base import Node
from django.templatetags.i18n import BlockTranslateNode, TranslateNode
from django.urls import reverse

from tests.factories import report_missing
from visible.web.language import NEEDS_CHECK, catalogue_path

SRC = Path(settings.SRC_DIR)
TEMPLATES = SRC / "web" / "templates"

# The pages Welsh councils' staff use most, whose every string is marked: the base layout and
# its footer, signing in, the Missing now board, reporting a child missing, an episode's summary,
# the alerts inbox and the alert banner (docs/welsh.md lists what is not yet translated).
FULLY_MARKED = [
    "web/base.html",
    "web/includes/error_summary.html",
    "web/includes/language_switch.html",
    "web/includes/alert_banner.html",
    "web/includes/live_status.html",
    "web/includes/new_tag.html",
    "web/includes/pagination.html",
    "web/includes/severity_tag.html",
    "web/security/sign_in.html",
    "web/security/code.html",
    "web/security/_error.html",
    "web/missing/missing_now.html",
    "web/missing/includes/missing_now_live.html",
    "web/missing/includes/grade_tag.html",
    "web/missing/report.html",
    "web/missing/episode_base.html",
    "web/missing/episode.html",
    "web/missing/alerts.html",
    "web/missing/includes/alerts_live.html",
]
# Words a page may show untranslated: the service's name, and abbreviations that are the same in
# Welsh.
NOT_WORDS = {"Visible", "PDF", "NRM"}


# --- the catalogue -------------------------------------------------------------------------


def catalogue(language: str = "cy") -> dict[tuple[str | None, str], dict]:
    """The catalogue's entries by (context, msgid): their translations and translator comments."""
    entries: dict[tuple[str | None, str], dict] = {}
    for block in catalogue_path(language).read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        comments: list[str] = []
        field = ""
        for line in block.splitlines():
            if line.startswith("#"):
                comments.append(line)
                continue
            match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) (\".*\")$", line)
            if match:
                field = match.group(1)
                fields[field] = ""
                line = match.group(2)
            fields[field] += ast.literal_eval(line)
        if fields.get("msgid"):
            strings = [v for k, v in fields.items() if k.startswith("msgstr")]
            entries[(fields.get("msgctxt"), fields["msgid"])] = {
                "strings": strings,
                "plural": fields.get("msgid_plural"),
                "comments": comments,
            }
    return entries


def _nodes(nodelist) -> list[Node]:
    found = []
    for node in nodelist:
        found.append(node)
        for attr in getattr(node, "child_nodelists", ()):
            found += _nodes(getattr(node, attr, None) or [])
    return found


def _literal(expression) -> str | None:
    """A translate tag's string, if it is written in the template (not a variable's value)."""
    var = expression.var
    if isinstance(var, str):
        return str(var)
    return None if var.literal is None else str(var.literal)


def _marked_in_template(name: str) -> set[tuple[str | None, str]]:
    """Every literal string the template marks, as (context, msgid)."""
    template = engines["django"].engine.get_template(name)
    marked = set()
    for node in _nodes(template.nodelist):
        if isinstance(node, TranslateNode) and _literal(node.filter_expression) is not None:
            context = _literal(node.message_context) if node.message_context else None
            marked.add((context, _literal(node.filter_expression)))
        elif isinstance(node, BlockTranslateNode):
            context = _literal(node.message_context) if node.message_context else None
            singular, _ = node.render_token_list(node.singular)
            marked.add((context, singular))
    return marked


def _marked_in_python(path: Path) -> set[tuple[str | None, str]]:
    """Every literal string a module marks: gettext, gettext_lazy, gettext_noop (also as _) and
    pgettext_lazy."""
    marked = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        args = [a.value for a in node.args if isinstance(a, ast.Constant)]
        if node.func.id in {"_", "gettext", "gettext_lazy", "gettext_noop"} and len(args) == 1:
            marked.add((None, args[0]))
        elif node.func.id in {"pgettext", "pgettext_lazy"} and len(args) == 2:
            marked.add((args[0], args[1]))
    return marked


def _templates_that_translate() -> list[str]:
    return sorted(
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if re.search(r"\{%\s*load\b[^%]*\bi18n\b", path.read_text(encoding="utf-8"))
    )


def test_every_string_marked_in_a_template_or_the_code_has_a_welsh_translation():
    cy = catalogue()
    templates = _templates_that_translate()
    assert set(FULLY_MARKED) <= set(templates)
    marked: dict[tuple[str | None, str], str] = {}
    for name in templates:
        marked.update(dict.fromkeys(_marked_in_template(name), name))
    for path in sorted((SRC / "web").rglob("*.py")):
        marked.update(dict.fromkeys(_marked_in_python(path), str(path.relative_to(SRC))))
    assert (None, "Sign out") in marked and (None, "Report missing or away") in marked
    missing = [
        f"{where}: {msgid!r}"
        for (context, msgid), where in marked.items()
        if (context, msgid) not in cy
    ]
    assert not missing, (
        "Not in the Welsh catalogue (run `make messages`, then translate):\n" + "\n".join(missing)
    )
    untranslated = [
        msgid for (context, msgid) in marked if not all(cy[(context, msgid)]["strings"])
    ]
    assert not untranslated, f"In the Welsh catalogue without a translation: {untranslated}"


def test_each_translation_keeps_the_placeholders_of_its_english():
    for (_context, msgid), entry in catalogue().items():
        english = set(re.findall(r"%\(\w+\)s", msgid + (entry["plural"] or "")))
        for welsh in entry["strings"]:
            assert set(re.findall(r"%\(\w+\)s", welsh)) <= english, (msgid, welsh)
            assert set(re.findall(r"%\(\w+\)s", msgid)) - {"%(count)s"} <= set(
                re.findall(r"%\(\w+\)s", welsh)
            ), (msgid, welsh)


def test_a_translation_no_fluent_speaker_has_checked_is_marked_needs_check():
    """None of the Welsh has yet been checked by a fluent speaker: every entry says so, in the
    translator comment that `make messages` keeps (docs/welsh.md)."""
    entries = catalogue()
    assert len(entries) > 200
    unmarked = [
        msgid for (_c, msgid), e in entries.items() if f"# {NEEDS_CHECK}" not in e["comments"]
    ]
    assert not unmarked, f"Entries not marked {NEEDS_CHECK}: {unmarked}"


def test_the_catalogue_is_compiled():
    """`make setup` compiles the catalogue; a .mo older than its .po shows old Welsh."""
    po = catalogue_path("cy")
    mo = po.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime, (
        "Run `make translations` (part of `make setup`) to compile the Welsh catalogue"
    )


def _unmarked_text(source: str) -> list[str]:
    """The words a template shows that no translate tag wraps: its text and the attributes
    people read (aria-label, alt, title, placeholder), outside the template's tags."""
    source = re.sub(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", "", source, flags=re.S)
    source = re.sub(r"\{#.*?#\}", "", source, flags=re.S)
    source = re.sub(
        r"\{%\s*blocktranslate\b.*?\{%\s*endblocktranslate\s*%\}", "", source, flags=re.S
    )
    source = re.sub(r"\{%.*?%\}|\{\{.*?\}\}", " ", source, flags=re.S)
    source = re.sub(r"&\w+;", " ", source)  # entities: &ctdot;
    shown = re.findall(r'(?:aria-label|alt|title|placeholder)="([^"]*)"', source)
    shown += re.sub(
        r"<[^>]*>", " ", re.sub(r"<(script|style)\b.*?</\1>", " ", source, flags=re.S)
    ).split("\n")
    found = []
    for text in shown:
        words = [w for w in re.findall(r"[A-Za-z][A-Za-z'’-]+", text) if w not in NOT_WORDS]
        if words:
            found.append(text.strip())
    return found


@pytest.mark.parametrize("name", FULLY_MARKED)
def test_the_pages_welsh_staff_use_most_mark_every_string(name):
    source = (TEMPLATES / name).read_text(encoding="utf-8")
    assert _unmarked_text(source) == [], f"{name} shows words not marked for translation"


def test_the_unmarked_words_check_finds_an_unmarked_word():
    assert _unmarked_text('<p class="govuk-body">Missing now</p>') == ["Missing now"]
    assert _unmarked_text('<nav aria-label="Menu">{% translate "Menu" %}</nav>') == ["Menu"]
    assert _unmarked_text("<p>{% translate 'Missing now' %} {{ name }}</p>") == []


# --- the switch ----------------------------------------------------------------------------


def _text(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#x27;", "'")


def _lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


@pytest.mark.django_db
def test_the_footer_switch_shows_the_pages_in_welsh_and_back(
    client, coordinator_a, sw_a, uasc_child
):
    report_missing(sw_a, uasc_child, hours_ago=2)
    client.force_login(coordinator_a)
    board = reverse("web:missing-now")
    english = client.get(board)
    assert _lang(english) == "en-GB"
    assert "Missing now" in _text(english) and "Cymraeg" in _text(english)
    assert 'data-testid="translation-unchecked"' not in english.content.decode()

    switched = client.post(reverse("web:set-language"), {"language": "cy", "next": board})
    assert switched.status_code == 302 and switched["Location"] == board
    welsh = client.get(board)
    text = _text(welsh)
    assert _lang(welsh) == "cy"
    assert "Ar goll nawr" in text and "Allgofnodi" in text and "Neidio i’r prif gynnwys" in text
    assert "1 plentyn ar goll neu i ffwrdd" in text and "Sign out" not in text
    assert uasc_child.full_name in text  # names stay as they are
    assert "Some of the Welsh on this page" not in text
    assert "Nid yw siaradwr Cymraeg rhugl wedi gwirio" in text  # the needs-check notice
    assert "some of this page’s Welsh has not yet been checked" in text  # and in English

    back = client.post(reverse("web:set-language"), {"language": "en-gb", "next": board})
    assert back["Location"] == board
    again = client.get(board)
    assert (
        _lang(again) == "en-GB" and "Sign out" in _text(again) and "Allgofnodi" not in _text(again)
    )


@pytest.mark.django_db
def test_the_report_form_and_its_errors_in_welsh(client, sw_a, uasc_child):
    client.force_login(sw_a)
    client.post(reverse("web:set-language"), {"language": "cy", "next": "/"})
    url = reverse("web:report-missing", args=[uasc_child.pk])
    page = _text(client.get(url))
    assert "Ydy’r plentyn ar goll neu i ffwrdd o’r lleoliad?" in page
    refused = _text(client.post(url, {}))
    assert "Mae problem wedi codi" in refused
    assert "Dewiswch ar goll neu i ffwrdd o’r lleoliad" in refused
    assert "Rhowch ble cafodd y plentyn ei weld ddiwethaf" in refused


@pytest.mark.django_db
def test_sign_in_in_welsh_without_an_account(client):
    client.post(reverse("web:set-language"), {"language": "cy", "next": reverse("web:sign-in")})
    page = client.get(reverse("web:sign-in"))
    assert _lang(page) == "cy" and "Mewngofnodi i Visible" in _text(page)
    assert "Enw defnyddiwr" in _text(page) and "Cyfrinair" in _text(page)


@pytest.mark.django_db
def test_without_a_next_the_switch_goes_back_to_the_page_that_sent_it(client, sw_a, uasc_child):
    client.force_login(sw_a)
    page = reverse("web:child", args=[uasc_child.pk]) + "?tab=flags"
    response = client.post(
        reverse("web:set-language"), {"language": "cy"}, HTTP_REFERER=f"http://testserver{page}"
    )
    assert response["Location"] == page
    elsewhere = client.post(
        reverse("web:set-language"), {"language": "cy"}, HTTP_REFERER="https://example.com/x"
    )
    assert elsewhere["Location"] == reverse("web:home")
    sneaky = client.post(
        reverse("web:set-language"),
        {"language": "cy"},
        HTTP_REFERER="http://testserver//evil.example/",
    )
    assert sneaky["Location"] == "/evil.example/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "next_url", ["https://example.com/", "//example.com/missing-now/", "javascript:alert(1)"]
)
def test_the_switch_goes_back_only_to_a_page_of_visible(client, next_url):
    response = client.post(reverse("web:set-language"), {"language": "cy", "next": next_url})
    assert response.status_code == 302 and response["Location"] == reverse("web:home")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "cy"


@pytest.mark.django_db
def test_a_language_visible_does_not_have_changes_nothing_and_a_get_is_refused(client):
    response = client.post(reverse("web:set-language"), {"language": "fr", "next": "/"})
    assert response.status_code == 302 and settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert client.get(reverse("web:set-language")).status_code == 405


@pytest.mark.django_db
def test_a_welsh_browser_gets_welsh_until_the_person_chooses(client):
    page = client.get(reverse("web:sign-in"), HTTP_ACCEPT_LANGUAGE="cy,en;q=0.5")
    assert _lang(page) == "cy"
    client.post(reverse("web:set-language"), {"language": "en-gb", "next": "/"})
    page = client.get(reverse("web:sign-in"), HTTP_ACCEPT_LANGUAGE="cy,en;q=0.5")
    assert _lang(page) == "en-GB" and "Sign in to Visible" in _text(page)
