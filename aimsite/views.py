"""Account pages: sign-up (behind a setting) and API tokens; and /favicon.ico."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
)

from aimsite.forms import SignUpForm, TokenForm
from aimsite.models import ApiToken


@login_not_required
@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """The site's SVG icon for what asks /favicon.ico without reading a page's
    <link rel=icon> (the admin's pages, feed readers). Not permanent: the icon's
    hashed name changes with it."""
    return redirect(static("favicon.svg"))


@login_not_required
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if not settings.AIMSITE_ALLOW_SIGNUP:
        raise Http404("Sign-up is turned off; ask an administrator for an account.")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user)
        messages.success(request, f"Welcome, {user.username}!")
        return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "accounts/signup.html", {"form": form})


@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token, secret = ApiToken.issue(request.user, form.cleaned_data["name"])
        # Post/redirect/get: the secret rides in the session for exactly one page view.
        request.session["new_token_secret"] = secret
        messages.success(
            request, f"Token “{token.name}” created. Copy it now: it is shown once."
        )
        return redirect("accounts:tokens")
    user_tokens = ApiToken.objects.filter(user=request.user)
    return render(
        request,
        "accounts/tokens.html",
        {
            "form": form,
            "tokens": user_tokens,
            "new_secret": request.session.pop("new_token_secret", None),
            "section": "tokens",
        },
    )


@require_POST
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    if not token.is_revoked:
        token.revoke()
        messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("accounts:tokens")
