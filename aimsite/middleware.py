"""Every page needs a signed-in user; the API answers 401 itself (DRF)."""

from django.contrib.auth.middleware import (
    LoginRequiredMiddleware as _DjangoLoginRequired,
)


class LoginRequiredMiddleware(_DjangoLoginRequired):
    def process_view(self, request, view_func, view_args, view_kwargs):
        # API clients get JSON 401/403 from DRF instead of a redirect to a form.
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
