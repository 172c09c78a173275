"""django-filter adapters for runs: `q` (AimQL) plus plain field filters.

The query compiler raises QueryError; the form field turns it into a validation
error, which DjangoFilterBackend answers with a 400 naming the column.
"""

import django_filters
from django import forms
from drf_spectacular.utils import extend_schema_field

from aimsite.filters import FilterSet
from runs.models import Run
from runs.query import CompiledQuery, QueryError, compile_query
from runs.serializers import AIMQL_SCHEMA


class QueryField(forms.CharField):
    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        try:
            return compile_query(text)
        except QueryError as error:
            # The message goes in as a parameter: django-filter %-formats the
            # message, and a query may hold "%" (`run.name == "%s"`).
            raise forms.ValidationError(
                "%(message)s",
                params={
                    "message": f"{error.message} (at column {error.position + 1} "
                    f"of {text[:200]!r})"
                },
            ) from error


@extend_schema_field(AIMQL_SCHEMA)
class QueryFilter(django_filters.Filter):
    field_class = QueryField

    def filter(self, queryset, value: CompiledQuery | None):
        return value.apply(queryset) if value is not None else queryset


class RunFilterSet(FilterSet):
    q = QueryFilter()
    experiment = django_filters.CharFilter(field_name="experiment__name")

    class Meta:
        model = Run
        fields = {
            "status": ["exact"],
            "is_archived": ["exact"],
            "experiment__name": ["exact"],
        }
