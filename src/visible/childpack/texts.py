"""The pack's words, per language: content, not interface strings (docs/child-pack.md).

Each shipped language is a TOML file in texts/, named by its ISO 639-3 code (the codes the
child's record holds): its blocks, and who checked it (``checked_by``, ``checked_on``) or
``needs_check = true`` for a draft no fluent speaker has checked yet. English is the source;
every other file must have exactly its blocks. A council may add its own checked translation
(models.CouncilTranslation), which its children's packs then use instead of the shipped one.
"""

from __future__ import annotations

import datetime as dt
import string
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

TEXTS = Path(__file__).parent / "texts"
SOURCE = "eng"

LATIN = ("Liberation Sans", "Noto Sans")
ARABIC = ("Noto Sans Arabic", "Noto Naskh Arabic")
ETHIOPIC = ("Noto Sans Ethiopic",)
SCRIPTS = {LATIN: "latin", ARABIC: "arabic", ETHIOPIC: "ethiopic"}


@dataclass(frozen=True)
class Language:
    code: str  # ISO 639-3, as the child's record holds it
    name: str  # in English, for the people choosing it
    own_name: str  # in the language itself, for the child
    tag: str  # BCP 47, for the page's lang attribute
    rtl: bool
    fonts: tuple[str, ...]  # the PDF's font families, first choice first

    @property
    def direction(self) -> str:
        return "rtl" if self.rtl else "ltr"

    @property
    def script(self) -> str:
        """Names the print stylesheet's rule with the fonts (.app-pack--arabic and so on)."""
        return SCRIPTS[self.fonts]


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("eng", "English", "English", "en", False, LATIN),
        Language("cym", "Welsh", "Cymraeg", "cy", False, LATIN),
        Language("sqi", "Albanian", "Shqip", "sq", False, LATIN),
        Language("vie", "Vietnamese", "Tiếng Việt", "vi", False, LATIN),
        Language("tir", "Tigrinya", "ትግርኛ", "ti", False, ETHIOPIC),
        Language("amh", "Amharic", "አማርኛ", "am", False, ETHIOPIC),
        Language("ara", "Arabic", "العربية", "ar", True, ARABIC),
        Language("pus", "Pashto", "پښتو", "ps", True, ARABIC),
        Language("prs", "Dari", "دری", "fa-AF", True, ARABIC),
        Language("fas", "Farsi (Persian)", "فارسی", "fa", True, ARABIC),
        Language("ckb", "Kurdish Sorani", "کوردیی ناوەندی", "ckb", True, ARABIC),
        Language("som", "Somali", "Soomaali", "so", False, LATIN),
    )
}


def language(code: str) -> Language:
    return LANGUAGES[code]


def language_choices() -> list[tuple[str, str]]:
    """English first, then by English name."""
    rest = sorted((c for c in LANGUAGES if c != SOURCE), key=lambda c: LANGUAGES[c].name)
    return [(c, LANGUAGES[c].name) for c in (SOURCE, *rest)]


@dataclass(frozen=True)
class Translation:
    """One language's blocks and who checked them."""

    language: str
    blocks: dict[str, str]
    checked_by: str  # "" while no fluent speaker has checked it
    checked_on: dt.date | None
    source: str  # "shipped" (texts/*.toml) or "council" (the council's own)

    @property
    def needs_check(self) -> bool:
        return not self.checked_by


def _load(code: str) -> Translation:
    with (TEXTS / f"{code}.toml").open("rb") as f:
        data = tomllib.load(f)
    if data.get("language") != code:
        raise ValueError(f"texts/{code}.toml says it is {data.get('language')!r}")
    needs_check = bool(data.get("needs_check", True))
    checked_by = "" if needs_check else str(data.get("checked_by", ""))
    checked_on = data.get("checked_on") if checked_by else None
    return Translation(code, dict(data["blocks"]), checked_by, checked_on, "shipped")


@cache
def shipped() -> dict[str, Translation]:
    """Every shipped translation, checked against the English: the same blocks, the same
    placeholders. A file that differs is a mistake in the repository: it fails loudly."""
    found = {code: _load(code) for code in LANGUAGES}
    keys = set(found[SOURCE].blocks)
    for code, translation in found.items():
        missing, extra = keys - set(translation.blocks), set(translation.blocks) - keys
        if missing or extra:
            raise ValueError(f"texts/{code}.toml: missing {sorted(missing)}, extra {sorted(extra)}")
        for key in keys:
            problem = placeholder_problem(key, translation.blocks[key])
            if problem:
                raise ValueError(f"texts/{code}.toml, {key}: {problem}")
    return found


def block_keys() -> list[str]:
    """The blocks in the order the English file gives them."""
    return list(shipped()[SOURCE].blocks)


def english() -> Translation:
    return shipped()[SOURCE]


def placeholders(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return {"?"}  # an unmatched brace


def placeholder_problem(key: str, text: str) -> str:
    """Why a block's text would not fill in: it must keep the English's {name} and {date}
    (the block that has them) and add no others. "" when it is fine."""
    wanted = placeholders(english_block(key))
    found = placeholders(text)
    if found == wanted:
        return ""
    names = " and ".join("{" + n + "}" for n in sorted(wanted))
    if wanted:
        return f"Keep {names} exactly as they are (they are filled in), and no other braces"
    return "Take out the curly brackets { }: this text has nothing to fill in"


@cache
def _english_blocks() -> dict[str, str]:
    with (TEXTS / f"{SOURCE}.toml").open("rb") as f:
        return dict(tomllib.load(f)["blocks"])


def english_block(key: str) -> str:
    return _english_blocks()[key]
