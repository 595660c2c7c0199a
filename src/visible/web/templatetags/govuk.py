"""Render Django form fields as GOV.UK Frontend components (label, hint, error message, input),
and the error summary that links to each field."""

from __future__ import annotations

from django import forms, template
from django.forms.boundfield import BoundField

from visible.web.fields import DateWidget
from visible.web.plain_errors import plain

register = template.Library()
FOLD_CHECKBOXES_OVER = 20


def _kind(field: BoundField) -> str:
    widget = field.field.widget
    if isinstance(widget, DateWidget):
        return "date"
    # Every question that takes several answers is GOV.UK checkboxes ("tick any that apply"):
    # CheckboxSelectMultiple subclasses RadioSelect, so it is asked about first, or it would
    # become radios that keep one answer; a select with `multiple` (hold Ctrl to choose more)
    # is not a GOV.UK pattern and is hard to use without a mouse.
    if isinstance(widget, forms.CheckboxSelectMultiple | forms.SelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.ClearableFileInput | forms.FileInput):
        return "file"
    if isinstance(widget, forms.HiddenInput):
        return "hidden"
    return "input"


def first_input_id(field: BoundField) -> str:
    """Where the error summary's link for this field should land."""
    kind = _kind(field)
    if kind == "date":
        return f"{field.auto_id}_0"
    if kind in ("radios", "checkboxes"):
        return f"{field.auto_id}_0"
    return field.auto_id


@register.inclusion_tag("web/includes/field.html")
def govuk_field(field: BoundField, classes: str = "", label_size: str = "s", hint: str = ""):
    value = field.value()
    if isinstance(value, list | tuple):
        selected = {str(v) for v in value if v is not None}
    else:
        selected = {str(value)} if value not in (None, "") else set()
    options = []
    if _kind(field) in ("radios", "select", "checkboxes"):
        for index, (option_value, option_label) in enumerate(field.field.choices):
            option_value = (
                "" if option_value is None else str(getattr(option_value, "value", option_value))
            )
            options.append(
                {
                    "value": option_value,
                    "label": option_label,
                    "id": f"{field.auto_id}_{index}",
                    "selected": option_value in selected,
                }
            )
    date_parts = []
    if _kind(field) == "date":
        raw = field.value()
        if not isinstance(raw, list | tuple):
            raw = field.field.widget.decompress(raw)
        for index, (name, width) in enumerate((("Day", 2), ("Month", 2), ("Year", 4))):
            date_parts.append(
                {
                    "label": name,
                    "name": f"{field.html_name}_{index}",
                    "id": f"{field.auto_id}_{index}",
                    "value": "" if raw is None or raw[index] is None else raw[index],
                    "width": width,
                }
            )
    return {
        "field": field,
        "kind": _kind(field),
        # A long list of checkboxes (other languages: nearly 200) folds into a details
        # element, open when something is ticked or wrong, so the form stays short.
        "folded": _kind(field) == "checkboxes" and len(options) > FOLD_CHECKBOXES_OVER,
        "any_selected": bool(selected),
        "options": options,
        "date_parts": date_parts,
        "classes": classes,
        "label_size": label_size,
        "hint": hint or field.help_text,
        "errors": [plain(field.label, message) for message in field.errors],
        "value": "" if field.value() is None else field.value(),
        "checked": bool(field.value()) and field.value() not in ("False", "false", "0"),
    }


@register.inclusion_tag("web/includes/error_summary.html")
def govuk_error_summary(*forms_: forms.Form):
    items = []
    for form in forms_:
        if form is None or not form.is_bound:
            continue
        for message in form.non_field_errors():
            items.append({"message": message, "href": ""})
        for name, errors in form.errors.items():
            if name == "__all__" or name not in form.fields:
                continue
            bound = form[name]
            for message in errors:
                items.append(
                    {"message": plain(bound.label, message), "href": f"#{first_input_id(bound)}"}
                )
    return {"items": items}
