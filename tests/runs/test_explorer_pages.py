from urllib.parse import quote_plus

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from media_tracks import services
from tests.factories import make_run
from tests.helpers.clients import signed_in_client
from tests.runs.run_page_data import png, wav

MEDIA = ["images", "figures", "audios", "texts"]
EVERY_EXPLORER = ["metrics", "params", "scatters", *MEDIA]


@pytest.mark.parametrize("section", ["params", "scatters"])
def test_explorer_page_renders_the_shell_with_the_query(user, section):
    response = signed_in_client(user).get(f"/{section}/", {"q": 'run.name == "<b>"'})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="run.name == &quot;&lt;b&gt;&quot;"' in body
    assert f"runs/js/{section}_explorer.js" in body
    assert 'id="explorer-table"' in body


@pytest.mark.parametrize("section", ["params", "scatters"])
def test_the_sidebar_marks_the_explorer_under_runs(user, section):
    body = signed_in_client(user).get(f"/{section}/").content.decode()
    assert f'<a href="/{section}/" class="sub active">' in body
    assert '<a href="/metrics/" class="sub">' in body


@pytest.mark.parametrize(
    "section", ["params", "scatters", "images", "figures", "audios", "texts"]
)
def test_explorer_page_refuses_post(user, section):
    assert signed_in_client(user).post(f"/{section}/").status_code == 405


@pytest.mark.parametrize(
    "section", ["params", "scatters", "images", "figures", "audios", "texts"]
)
def test_explorer_page_sends_anonymous_users_to_sign_in(client, db, section):
    response = client.get(f"/{section}/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_runs_explorer_offers_every_explorer(user):
    body = signed_in_client(user).get(reverse("runs:list")).content.decode()
    for section in EVERY_EXPLORER:
        assert f'href="/{section}/" data-explorer="{section}"' in body


@pytest.mark.parametrize("kind", MEDIA)
def test_one_media_explorer_page_serves_every_kind(user, kind):
    url = reverse(f"runs:{kind}")
    response = signed_in_client(user).get(url, {"q": 'run.name == "<b>"'})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="run.name == &quot;&lt;b&gt;&quot;"' in body
    assert "runs/js/media_explorer.js" in body
    assert f'data-kind="{kind}"' in body
    assert f'<a href="{url}" class="sub active">' in body
    # The kind switch offers the others; this one is current.
    for other in MEDIA:
        assert f'data-kind="{other}"' in body
    assert body.count('aria-current="page"') == 1


@pytest.mark.parametrize("tab", MEDIA)
def test_a_run_pages_media_tab_links_to_its_explorer_on_that_run(user, tab):
    run = make_run(user)
    kind = tab[:-1]
    raw = {"kind": kind, "name": "x", "step": 0}
    files = {}
    if kind in ("image", "audio"):
        raw["file"] = "f"
        content, name = (png(), "f.png") if kind == "image" else (wav(), "f.wav")
        files["f"] = SimpleUploadedFile(name, content)
    elif kind == "text":
        raw["text"] = "hello"
    else:
        raw["data"] = {"data": []}
    services.store_objects(run, services.parse_objects({"objects": [raw]}, files))
    url = reverse("runs:detail_tab", args=[run.hash, tab])
    body = signed_in_client(user).get(url).content.decode()
    picked = quote_plus('[{"name":"x","context":{}}]')
    expected = (
        f"{reverse(f'runs:{tab}')}?q=run.hash+%3D%3D+%22{run.hash}%22&amp;"
        f"select={picked}"
    )
    assert f'href="{expected}"' in body
