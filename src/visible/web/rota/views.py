"""The on-call rota: who is on duty now and in a week's shifts (for everyone who acts on the
organisation's alerts), and, for a senior manager or an organisation administrator, adding,
changing and removing shifts (one task a page; rota/actions.py writes and audits), and
uploading a rota kept in a spreadsheet: the file, then its shifts to check, then confirm.
Between the two the file is kept in the person's session (at most rotafile.MOST_BYTES), and
checked again, all of it, when they confirm."""

from __future__ import annotations

import base64
import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from visible.access import opening
from visible.agencies.viewer import Viewer
from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.dates import uk_date
from visible.rota import actions
from visible.rota.duty import position_label, shifts_between, who_is_on
from visible.rota.models import LADDER, Shift
from visible.rota.rotafile import MOST_BYTES, template_csv
from visible.rota.times import uk_moment, uk_wall
from visible.uploads import size_text

from ..common import apply_errors, staff_view
from ..request import ViewerRequest
from .forms import RotaUploadForm, ShiftForm, default_times


def _refuse(viewer: Viewer, what: str) -> None:
    opening.deny(viewer, "rota shift", "", None, f"Tried to {what} without permission")
    raise PermissionDenied(
        "Only a senior manager or an organisation administrator of a council can change its "
        "on-call rota"
    )


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _week_from(text: str, today: dt.date) -> dt.date:
    try:
        return _monday(dt.date.fromisoformat(text))
    except ValueError:
        return _monday(today)


@staff_view
def rota_page(request: ViewerRequest) -> HttpResponse:
    viewer = request.viewer
    if not actions.can_see_rota(viewer):
        opening.deny(viewer, "rota shift", "", None, "Tried to open the on-call rota")
        raise PermissionDenied("The on-call rota is for the people of a council who act on alerts")
    organisation = viewer.organisation
    assert organisation is not None
    now = timezone.now()
    monday = _week_from(request.GET.get("week", ""), uk_date(now))
    start = uk_moment(monday, dt.time(0))
    end = uk_moment(monday + dt.timedelta(days=7), dt.time(0))
    shifts = list(shifts_between(organisation, start, end))
    on_now = who_is_on(organisation, now)
    record(
        viewer,
        AuditAction.LIST,
        object_type="rota shift",
        summary=f"Viewed the on-call rota for the week of {monday:%-d %B %Y} "
        f"({len(shifts)} shift{'s' if len(shifts) != 1 else ''})",
    )
    return render(
        request,
        "web/rota/rota.html",
        {
            "now": now,
            "on_now": [
                {"position": position_label(p), "key": p, "shifts": on_now[p]} for p in LADDER
            ],
            "shifts": [
                {
                    "shift": s,
                    "position": position_label(s.position),
                    "name": actions.person_name(s.person),
                    "past": s.ends_at <= now,
                }
                for s in shifts
            ],
            "monday": monday,
            "sunday": monday + dt.timedelta(days=6),
            "previous_week": (monday - dt.timedelta(days=7)).isoformat(),
            "next_week": (monday + dt.timedelta(days=7)).isoformat(),
            "this_week": monday == _monday(uk_date(now)),
            "can_keep": actions.can_keep_rota(viewer),
        },
    )


def _shift_form_page(request: ViewerRequest, form: ShiftForm, shift: Shift | None) -> HttpResponse:
    return render(request, "web/rota/shift.html", {"form": form, "shift": shift})


@staff_view
def add_shift(request: ViewerRequest) -> HttpResponse:
    viewer = request.viewer
    if not actions.can_keep_rota(viewer):
        _refuse(viewer, "add a shift to the on-call rota")
    assert viewer.organisation is not None
    people = actions.people_for_rota(viewer.organisation)
    form = ShiftForm(
        request.POST if request.method == "POST" else None,
        people=people,
        initial=default_times(uk_date(timezone.now())),
    )
    if request.method == "POST" and form.is_valid():
        try:
            made = actions.add_shifts(viewer, actions.ShiftInput.from_mapping(form.shift_values()))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            first = made[0]
            messages.success(
                request,
                f"{actions.person_name(first.person)} added as "
                f"{position_label(first.position).lower()}"
                + (f" for {len(made)} weeks" if len(made) > 1 else ""),
            )
            return redirect(reverse("web:rota") + f"?week={uk_date(first.starts_at).isoformat()}")
    return _shift_form_page(request, form, None)


def _own_shift(request: ViewerRequest, pk: int, what: str) -> Shift:
    viewer = request.viewer
    if not actions.can_keep_rota(viewer):
        _refuse(viewer, what)
    shift = Shift.objects.select_related("person").filter(pk=pk).first()
    if shift is None or shift.organisation_id != viewer.organisation_id:
        opening.deny(viewer, "rota shift", pk, None, f"Tried to {what} on another rota")
        raise Http404("No shift with that number is on your organisation's rota")
    return shift


@staff_view
def change_shift(request: ViewerRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    shift = _own_shift(request, pk, "change a shift")
    assert viewer.organisation is not None
    form = ShiftForm(
        request.POST if request.method == "POST" else None,
        people=actions.people_for_rota(viewer.organisation),
        changing=True,
        initial=ShiftForm.initial_for(shift),
    )
    if request.method == "POST" and form.is_valid():
        try:
            changed = actions.change_shift(
                viewer, shift, actions.ShiftInput.from_mapping(form.shift_values())
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "The shift has been changed")
            return redirect(reverse("web:rota") + f"?week={uk_date(changed.starts_at).isoformat()}")
    return _shift_form_page(request, form, shift)


@staff_view
def remove_shift(request: ViewerRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    shift = _own_shift(request, pk, "remove a shift")
    error = ""
    if request.method == "POST":
        week = uk_date(shift.starts_at).isoformat()
        try:
            actions.remove_shift(viewer, shift)
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            messages.success(request, "The shift has been taken off the rota")
            return redirect(reverse("web:rota") + f"?week={week}")
    return render(
        request,
        "web/rota/remove.html",
        {
            "shift": shift,
            "position": position_label(shift.position),
            "name": actions.person_name(shift.person),
            "error": error,
        },
    )


# --- uploading a rota -------------------------------------------------------------------------

UPLOAD_SESSION_KEY = "rota_upload"


def _require_keep(request: ViewerRequest, what: str) -> None:
    if not actions.can_keep_rota(request.viewer):
        _refuse(request.viewer, what)


def _kept_upload(request: ViewerRequest) -> tuple[str, bytes] | None:
    """The file uploaded for checking, if it is this organisation's."""
    kept = request.session.get(UPLOAD_SESSION_KEY)
    if not kept or kept.get("organisation") != request.viewer.organisation_id:
        return None
    return kept["name"], base64.b64decode(kept["raw"])


def _upload_page(
    request: ViewerRequest, form: RotaUploadForm, result: actions.RotaImport | None = None
) -> HttpResponse:
    if result is not None and result.problems:
        count = len(result.problems)
        form.add_error(
            "file",
            f"{result.file_name} has {count} problem{'s' if count != 1 else ''}, listed below: "
            "nothing has been added. Fix the file and upload it again",
        )
    return render(
        request,
        "web/rota/upload.html",
        {"form": form, "result": result, "most": size_text(MOST_BYTES)},
        status=400 if form.errors else 200,
    )


@staff_view
def upload_rota(request: ViewerRequest) -> HttpResponse:
    _require_keep(request, "upload an on-call rota")
    form = RotaUploadForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        return _upload_page(request, form)
    uploaded = form.cleaned_data["file"]
    if uploaded.size > MOST_BYTES:  # before a byte of it is read
        form.add_error(
            "file",
            f"The file is {size_text(uploaded.size)}; a rota file is at most "
            f"{size_text(MOST_BYTES)}: split a long rota into files of a few months each",
        )
        return _upload_page(request, form)
    name, raw = uploaded.name, uploaded.read()
    result = actions.plan_import(request.viewer, name, raw, timezone.now())
    if result.problems:
        return _upload_page(request, form, result)
    request.session[UPLOAD_SESSION_KEY] = {
        "organisation": request.viewer.organisation_id,
        "name": name,
        "raw": base64.b64encode(raw).decode("ascii"),
    }
    return redirect("web:rota-upload-check")


def _weeks(planned: list[actions.PlannedShift]) -> list[dict]:
    """The shifts to add, by the week (Monday to Sunday, UK time) each starts in."""
    weeks: dict[dt.date, list[dict]] = {}
    for shift in sorted(planned, key=lambda s: (s.starts_at, s.position, s.row)):
        weeks.setdefault(_monday(uk_date(shift.starts_at)), []).append(
            {
                "shift": shift,
                "starts": uk_wall(shift.starts_at),
                "ends": uk_wall(shift.ends_at),
                "position": position_label(shift.position),
                "name": actions.person_name(shift.person),
                "hours": f"{shift.hours:g}",
            }
        )
    return [
        {"monday": monday, "sunday": monday + dt.timedelta(days=6), "shifts": shifts}
        for monday, shifts in weeks.items()
    ]


@staff_view
def check_upload(request: ViewerRequest) -> HttpResponse:
    _require_keep(request, "upload an on-call rota")
    kept = _kept_upload(request)
    if kept is None:
        return redirect("web:rota-upload")
    name, raw = kept
    now = timezone.now()
    if request.method == "POST":
        result = actions.import_shifts(request.viewer, name, raw, now)
        if result.problems:  # the rota changed since the file was checked
            request.session.pop(UPLOAD_SESSION_KEY, None)
            return _upload_page(request, RotaUploadForm(), result)
        request.session.pop(UPLOAD_SESSION_KEY, None)
        already = f" ({len(result.already)} already on the rota)" if result.already else ""
        messages.success(
            request,
            f"{result.added} shift{'s' if result.added != 1 else ''} added to the rota from "
            f"{name}{already}",
        )
        first = min((s.starts_at for s in result.to_add), default=now)
        return redirect(reverse("web:rota") + f"?week={uk_date(first).isoformat()}")
    result = actions.plan_import(request.viewer, name, raw, now)
    if result.problems:
        request.session.pop(UPLOAD_SESSION_KEY, None)
        return _upload_page(request, RotaUploadForm(), result)
    return render(
        request,
        "web/rota/upload_check.html",
        {
            "result": result,
            "weeks": _weeks(result.to_add),
        },
    )


@staff_view
def rota_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="rota-template.csv"'
    return response
