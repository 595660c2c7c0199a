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
    default_error_messages = {"invalid": "Must be a date written YYYY-MM-DD, for example 2026-03-27."}

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
