"""The form page of one of a child's records (a flag, a placement, an arrival checklist step...):
one form, saved through an action, its errors on its fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render

from visible.children.models import Child

from ..common import apply_errors
from ..request import ViewerRequest


def sub_form(
    request: ViewerRequest,
    child: Child,
    form_class: type,
    save: Callable[[dict], Any],
    *,
    title: str,
    button: str,
    done: str,
    instance_text: str = "",
    initial: dict | None = None,
    caption: str = "",
    then: str = "web:child",
) -> HttpResponse:
    """A form on one of the child's records: on a valid POST, ``save`` its cleaned data (the
    action's ValidationError shown on the form's fields), say ``done`` and go to ``then``
    (a URL name taking the child's pk); otherwise show the form (sub_form.html)."""
    form = form_class(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, done)
            return redirect(then, pk=child.pk)
    return render(
        request,
        "web/children/sub_form.html",
        {
            "form": form,
            "child": child,
            "title": title,
            "button": button,
            "instance_text": instance_text,
            "caption": caption or child.full_name,
            "multipart": any(f.widget.needs_multipart_form for f in form.fields.values()),
        },
    )
