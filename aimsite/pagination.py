"""Pagination for the API's list endpoints, strict about its query parameters.

DRF's paginators quietly fall back to the default page size for `page_size=abc`
and take `page=last`. The schema says `page_size` is a positive integer (a larger
one than the maximum is served as a full page) and `page` a positive integer (a
page past the last is a 404), so anything else is refused.
"""

from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError

from aimsite.api import parse_int


class _StrictPageSizeMixin:
    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        value = parse_int(raw)
        if value is None or value < 1:
            raise ValidationError(
                {
                    self.page_size_query_param: f"must be a positive integer, got {raw!r:.30}"
                }
            )
        return min(value, self.max_page_size)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["minimum"] = 1
                parameter["description"] = (
                    f"Results per page (default {self.page_size}); more than "
                    f"{self.max_page_size} is served as {self.max_page_size}."
                )
            if parameter["name"] == getattr(self, "page_query_param", None):
                parameter["schema"]["minimum"] = 1
                parameter["description"] = "A page number; past the last page: 404."
        return parameters


class PageNumberPagination(_StrictPageSizeMixin, pagination.PageNumberPagination):
    """`?page=N&page_size=M`; a page that is not there (past the last, 0, "x") is
    a 404, as DRF answers it."""

    page_size_query_param = "page_size"
    last_page_strings = ()  # `page=last` is not an integer

    def paginate_queryset(self, queryset, request, view=None):
        if request.query_params.get(self.page_query_param) == "":
            raise NotFound(self.invalid_page_message.format(page_number="", message=""))
        return super().paginate_queryset(queryset, request, view)


class CursorPagination(_StrictPageSizeMixin, pagination.CursorPagination):
    """Opaque `?cursor=` from the previous answer's `next`; an unknown one is a 404."""

    page_size_query_param = "page_size"
