"""The "Returns" section: what a council sends or makes from its register (the SSDA903
import, the FOI return, the partnership annual reports, the national returns), each under the
one name its own page, the navigation and the breadcrumbs use (issue 16, point 13)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render

from visible.audit.log import record
from visible.audit.models import AuditAction

from ..common import staff_view
from ..context import returns_entries
from ..request import ViewerRequest

# What each page is for, in a sentence, by the page's name.
PURPOSES = {
    "Import an SSDA903 return": "Load the council's SSDA903 return and see what it changes "
    "on the register before anything is saved.",
    "FOI return": "Answer the Freedom of Information request of the report Heading back to "
    "harm for any period, as a page and as files to send.",
    "Partnership annual reports": "The safeguarding partnership's annual report on these "
    "children, compared with the year before, with its own sections written in.",
    "National returns": "The national body's collections addressed to your council: send "
    "each year's figures from the register, before its deadline.",
}


@staff_view
def returns(request: ViewerRequest) -> HttpResponse:
    entries = returns_entries(request.viewer)
    if not entries:
        record(
            request.viewer,
            AuditAction.DENIED,
            object_type="return",
            summary="Tried to open the returns page",
        )
        raise PermissionDenied(
            "Only a council's senior manager, missing coordinator or analyst makes its returns"
        )
    return render(
        request,
        "web/returns/returns.html",
        {
            "entries": [
                {"label": label, "href": href, "purpose": PURPOSES.get(label, "")}
                for label, href, _ in entries
            ]
        },
    )
