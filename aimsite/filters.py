"""Filter backends for the API, strict about their query parameters.

django-filter reads `is_archived=maybe` as "no filter" and DRF's OrderingFilter
drops `ordering=nonsense` without a word, so a typo returns the wrong rows. The
schema says `is_archived` is a boolean and `ordering` a list of known fields;
anything else is a 400 that names the parameter.
"""

import django_filters
from django import forms
from django.db import models
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import filters
from rest_framework.exceptions import ValidationError


class BooleanChoiceField(forms.Field):
    """`true` or `false`, as the schema serialises booleans; nothing else."""

    def to_python(self, value: str | None) -> bool | None:
        if value is None:  # absent; present but empty is an error like any other
            return None
        if value not in ("true", "false"):
            raise forms.ValidationError(f"must be true or false, got {value!r:.30}")
        return value == "true"


class BooleanFilter(django_filters.BooleanFilter):
    field_class = BooleanChoiceField


class FilterSet(django_filters.FilterSet):
    """django-filter's FilterSet with the strict boolean filter for BooleanFields."""

    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {"filter_class": BooleanFilter},
    }


class FilterBackend(DjangoFilterBackend):
    filterset_base = FilterSet


class OrderingFilter(filters.OrderingFilter):
    """`ordering=name,-created_at`: known fields only, a 400 for anything else."""

    def get_ordering(self, request, queryset, view):
        raw = request.query_params.get(self.ordering_param)
        if raw is None:
            return self.get_default_ordering(view)
        terms = [term.strip() for term in raw.split(",")]
        valid = self.remove_invalid_fields(queryset, terms, view, request)
        if len(valid) != len(terms):
            allowed = ", ".join(self._allowed(queryset, view, request))
            raise ValidationError(
                {
                    self.ordering_param: f"unknown ordering {raw!r:.60}; allowed: {allowed}"
                }
            )
        return valid

    def _allowed(self, queryset, view, request) -> list[str]:
        fields = [
            item[0]
            for item in self.get_valid_fields(queryset, view, {"request": request})
        ]
        return [*fields, *(f"-{field}" for field in fields)]

    def get_schema_operation_parameters(self, view) -> list[dict]:
        fields = getattr(view, "ordering_fields", None) or []
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": "Sort by these fields, comma-separated; a leading "
                "`-` sorts descending.",
                "schema": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "string",
                        "enum": [*fields, *(f"-{field}" for field in fields)],
                    },
                },
                "style": "form",
                "explode": False,
            }
        ]
