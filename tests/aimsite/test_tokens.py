import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from aimsite.models import ApiToken, hash_token
from tests.helpers.clients import signed_in_client

pytestmark = pytest.mark.django_db


def test_tokens_page_shows_the_secret_once_and_stores_only_its_hash(user):
    client = signed_in_client(user)
    answer = client.post("/accounts/tokens/", {"name": "laptop"}, follow=True)
    assert answer.redirect_chain[-1][0] == "/accounts/tokens/"
    secret = answer.context["new_secret"]
    assert secret.startswith("ams_") and secret.encode() in answer.content
    token = ApiToken.objects.get(user=user)
    assert token.token_hash == hash_token(secret) and secret not in (
        token.prefix,
        token.token_hash,
    )
    again = client.get("/accounts/tokens/")
    assert secret.encode() not in again.content
    assert b"laptop" in again.content


def test_token_name_is_required(user):
    client = signed_in_client(user)
    answer = client.post("/accounts/tokens/", {"name": ""})
    assert answer.status_code == 200
    assert ApiToken.objects.count() == 0
    assert b"This field is required" in answer.content


def test_revoking_a_token_stops_it_and_needs_post(user):
    token, secret = ApiToken.issue(user, "ci")
    client = signed_in_client(user)
    assert client.get(f"/accounts/tokens/{token.id}/revoke/").status_code == 405
    client.post(f"/accounts/tokens/{token.id}/revoke/")
    token.refresh_from_db()
    assert token.is_revoked
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/runs/").status_code == 401


def test_a_user_cannot_revoke_someone_elses_token(user, other_user):
    token, _ = ApiToken.issue(other_user, "theirs")
    client = signed_in_client(user)
    assert client.post(f"/accounts/tokens/{token.id}/revoke/").status_code == 404
    token.refresh_from_db()
    assert not token.is_revoked


def test_using_a_token_records_last_use(user):
    token, secret = ApiToken.issue(user, "x")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    api.get("/api/v1/runs/")
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_createtoken_command_prints_a_working_token(user, capsys):
    call_command("createtoken", user.username, "--name", "ci")
    secret = capsys.readouterr().out.strip()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/runs/").status_code == 200
    assert ApiToken.objects.get(user=user).name == "ci"


def test_createtoken_command_names_an_unknown_user():
    with pytest.raises(CommandError, match="No user named 'ghost'"):
        call_command("createtoken", "ghost")


def test_signup_is_off_by_default(client):
    assert client.get("/accounts/signup/").status_code == 404


def test_signup_when_allowed_creates_and_signs_in(client, settings):
    settings.AIMSITE_ALLOW_SIGNUP = True
    answer = client.post(
        "/accounts/signup/",
        {
            "username": "newbie",
            "password1": "a-long-pass-phrase-9",
            "password2": "a-long-pass-phrase-9",
        },
    )
    assert answer.status_code == 302
    assert client.get("/").status_code == 200


def test_sign_in_and_out(client, user):
    answer = client.post(
        "/accounts/login/", {"username": user.username, "password": user.raw_password}
    )
    assert answer.status_code == 302
    assert client.get("/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


def test_no_missing_migrations():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
