"""Each language's pack rendered to PDF and to PNG, and checked: no glyph missing (no empty
boxes), the script's own font embedded, each language on one side of A4, right-to-left
languages laid out right to left, and the numbers kept in their order inside them."""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import unicodedata
from functools import cache
from pathlib import Path

import pytest
from django.utils import timezone
from fontTools.ttLib import TTFont
from PIL import Image

from visible.childpack import pack, texts

LANGUAGES = sorted(texts.LANGUAGES)
RTL = sorted(code for code, lang in texts.LANGUAGES.items() if lang.rtl)
# The font file a script's text must come from (pdffonts names it with its subset prefix).
SCRIPT_FONT = {"tir": "NotoSansEthiopic", "amh": "NotoSansEthiopic"} | {
    code: "NotoSansArabic" for code in RTL
}


def sample(code: str, *, english_back: bool = True) -> pack.ChildPack:
    """A pack with every contact filled in, as long as a real one gets."""
    side = pack.side_for(None, code)
    return pack.ChildPack(
        child_id=7,
        name="Dawit",
        organisation="London Borough of Croydon",
        generated_at=timezone.now(),
        side=side,
        english=pack.side_for(None, "eng") if english_back and code != "eng" else None,
        contacts=[
            pack.Contact("social_worker", "Samantha Okonkwo-Smith", "UASC team", "020 7946 0000"),
            pack.Contact("guardian", "Grace Guardian", "ICTG service", "07700 900123"),
            pack.Contact("carer", "Example Fostering", "", "07700 900456"),
            pack.Contact("out_of_hours", "London Borough of Croydon", "", "020 7946 0999"),
        ],
    )


@cache
def rendered(code: str) -> tuple[object, bytes, list[str]]:
    """The document, its PDF and WeasyPrint's warnings while drawing it (a missing glyph is
    logged there as a .notdef)."""
    records: list[str] = []

    class Catch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    logger = logging.getLogger("weasyprint")
    handler = Catch(level=logging.WARNING)
    logger.addHandler(handler)
    try:
        document = pack.pdf_document(sample(code))
        data = document.write_pdf()
    finally:
        logger.removeHandler(handler)
    return document, data, records


def boxes_of(document, kind):
    return [
        box
        for page in document.pages
        for box in page._page_box.descendants()
        if isinstance(box, kind)
    ]


def text_boxes(document):
    from weasyprint.formatting_structure import boxes

    return boxes_of(document, boxes.TextBox)


@cache
def font_file(family: str) -> Path:
    found = subprocess.run(
        ["fc-match", "-f", "%{file}", family], capture_output=True, text=True, check=True
    ).stdout
    return Path(found)


@cache
def cmap(path: Path) -> frozenset[int]:
    return frozenset(TTFont(path, lazy=True).getBestCmap())


def uncovered(text: str, families: tuple[str, ...]) -> set[str]:
    covered = [cmap(font_file(f)) for f in families]
    return {
        ch
        for ch in text
        if not ch.isspace()
        and unicodedata.category(ch) not in ("Cf", "Cc")  # bidi controls, joiners: not drawn
        and not any(ord(ch) in c for c in covered)
    }


pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("code", LANGUAGES)
def test_no_glyph_is_missing_from_the_pdf(code):
    _, data, warnings = rendered(code)
    assert data.startswith(b"%PDF")
    notdef = [w for w in warnings if ".notdef" in w]
    assert not notdef, notdef


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_character_is_in_the_font_chosen_for_its_language(code):
    """fontTools: each character of the language's words is in one of the fonts the pack asks
    for (the script's font, then Liberation Sans for the numbers and Latin words)."""
    side = pack.side_for(None, code)
    text = " ".join(side.blocks.values()) + side.language.own_name
    assert uncovered(text, side.language.fonts + texts.LATIN) == set()
    # the script's own font carries the script: Ethiopic in Noto Sans Ethiopic, and so on
    if code in SCRIPT_FONT:
        script_only = "".join(ch for ch in text if ord(ch) > 0x0590 and ch.isalpha())
        assert script_only
        assert uncovered(script_only, side.language.fonts) == set()


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_print_stylesheet_asks_for_the_languages_fonts_first(code):
    """The fonts the glyph check above holds the text to are the ones the PDF asks for."""
    lang = texts.language(code)
    css = (Path(pack.__file__).parents[1] / "web/static/css/print.css").read_text()
    rule = re.search(r"\.app-pack--" + lang.script + r" \{\s*font-family: ([^;]+);", css)
    assert rule, f".app-pack--{lang.script} has no font-family"
    asked = [f.strip().strip('"') for f in rule.group(1).split(",")]
    assert asked[: len(lang.fonts)] == list(lang.fonts)


@pytest.mark.parametrize("code", sorted(SCRIPT_FONT))
def test_the_scripts_own_font_is_embedded(code):
    if not shutil.which("pdffonts"):
        pytest.fail("pdffonts (poppler-utils) is missing: `make system-libs` installs it")
    _, data, _ = rendered(code)
    listing = subprocess.run(
        ["pdffonts", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()
    assert SCRIPT_FONT[code] in listing.replace("-", ""), listing


@pytest.mark.parametrize("code", LANGUAGES)
def test_each_language_fits_one_side_of_a4_with_the_english_on_the_back(code, tmp_path):
    document, data, _ = rendered(code)
    assert len(document.pages) == (1 if code == "eng" else 2)
    width, height = document.pages[0].width, document.pages[0].height
    assert (round(width * 25.4 / 96), round(height * 25.4 / 96)) == (210, 297)
    one_side = pack.pdf_document(sample(code, english_back=False))
    assert len(one_side.pages) == 1


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_pdf_renders_to_a_png_with_the_words_on_it(code, tmp_path):
    if not shutil.which("pdftoppm"):
        pytest.fail("pdftoppm (poppler-utils) is missing: `make system-libs` installs it")
    _, data, _ = rendered(code)
    source = tmp_path / "pack.pdf"
    source.write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", source, tmp_path / "page"],
        check=True,
    )
    (png,) = tmp_path.glob("page*.png")
    with Image.open(png) as image:
        grey = image.convert("L")
        left, top, right, bottom = grey.point(lambda v: 255 if v < 128 else 0).getbbox()
        width = grey.width
        # ink on the page, across most of its width (the text is laid out, not lost)
        assert right - left > width * 0.6
        # the title's line: in a right-to-left language its ink starts at the right margin
        title = grey.crop((0, top, width, top + 12)).point(lambda v: 255 if v < 128 else 0)
        t_left, _, t_right, _ = title.getbbox()
        if texts.language(code).rtl:
            assert t_right > width * 0.85 and t_left > width * 0.4
        else:
            assert t_left < width * 0.15 and t_right < width * 0.6


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_html_carries_the_language_and_its_direction(code):
    html = pack.render_pdf_html(sample(code))
    lang = texts.language(code)
    assert f'lang="{lang.tag}" dir="{lang.direction}"' in html


@pytest.mark.parametrize("code", RTL)
def test_right_to_left_text_is_laid_out_right_to_left_and_right_aligned(code):
    from weasyprint.formatting_structure import boxes

    document, _, _ = rendered(code)
    first_page = document.pages[0]._page_box
    paragraphs = [
        box
        for box in first_page.descendants()
        if isinstance(box, boxes.BlockBox) and "app-pack__text" in (box.element.get("class") or "")
    ]
    assert paragraphs
    for paragraph in paragraphs:
        assert paragraph.style["direction"] == "rtl"
        assert paragraph.style["text_align_all"] == "right"
        right_edge = paragraph.content_box_x() + paragraph.width
        for line in paragraph.children:
            line_right = max(child.position_x + child.margin_width() for child in line.children)
            assert abs(line_right - right_edge) < 1.5


@pytest.mark.parametrize("code", RTL)
def test_numbers_keep_their_order_inside_right_to_left_text(code):
    """ "116 000" must not come out as "000 116": the numbers are isolated left to right."""
    side = pack.side_for(None, code)
    assert f"{pack.LRI}116 000{pack.PDI}" in side.blocks["helpline_heading"]
    assert f"{pack.LRI}999{pack.PDI}" in side.blocks["unsafe_text"]
    document, _, _ = rendered(code)
    words = " ".join(box.text for box in text_boxes(document)[:60])
    assert "116 000" in words


def test_the_draft_notice_is_printed_on_each_translated_side_and_not_on_the_english():
    document, _, _ = rendered("tir")
    pages = [
        " ".join(
            box.text for box in page._page_box.descendants() if type(box).__name__ == "TextBox"
        )
        for page in document.pages
    ]
    assert "Not yet checked by a fluent speaker" in pages[0]
    assert texts.shipped()["tir"].blocks["needs_check"].split()[0] in pages[0]
    assert "Not yet checked" not in pages[1]
    assert "Information for you" in pages[1]
