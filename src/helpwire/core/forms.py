"""Form fields every input layer shares, so a number, an id or a text from a request is
validated into a clear 4xx before it reaches the database (which would otherwise answer an
id out of range with an OverflowError: a 500)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The API's bound for ids (JavaScript's safe integers): the same everywhere.
MAX_ID = 2**53


def valid_id(value: Any) -> int | None:
    """An id as an int, or None when it is not one (not digits, zero, out of range)."""
    text = str(value).strip()
    if not text.isdigit() or len(text) > 16:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


class IdField(forms.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class IdChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A model choice by id that refuses an out-of-range id instead of querying it."""

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        if valid_id(value) is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class IdListField(forms.Field):
    """Several ids (``ids=1&ids=2``); anything that is not an id is refused."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": _("%(value)s is not an id.")}

    def to_python(self, value: Any) -> list[int]:
        out = []
        for item in value or []:
            number = valid_id(item)
            if number is None:
                raise ValidationError(self.error_messages["invalid"], code="invalid",
                                      params={"value": str(item)[:20]})
            out.append(number)
        return out
