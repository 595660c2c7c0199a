"""'Absconder' and 'wanted' are never used for a child in scope (report Rec 5.iv)."""

from __future__ import annotations

import pytest

from visible.risk import check_text


@pytest.mark.parametrize(
    "text",
    [
        "absconder",
        "Absconder",
        "ABSCONDERS",
        "absconded",
        "absconding",
        "abscond",
        "absconds",
        "the absconder's phone",
        "Wanted",
        "wanted",
        "  WANTED. ",
        "missing/wanted",
        "Now wanted on warrant",
        "recorded as wanted",
        "Wanted: see PNC",
        "wanted person",
    ],
)
def test_labels_are_found_whole_word_any_case(text):
    findings = check_text(text)
    assert findings, text
    assert all(f.certain for f in findings)
    assert all(f.rule_id == "R-WORDS" and f.source.endswith("Rec 5.iv") for f in findings)


@pytest.mark.parametrize(
    "text", ["", "Missing from placement", "unwanted calls", "wantedness", "abscondia", "wants"]
)
def test_other_words_are_not_found(text):
    assert check_text(text) == ()


def test_everyday_wanted_is_found_but_not_certain():
    [finding] = check_text("She wanted to see her brother")
    assert not finding.certain
    assert "everyday verb" in finding.text
    [finding] = check_text("He said he wanted money")
    assert not finding.certain


def test_findings_give_their_place_in_the_text_in_order():
    text = "Wanted by police; previously an absconder."
    findings = check_text(text)
    assert [(f.word, text[f.start : f.end]) for f in findings] == [
        ("Wanted", "Wanted"),
        ("absconder", "absconder"),
    ]
    assert "describe them as missing" in findings[1].text
