"""The pack's words: every language the issue names, every block in each, the placeholders
kept, and every translation but the English marked as not yet checked by a fluent speaker."""

from __future__ import annotations

import tomllib

import pytest

from visible.childpack import texts

NAMED = {"eng", "cym", "sqi", "vie", "tir", "ara", "pus", "prs", "ckb", "fas", "amh", "som"}


def test_the_pack_has_english_welsh_and_the_childrens_most_common_languages():
    assert set(texts.LANGUAGES) == NAMED
    assert texts.language_choices()[0] == ("eng", "English")


def test_arabic_script_languages_are_right_to_left_and_the_others_left_to_right():
    rtl = {code for code, lang in texts.LANGUAGES.items() if lang.rtl}
    assert rtl == {"ara", "pus", "prs", "fas", "ckb"}
    assert texts.language("tir").fonts == ("Noto Sans Ethiopic",)


@pytest.mark.parametrize("code", sorted(NAMED))
def test_each_language_has_every_block_of_the_english(code):
    translation = texts.shipped()[code]
    assert list(translation.blocks) == texts.block_keys()
    assert all(text.strip() for text in translation.blocks.values())
    assert texts.placeholders(translation.blocks["checked"]) == {"name", "date"}


@pytest.mark.parametrize("code", sorted(NAMED - {"eng"}))
def test_every_translation_is_honestly_marked_as_needing_a_fluent_speakers_check(code):
    translation = texts.shipped()[code]
    assert translation.needs_check
    assert translation.checked_by == "" and translation.checked_on is None
    data = tomllib.loads((texts.TEXTS / f"{code}.toml").read_text(encoding="utf-8"))
    assert data["needs_check"] is True
    # the translation differs from the English it was made from
    assert translation.blocks["title"] != texts.english().blocks["title"]


def test_the_english_is_the_checked_source():
    english = texts.english()
    assert not english.needs_check and english.checked_by
    assert "116 000" in english.blocks["helpline_text"]
    assert "999" in english.blocks["unsafe_text"]
    assert "no credit" in english.blocks["helpline_text"]


@pytest.mark.parametrize(
    ("key", "text", "problem"),
    [
        ("checked", "Gwiriwyd gan {name} ar {date}.", ""),
        ("checked", "Gwiriwyd gan {enw} ar {date}.", "Keep {date} and {name}"),
        ("checked", "Gwiriwyd gan {name}.", "Keep {date} and {name}"),
        ("title", "Gwybodaeth {i ti}", "Take out the curly brackets"),
        ("title", "Gwybodaeth i ti {", "Take out the curly brackets"),
        ("title", "Gwybodaeth i ti", ""),
    ],
)
def test_a_translation_must_keep_the_placeholders_and_add_none(key, text, problem):
    found = texts.placeholder_problem(key, text)
    assert (found == "") if not problem else found.startswith(problem)
