"""Content negotiation for every API view (REST_FRAMEWORK settings). Its own
module: DRF imports it while its views module is still loading."""

from rest_framework import negotiation
from rest_framework.exceptions import ValidationError


class FormatNegotiation(negotiation.DefaultContentNegotiation):
    """DRF's negotiation, but a `?format=` no renderer of the view has (empty
    included) is a 400 naming the formats there are, not a 404 or ignored."""

    def select_renderer(self, request, renderers, format_suffix=None):
        if format_suffix is None and self.settings.URL_FORMAT_OVERRIDE:
            asked = request.query_params.get(self.settings.URL_FORMAT_OVERRIDE)
            formats = [renderer.format for renderer in renderers]
            if asked is not None and asked not in formats:
                raise ValidationError(
                    {
                        self.settings.URL_FORMAT_OVERRIDE: [
                            f"unknown format {asked[:40]!r}; "
                            f"use one of: {', '.join(formats)}"
                        ]
                    }
                )
        return super().select_renderer(request, renderers, format_suffix)
