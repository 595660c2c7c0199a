"""The SSDA903 is England's children looked after return. Wales, Scotland and Northern Ireland
each collect their own, in their own shape, which Visible does not read (docs/ssda903.md,
"Wales, Scotland and Northern Ireland"): a 903 for an authority outside England is refused,
whichever way it comes (the command line, the upload page, a national folder)."""

from __future__ import annotations

from visible.reference.models import Authority, Nation

# What each nation's authorities send instead of the SSDA903, in the words of its statistics.
OTHER_RETURNS: dict[str, str] = {
    Nation.WALES: "the Looked After Children census to the Welsh Government (which replaced "
    "Wales's SSDA903 from 2016-17)",
    Nation.SCOTLAND: "the Children Looked After Statistics (CLAS) return to the Scottish "
    "Government",
    Nation.NORTHERN_IRELAND: "the OC1, OC2 and OC3 returns (and the Children Order returns) to "
    "the Department of Health",
}


def outside_england(authority: Authority | None) -> tuple[str, str] | None:
    """Why a 903 for this authority is refused, and what to do instead; None in England."""
    if authority is None or authority.nation == Nation.ENGLAND:
        return None
    nation = authority.nation
    return (
        f"{authority.name} is in {nation}: the SSDA903 is England's children looked after "
        "return, and Visible imports it only for English authorities",
        f"{nation}'s authorities send {OTHER_RETURNS.get(nation, 'their own return')}, which "
        "Visible does not read: record the children on the register's pages (or through the "
        "API) instead",
    )
