"""Every choice field in every form renders as the GOV.UK control a person expects: a question
that takes several answers ("tick any that apply") as checkboxes, a question that takes one as
radios. Django's CheckboxSelectMultiple subclasses RadioSelect, so a template tag that asks
"is it a RadioSelect?" first turns "tick any that apply" into radios that keep one answer.

The test finds the form classes itself, by importing every module under visible.web: a new form
with a constructor that needs arguments fails here until it has a factory below.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from django import forms
from django.template import Context, Template

import visible.web
from visible.agencies.models import Membership, Organisation, OrganisationKind, Role
from visible.risk import DEFAULTS

pytestmark = pytest.mark.django_db


def every_form_class() -> list[type[forms.BaseForm]]:
    for module in pkgutil.walk_packages(visible.web.__path__, "visible.web."):
        importlib.import_module(module.name)
    found: list[type[forms.BaseForm]] = []
    pending = [forms.BaseForm]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            pending.append(sub)
            if sub.__module__.startswith("visible.") and sub not in found:
                found.append(sub)
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__qualname__}")


def _police_force() -> Organisation:
    force, _ = Organisation.objects.get_or_create(
        name="Metropolitan Police Service", defaults={"kind": OrganisationKind.POLICE}
    )
    return force


# Forms whose constructor needs more than the data: how a page builds each one.
FACTORIES: dict[str, Callable[[Organisation, Membership], forms.BaseForm]] = {
    "visible.web.people.forms.InviteForm": lambda org, m: _form("people", "InviteForm")(org),
    "visible.web.people.forms.RoleForm": lambda org, m: _form("people", "RoleForm")(org),
    "visible.web.people.forms.MoveTeamForm": lambda org, m: _form("people", "MoveTeamForm")(org),
    "visible.web.people.forms.AllocationForm": lambda org, m: _form("people", "AllocationForm")(
        org
    ),
    "visible.web.people.forms.ChooseOrganisationForm": lambda org, m: _form(
        "people", "ChooseOrganisationForm"
    )([m, Membership(organisation=_police_force(), role=Role.POLICE_OFFICER)]),
    "visible.web.organisations.forms.ForceForm": lambda org, m: _form("organisations", "ForceForm")(
        missing=["Kent Police", "Surrey Police"]
    ),
    "visible.web.sharing.forms.TransferForm": lambda org, m: _form("sharing", "TransferForm")(
        child=SimpleNamespace(responsible_organisation_id=org.pk)
    ),
    "visible.web.sharing.forms.BreakGlassForm": lambda org, m: _form("sharing", "BreakGlassForm")(
        candidates=[
            SimpleNamespace(child_id=1, label="A child, born 2010, Croydon"),
            SimpleNamespace(child_id=2, label="Another child, born 2011, Kent"),
        ]
    ),
    "visible.web.transfers.forms.ReferForm": lambda org, m: _form("transfers", "ReferForm")(
        child=SimpleNamespace(responsible_organisation_id=org.pk)
    ),
    "visible.web.rota.forms.ShiftForm": lambda org, m: _form("rota", "ShiftForm")(people=[m]),
    "visible.web.missing.forms.RiskSettingsForm": lambda org, m: _form(
        "missing", "RiskSettingsForm"
    )(current=DEFAULTS),
    "visible.web.notifications.forms.PreferencesForm": lambda org, m: _form(
        "notifications", "PreferencesForm"
    )(offer_organisation_digest=True),
}


def _form(app: str, name: str) -> type:
    return getattr(importlib.import_module(f"visible.web.{app}.forms"), name)


def build(cls: type[forms.BaseForm], organisation: Organisation, membership: Membership):
    key = f"{cls.__module__}.{cls.__qualname__}"
    if key in FACTORIES:
        return FACTORIES[key](organisation, membership)
    try:
        return cls()
    except TypeError as error:
        pytest.fail(
            f"{key} needs constructor arguments ({error}): add a factory for it to FACTORIES in "
            "tests/web/test_every_form_renders_choices.py"
        )


FIELD = Template("{% load govuk %}{% govuk_field field %}")


def input_types(html: str, name: str) -> list[str]:
    found = []
    for tag in re.findall(r"<input\b[^>]*>", html):
        if re.search(rf'\bname="{re.escape(name)}"', tag):
            kind = re.search(r'\btype="([^"]+)"', tag)
            found.append(kind.group(1) if kind else "text")
    return found


def test_the_walk_finds_the_forms_people_use():
    names = {c.__qualname__ for c in every_form_class()}
    assert {"ReportMissingForm", "ReturnInterviewForm", "NewChildForm", "InviteForm"} <= names


def test_every_multiple_choice_field_is_checkboxes_and_every_single_choice_radio_is_radios(
    council_a, sw_a
):
    membership = Membership.objects.get(user=sw_a)
    problems: list[str] = []
    checked = {"checkbox": 0, "radio": 0}
    for cls in every_form_class():
        form = build(cls, council_a, membership)
        for bound in form:
            field, widget = bound.field, bound.field.widget
            if not isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
                continue  # a file input may take several files: not a choice
            multiple = isinstance(
                field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField
            ) or getattr(widget, "allow_multiple_selected", False)
            single_radio = isinstance(widget, forms.RadioSelect) and not multiple
            if not (multiple or single_radio):
                continue
            expected = "checkbox" if multiple else "radio"
            html = FIELD.render(Context({"field": bound}))
            types = input_types(html, bound.html_name)
            where = f"{cls.__module__}.{cls.__qualname__}.{bound.name} ({field.label!r})"
            if not types:
                problems.append(f"{where}: no options rendered; give its factory real choices")
            elif set(types) != {expected}:
                problems.append(f"{where}: rendered as {sorted(set(types))}, expected {expected}")
            else:
                checked[expected] += 1
    assert not problems, "\n".join(problems)
    # The fields the issue named are among those checked.
    assert checked["checkbox"] >= 4 and checked["radio"] >= 10, checked


def test_an_error_on_a_checkbox_question_links_to_its_first_box():
    from visible.web.missing.forms import ReturnInterviewForm
    from visible.web.templatetags.govuk import first_input_id

    form = ReturnInterviewForm(prefix="interview")
    assert first_input_id(form["indicators"]) == "id_interview-indicators_0"


def test_a_long_list_of_checkboxes_folds_away_until_something_is_ticked(db):
    """Nearly 200 languages as checkboxes would make "Add a child" thousands of pixels long:
    they fold into a details element, open when a language is ticked."""
    from visible.web.children.forms import NewChildForm

    closed = FIELD.render(Context({"field": NewChildForm()["other_languages"]}))
    assert '<details class="govuk-details' in closed and "<details" in closed.split("<fieldset")[0]
    assert " open>" not in closed.split("<summary")[0]
    assert len(input_types(closed, "other_languages")) > 100

    ticked = NewChildForm(initial={"other_languages": ["ara", "amh"]})["other_languages"]
    opened = FIELD.render(Context({"field": ticked}))
    assert " open>" in opened.split("<summary")[0]
    assert opened.count("checked") == 2

    # Short lists (the risk factors) are not folded.
    from visible.web.missing.forms import ReportMissingForm

    factors = FIELD.render(Context({"field": ReportMissingForm()["factors"]}))
    assert "<details" not in factors and input_types(factors, "factors") == ["checkbox"] * 5
