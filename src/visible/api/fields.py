"""Strict JSON fields: a string must be a string, a boolean a boolean, a time must say its UTC
offset. DRF's defaults quietly accept 123 for a name or "yes" for a boolean; an integrating
system is better told at once that it sent the wrong type."""

from __future__ import annotations

import datetime as dt

from rest_framework import serializers


class StrictCharField(serializers.CharField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    default_error_messages = {"invalid": "Must be true or false (a JSON boolean)."}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictDateField(serializers.DateField):
    default_error_messages = {
        "invalid": "Must be a date written YYYY-MM-DD, for example 2026-03-27."
    }

    def to_internal_value(self, value):
        if not isinstance(value, str):
            self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(value)


class StrictDateTimeField(serializers.DateTimeField):
    default_error_messages = {
        "invalid": "Must be a date and time with its UTC offset, for example 2026-03-27T14:30:00Z or "
        "2026-03-27T15:30:00+01:00.",
    }

    def to_internal_value(self, value):
        if not isinstance(value, str):
            self.fail("invalid", format="ISO 8601")
        parsed = super().to_internal_value(value)
        try:
            naive = dt.datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is None
        except ValueError:
            naive = True
        if naive:
            self.fail("invalid", format="ISO 8601")
        return parsed


class QueryIntegerField(serializers.IntegerField):
    """A whole number in a query string, written in digits: '2', not '2.0' or ' 2'."""

    def to_internal_value(self, data):
        if not isinstance(data, str) or not data.isascii() or not data.lstrip("-").isdigit():
            self.fail("invalid")
        return super().to_internal_value(data)


class QueryBooleanField(serializers.BooleanField):
    default_error_messages = {"invalid": "Must be true or false."}

    def to_internal_value(self, data):
        if isinstance(data, bool):  # DRF's value for a parameter left out of a query string
            return data
        if data not in ("true", "false"):
            self.fail("invalid", input=data)
        return data == "true"


class UtcDateTimeField(serializers.DateTimeField):
    """Times out of the API are in UTC ('...Z'): unambiguous for any system, whatever the
    server's zone (Europe/London had a seconds-long offset before 1847)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default_timezone", dt.UTC)
        super().__init__(*args, **kwargs)

    def to_representation(self, value):
        text = super().to_representation(value)
        return text[:-6] + "Z" if isinstance(text, str) and text.endswith("+00:00") else text
