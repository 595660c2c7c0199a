"""Information for the child (docs/child-pack.md): the pack in the child's language as a page
and a PDF, the contacts it shows, a text with its numbers to a phone marked safe, and a
council's own checked translations.

Who may see a pack: anyone with the child's full record (read or full access); who may change
its contacts or text the child: those who may change the record. A council's own translations
and out-of-hours number: its organisation administrator. Every view, download, change and
text is audited.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from visible.access import opening
from visible.access import register as register_policy
from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.childpack import actions, pack, texting, texts
from visible.childpack.models import CouncilContacts, CouncilTranslation
from visible.children.models import Child
from visible.notifications.phones import shown

from ..common import apply_errors, staff_view
from ..request import ViewerRequest
from . import forms

PURPOSE = "information for the child"


def _child(request: ViewerRequest, pk: int) -> Child:
    child, grant = opening.open_child_grant(request.viewer, pk, purpose=PURPOSE)
    if grant.access < register_policy.Access.READ:
        opening.deny(
            request.viewer, "child", child.pk, child, "Tried to open the child's pack", PURPOSE
        )
        raise PermissionDenied("Your organisation sees too little of this child's record")
    return child


def _choice(request: ViewerRequest, child: Child) -> tuple[forms.PackLanguageForm, str, bool]:
    """The language and sides asked for, or the child's own language, both sides."""
    initial = {"language": pack.default_language(child), "sides": "both"}
    if "language" not in request.GET:
        return forms.PackLanguageForm(initial=initial), initial["language"], True
    form = forms.PackLanguageForm(request.GET)
    if form.is_valid():
        return form, form.cleaned_data["language"], form.cleaned_data["sides"] != "one"
    return form, initial["language"], True


@staff_view
@require_GET
def child_pack(request: ViewerRequest, pk: int) -> HttpResponse:
    child = _child(request, pk)
    form, code, english_back = _choice(request, child)
    the_pack = pack.pack_for(request.viewer, child, code, english_back=english_back)
    contacts = actions.contacts_of(child)
    record(
        request.viewer,
        AuditAction.VIEW,
        object_type="child",
        object_id=child.pk,
        child_id=child.pk,
        summary=f"Viewed the child's pack ({the_pack.side.language.name})",
        purpose=PURPOSE,
    )
    query = f"language={code}&sides={'both' if english_back else 'one'}"
    return render(
        request,
        "web/childpack/pack.html",
        {
            "child": child,
            "pack": the_pack,
            "form": form,
            "pdf_url": f"{reverse('web:child-pack-pdf', args=[child.pk])}?{query}",
            "record_languages": pack.record_languages(child),
            "in_record": code in [child.first_language, *(child.other_languages or [])],
            "can_edit": register_policy.can_edit(request.viewer, child),
            "contacts": contacts,
            "phone_shown": shown(contacts.phone) if contacts.phone else "",
            "safe_to_text": contacts.safe_to_text,
            "texting_available": texting.available(),
            "code": code,
        },
    )


@staff_view
@require_GET
def child_pack_pdf(request: ViewerRequest, pk: int) -> HttpResponse:
    child = _child(request, pk)
    _, code, english_back = _choice(request, child)
    the_pack = pack.pack_for(request.viewer, child, code, english_back=english_back)
    content = pack.pack_pdf(the_pack)
    filename = pack.pdf_filename(the_pack)
    record(
        request.viewer,
        AuditAction.EXPORT,
        object_type="child",
        object_id=child.pk,
        child_id=child.pk,
        summary=f"Downloaded the child's pack as a PDF ({the_pack.side.language.name})",
        purpose=PURPOSE,
        detail={"format": "pdf", "filename": filename, "bytes": len(content)},
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@staff_view
def child_pack_contacts(request: ViewerRequest, pk: int) -> HttpResponse:
    child = opening.child_to_edit(request.viewer, pk, "change the contacts in the child's pack")
    held = actions.contacts_of(child)
    initial = {f: getattr(held, f) for f in actions.FIELDS}
    if held.phone:
        initial["phone"] = shown(held.phone)
    form = forms.ChildContactsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_child_contacts(
                request.viewer, child, actions.ChildContactsInput(**form.cleaned_data)
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "The contacts in the child's pack have been saved")
            return redirect("web:child-pack", pk=child.pk)
    return render(
        request,
        "web/childpack/contacts.html",
        {"form": form, "child": child, "organisation": child.responsible_organisation},
    )


@staff_view
@require_POST
def child_pack_text(request: ViewerRequest, pk: int) -> HttpResponse:
    child = opening.child_to_edit(request.viewer, pk, "text the child the pack's numbers")
    code = request.POST.get("language", "")
    back = f"{reverse('web:child-pack', args=[child.pk])}?language={code}"
    try:
        texting.text_child(request.viewer, child, code, now=timezone.now())
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        held = actions.contacts_of(child)
        messages.success(request, f"The pack's numbers have been texted to {shown(held.phone)}")
    return redirect(back if code in texts.LANGUAGES else reverse("web:child-pack", args=[pk]))


# --- a council's own translations ------------------------------------------------------------


def _council(request: ViewerRequest):
    try:
        return actions.require_council_admin(request.viewer)
    except PermissionDenied:
        record(
            request.viewer,
            AuditAction.DENIED,
            object_type="counciltranslation",
            summary="Tried to open the council's child's pack settings",
        )
        raise


@staff_view
def council_packs(request: ViewerRequest) -> HttpResponse:
    organisation = _council(request)
    held = CouncilContacts.objects.filter(organisation=organisation).first()
    form = forms.OutOfHoursForm(
        request.POST or None,
        initial={"out_of_hours_phone": held.out_of_hours_phone if held else ""},
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_out_of_hours(request.viewer, form.cleaned_data["out_of_hours_phone"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "The out-of-hours number has been saved")
            return redirect("web:child-pack-council")
    own = {t.language: t for t in CouncilTranslation.objects.filter(organisation=organisation)}
    rows = []
    for code, name in texts.language_choices():
        shipped = texts.shipped()[code]
        rows.append(
            {
                "code": code,
                "name": name,
                "own": own.get(code),
                "shipped_checked": not shipped.needs_check,
                "source": code == texts.SOURCE,
            }
        )
    return render(
        request,
        "web/childpack/council.html",
        {"organisation": organisation, "form": form, "rows": rows},
    )


@staff_view
def council_translation(request: ViewerRequest, code: str) -> HttpResponse:
    organisation = _council(request)
    if code not in texts.LANGUAGES:
        raise Http404("The child's pack has no such language")
    lang = texts.language(code)
    own = CouncilTranslation.objects.filter(organisation=organisation, language=code).first()
    start = own.blocks if own else texts.shipped()[code].blocks
    initial: dict = {f"block_{k}": v for k, v in start.items()}
    if own:
        initial |= {"checked_by": own.checked_by, "checked_on": own.checked_on}
    if request.method == "POST" and "remove" in request.POST:
        actions.remove_council_translation(request.viewer, code)
        messages.success(request, f"Your council's {lang.name} pack is no longer used")
        return redirect("web:child-pack-council")
    form = forms.TranslationForm(request.POST or None, initial=initial, rtl=lang.rtl, tag=lang.tag)
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_council_translation(
                request.viewer,
                actions.TranslationInput(
                    language=code,
                    blocks=form.blocks(),
                    checked_by=form.cleaned_data["checked_by"],
                    checked_on=form.cleaned_data["checked_on"],
                ),
                today=timezone.localdate(),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request, f"Your council's checked {lang.name} pack is saved and now used"
            )
            return redirect("web:child-pack-council")
    return render(
        request,
        "web/childpack/translation_form.html",
        {
            "organisation": organisation,
            "form": form,
            "language": lang,
            "own": own,
            "shipped_needs_check": texts.shipped()[code].needs_check,
        },
    )
