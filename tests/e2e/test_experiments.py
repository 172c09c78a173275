import os
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from experiments import stats
from experiments.models import Experiment
from tests.factories import make_experiment, make_run, make_user
from tests.helpers.clients import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


SCREENSHOTS = os.environ.get("SCREENSHOT_DIR", "/tmp/experiments-screens")


def shot(page, server, name: str) -> None:
    page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)


def runs_label(count: int) -> str:
    return f"{count} run{'' if count == 1 else 's'}"


def query_of(url: str) -> str:
    return parse_qs(urlparse(url).query)["q"][0]


@pytest.fixture
def mnist(signed_in_page):
    """mnist: 2 active (one with metrics), 3 finished, 1 failed, 1 archived."""
    owner = signed_in_page.user
    experiment = make_experiment(
        'mnist "v2"', owner=owner, description="Digits, small CNN"
    )
    now = timezone.now()
    name = experiment.name
    make_run(
        owner,
        experiment=name,
        name="warmup",
        status="finished",
        created_at=now - timedelta(days=40),
    )
    make_run(
        owner,
        experiment=name,
        name="lr-sweep-1",
        status="finished",
        created_at=now - timedelta(days=9),
    )
    make_run(
        owner,
        experiment=name,
        name="lr-sweep-2",
        status="finished",
        created_at=now - timedelta(days=9, hours=1),
    )
    make_run(
        owner,
        experiment=name,
        name="crashed",
        status="failed",
        created_at=now - timedelta(days=2),
    )
    make_run(
        owner,
        experiment=name,
        name="old",
        status="finished",
        is_archived=True,
        created_at=now - timedelta(days=100),
    )
    make_run(
        owner,
        experiment=name,
        name="long-train",
        metrics={"loss": [0.9, 0.6, 0.4, 0.3]},
        created_at=now - timedelta(hours=3),
    )
    make_run(
        owner, experiment=name, name="newest", created_at=now - timedelta(minutes=1)
    )
    return experiment


def test_status_cards_show_counts_and_open_the_explorer_with_their_query(
    signed_in_page, server, mnist
):
    page = signed_in_page
    page.goto(f"{page.base_url}/experiments/{mnist.pk}/")
    expected = {"total": 7, "active": 2, "finished": 3, "failed": 1, "archived": 1}
    for kind, count in expected.items():
        expect(page.locator(f'[data-card="{kind}"] [data-count]')).to_have_text(
            str(count)
        )
    expect(page.locator('[data-share="finished"]')).to_contain_text("3")
    shot(page, server, "overview")
    for kind in expected:
        page.goto(f"{page.base_url}/experiments/{mnist.pk}/")
        page.locator(f'[data-card="{kind}"]').click()
        page.wait_for_url(re.compile(r"/runs/\?q="))
        assert urlparse(page.url).path == "/runs/"
        assert query_of(page.url) == stats.explorer_query(mnist.name, kind)
        # the explorer shows the query in its search bar and finds exactly the counted runs
        expect(page.locator('input[name="q"]')).to_have_value(
            stats.explorer_query(mnist.name, kind)
        )
        expect(page.locator("[data-count-label]")).to_have_text(
            runs_label(expected[kind])
        )


def test_calendar_cell_shows_its_count_and_opens_that_days_runs(
    signed_in_page, server, mnist
):
    page = signed_in_page
    page.goto(f"{page.base_url}/experiments/{mnist.pk}/")
    expect(page.locator("#calendar a.calendar-cell")).to_have_count(
        sum(1 for week in stats.build_calendar(mnist).weeks for day in week if day)
    )
    run_days = [run.created_at.date() for run in mnist.runs.filter(is_archived=False)]
    nine_days_ago = (timezone.now() - timedelta(days=9)).date()
    count = run_days.count(nine_days_ago)
    cell = page.locator(f'#calendar [data-date="{nine_days_ago.isoformat()}"]')
    expect(cell).to_have_attribute("data-count", str(count))
    expect(cell).to_have_attribute(
        "title", re.compile(rf"^{runs_label(count)} on .*{nine_days_ago.isoformat()}$")
    )
    expect(page.locator("#calendar a.calendar-cell:not(.level-0)")).to_have_count(
        len(set(run_days))
    )
    cell.hover()
    cell.click()
    page.wait_for_url(re.compile(r"/\?q="))
    assert query_of(page.url) == stats.day_query(mnist.name, nine_days_ago)
    expect(page.locator('input[name="q"]')).to_have_value(
        stats.day_query(mnist.name, nine_days_ago)
    )
    expect(page.locator("[data-count-label]")).to_have_text(runs_label(count))


def test_activity_feed_is_newest_first_with_progress_and_links(
    signed_in_page, server, mnist
):
    page = signed_in_page
    page.goto(f"{page.base_url}/experiments/{mnist.pk}/")
    names = page.locator("#activity-feed .activity-name")
    expect(names).to_have_text(
        ["newest", "long-train", "crashed", "lr-sweep-1", "lr-sweep-2", "warmup", "old"]
    )
    long_train = page.locator("#activity-feed li", has_text="long-train")
    expect(long_train.locator(".activity-progress")).to_contain_text(
        re.compile(r"step 3 · 3h \d+m \d+s elapsed")
    )
    expect(
        page.locator("#activity-feed li", has_text="crashed").locator(
            ".activity-progress"
        )
    ).to_have_text("failed")
    expect(
        page.locator("#activity-feed li", has_text="warmup").locator(
            ".activity-progress"
        )
    ).to_have_text("finished")
    names.first.click()
    page.wait_for_url(re.compile(r"/runs/[0-9a-f]{24}/$"))


def test_notes_preview_and_save_render_a_script_injection_inert(
    signed_in_page, server, mnist
):
    page = signed_in_page
    page.goto(f"{page.base_url}/experiments/{mnist.pk}/notes/")
    expect(page.locator("#notes-rendered")).to_contain_text("No notes yet.")
    attack = (
        "# Plan\n\n| lr | acc |\n|----|-----|\n| 0.1 | 0.98 |\n\n"
        "<script>window.__pwned = 1</script>\n\n"
        '<img src="x" onerror="window.__pwned = 2">\n\n'
        "[click](javascript:window.__pwned=3) and [docs](https://example.com)\n"
    )
    page.fill("#notes-editor", attack)
    page.get_by_role("tab", name="Preview").click()
    preview = page.locator("#notes-preview")
    expect(preview.locator("h1")).to_have_text("Plan")
    expect(preview.locator("table td").first).to_have_text("0.1")
    expect(preview.locator("script, [onerror]")).to_have_count(0)
    expect(preview.locator("a", has_text="click")).to_have_count(1)
    assert preview.locator("a", has_text="click").get_attribute("href") is None
    shot(page, server, "notes-preview")
    page.get_by_role("tab", name="Write").click()
    page.get_by_role("button", name="Save notes").click()
    expect(page.locator(".toast")).to_contain_text("Notes saved.")
    rendered = page.locator("#notes-rendered")
    expect(rendered.locator("h1")).to_have_text("Plan")
    expect(rendered.locator("script, [onerror]")).to_have_count(0)
    expect(rendered.get_by_role("link", name="docs")).to_have_attribute(
        "rel", "noopener noreferrer"
    )
    expect(page.locator("#notes-meta")).to_contain_text(f"by {page.user.username}")
    link = rendered.locator("a", has_text="click")
    assert link.get_attribute("href") is None
    link.click()
    assert page.evaluate("window.__pwned") is None
    shot(page, server, "notes-saved")


def test_notes_of_someone_elses_experiment_are_read_only(
    page, server, transactional_db
):
    owner, visitor = make_user("olga"), make_user("vic")
    experiment = make_experiment("olgas", owner=owner, notes="**shared** notes")
    sign_in(page, server, visitor)
    page.goto(f"{server.url}/experiments/{experiment.pk}/notes/")
    expect(page.locator("#notes-rendered strong")).to_have_text("shared")
    expect(page.locator("#notes-form")).to_have_count(0)
    expect(page.get_by_test_id("read-only")).to_be_visible()
    page.goto(f"{server.url}/experiments/{experiment.pk}/settings/")
    expect(page.locator("#settings-form")).to_have_count(0)


def test_settings_show_validation_errors_inline_then_save_with_a_toast(
    signed_in_page, server, mnist
):
    page = signed_in_page
    make_experiment("taken")
    page.goto(f"{page.base_url}/experiments/{mnist.pk}/settings/")
    name = page.locator("#settings-form #id_name")
    name.fill("")
    page.get_by_role("button", name="Save").click()
    expect(page.locator('[data-error-for="name"]')).to_have_text("A name is required.")
    page.locator("#settings-form #id_name").fill("taken")
    page.get_by_role("button", name="Save").click()
    expect(page.locator('[data-error-for="name"]')).to_contain_text("already exists")
    expect(page.locator("#experiment-name")).to_contain_text('mnist "v2"')
    shot(page, server, "settings-error")
    page.locator("#settings-form #id_name").fill("mnist-v3")
    page.locator("#settings-form #id_description").fill("Renamed")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".toast")).to_contain_text("Settings saved.")
    expect(page.locator("#experiment-name")).to_contain_text("mnist-v3")
    expect(page.locator('[data-error-for="name"]')).to_have_count(0)


def test_delete_is_refused_with_runs_and_confirmed_when_empty(
    signed_in_page, server, mnist
):
    page = signed_in_page
    page.goto(f"{page.base_url}/experiments/{mnist.pk}/settings/")
    expect(page.locator("#delete-refusal")).to_contain_text("still has 7 runs")
    expect(page.get_by_role("button", name="Delete")).to_be_disabled()
    empty = make_experiment("scratch", owner=page.user)
    page.goto(f"{page.base_url}/experiments/{empty.pk}/settings/")
    page.get_by_role("button", name="Delete").click()
    dialog = page.locator("dialog[open]")
    expect(dialog).to_contain_text("Delete experiment?")
    dialog.get_by_role("button", name="Cancel").click()
    expect(page.locator("dialog[open]")).to_have_count(0)
    assert Experiment.objects.filter(pk=empty.pk).exists()
    page.get_by_role("button", name="Delete").click()
    page.locator("dialog[open]").get_by_role("button", name="Delete").click()
    expect(page.locator(".toast")).to_contain_text("Experiment “scratch” deleted.")
    expect(page).to_have_url(f"{page.base_url}/experiments/")
    assert not Experiment.objects.filter(pk=empty.pk).exists()


def test_archive_asks_for_confirmation_then_toasts(signed_in_page, server, mnist):
    page = signed_in_page
    page.goto(f"{page.base_url}/experiments/{mnist.pk}/settings/")
    page.get_by_role("button", name="Archive").click()
    page.locator("dialog[open]").get_by_role("button", name="Archive").click()
    expect(page.locator(".toast")).to_contain_text("archived")
    expect(page.locator("#experiment-name .badge-archived")).to_be_visible()
    page.get_by_role("button", name="Unarchive").click()
    page.locator("dialog[open]").get_by_role("button", name="Unarchive").click()
    expect(page.locator("#experiment-name .badge-archived")).to_have_count(0)


def test_list_searches_and_creates_through_a_modal_with_inline_errors(
    signed_in_page, server, mnist
):
    page = signed_in_page
    make_experiment("cifar", description="Images, resnet")
    page.goto(f"{page.base_url}/experiments/")
    row = page.locator(
        "#experiments-table tbody tr", has=page.get_by_role("link", name=mnist.name)
    )
    expect(row.locator('[data-count="total"]')).to_have_text("7")
    expect(row.locator('[data-count="finished"]')).to_have_text("3")
    expect(row.locator('[data-count="archived"]')).to_have_text("1")
    shot(page, server, "list")
    page.get_by_role("searchbox").fill("resnet")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#experiments-table tbody tr")).to_have_count(1)
    expect(page.locator('tr[data-name="cifar"]')).to_be_visible()
    page.get_by_role("button", name="Create experiment").click()
    dialog = page.locator("dialog[open]")
    dialog.locator("#id_name").fill("cifar")
    dialog.get_by_role("button", name="Create").click()
    dialog = page.locator("dialog[open]")
    expect(dialog.locator('[data-error-for="name"]')).to_contain_text("already exists")
    shot(page, server, "create-error")
    dialog.locator("#id_name").fill("bert")
    dialog.locator("#id_description").fill("Language")
    dialog.get_by_role("button", name="Create").click()
    expect(page.locator(".toast")).to_contain_text("Experiment “bert” created.")
    expect(page.locator("#experiment-name")).to_have_text("bert")
    assert Experiment.objects.get(name="bert").owner == page.user


def _open_runs_tab(page, experiment):
    page.goto(f"{page.base_url}/experiments/{experiment.pk}/runs/")
    rows = page.locator("#experiment-runs tbody tr[data-hash]")
    expect(rows).to_have_count(6)  # the explorer's table: archived runs hidden
    expect(page.locator("#experiment-runs [data-count-label]")).to_have_text("6 runs")
    return rows


def _compare_opens_the_metrics_explorer_with(page, query: str) -> None:
    page.get_by_role("button", name="Compare in explorer").click()
    page.get_by_role("menuitem", name="Open in Metrics explorer").click()
    page.wait_for_url(re.compile(r"/metrics/\?q="))
    assert query_of(page.url) == query
    expect(page.locator('input[name="q"]')).to_have_value(query)


def _hashes_query(hashes: list[str]) -> str:
    return "run.hash in [" + ", ".join(f'"{run_hash}"' for run_hash in hashes) + "]"


def test_runs_tab_uses_the_explorer_table_and_compares_a_selected_run(
    signed_in_page, server, mnist
):
    page = signed_in_page
    rows = _open_runs_tab(page, mnist)
    rows.nth(1).locator("[data-select-row]").check()
    expect(page.locator("#selection-count")).to_have_text("1 selected")
    shot(page, server, "runs-tab")
    _compare_opens_the_metrics_explorer_with(
        page, _hashes_query([rows.nth(1).get_attribute("data-hash")])
    )


def test_runs_tab_compares_the_whole_experiment_when_nothing_is_selected(
    signed_in_page, mnist
):
    page = signed_in_page
    _open_runs_tab(page, mnist)
    query = page.locator("#experiment-runs").get_attribute("data-query")
    assert query == 'run.experiment == "mnist \\"v2\\""'
    _compare_opens_the_metrics_explorer_with(page, query)


def test_runs_tab_compares_several_selected_runs(signed_in_page, server, mnist):
    page = signed_in_page
    rows = _open_runs_tab(page, mnist)
    hashes = [
        rows.nth(0).get_attribute("data-hash"),
        rows.nth(2).get_attribute("data-hash"),
    ]
    rows.nth(0).locator("[data-select-row]").check()
    rows.nth(2).locator("[data-select-row]").check()
    expect(page.locator("#selection-count")).to_have_text("2 selected", timeout=2000)
    _compare_opens_the_metrics_explorer_with(page, _hashes_query(hashes))


def test_notes_too_complex_to_render_are_refused_in_preview_and_on_save(
    signed_in_page, server, mnist
):
    page = signed_in_page
    page.goto(f"{page.base_url}/experiments/{mnist.pk}/notes/")
    page.fill("#notes-editor", "[a](" * 25_000)
    page.get_by_role("tab", name="Preview").click()
    expect(page.locator("#notes-preview .field-error")).to_contain_text(
        "This note is too complex to render within"
    )
    page.get_by_role("tab", name="Write").click()
    page.get_by_role("button", name="Save notes").click()
    expect(page.locator('[data-error-for="notes"]')).to_contain_text(
        "This note is too complex to render within"
    )
    expect(page.locator("#notes-rendered")).to_contain_text("No notes yet.")
    shot(page, server, "notes-too-complex")
    page.fill("#notes-editor", "**fine**")
    page.get_by_role("button", name="Save notes").click()
    expect(page.locator(".toast")).to_contain_text("Notes saved.")
    expect(page.locator("#notes-rendered strong")).to_have_text("fine")


def test_notes_task_list_shows_disabled_checkboxes_and_who_edited(
    signed_in_page, server, mnist
):
    page = signed_in_page
    Experiment.objects.filter(pk=mnist.pk).update(
        notes="imported", notes_html="<p>imported</p>"
    )
    page.goto(f"{page.base_url}/experiments/{mnist.pk}/notes/")
    expect(page.locator("#notes-meta")).to_contain_text("Edit time not recorded")
    expect(page.locator("#notes-meta")).not_to_contain_text("Not edited yet")
    page.fill("#notes-editor", "- [x] baseline\n- [ ] sweep the learning rate\n")
    page.get_by_role("tab", name="Preview").click()
    expect(page.locator("#notes-preview input[type=checkbox]")).to_have_count(2)
    page.get_by_role("tab", name="Write").click()
    page.get_by_role("button", name="Save notes").click()
    expect(page.locator(".toast")).to_contain_text("Notes saved.")
    boxes = page.locator("#notes-rendered li.task-list-item input[type=checkbox]")
    expect(boxes).to_have_count(2)
    expect(boxes.nth(0)).to_be_checked()
    expect(boxes.nth(1)).not_to_be_checked()
    expect(boxes.nth(0)).to_be_disabled()
    expect(page.locator("#notes-rendered")).not_to_contain_text("[x]")
    expect(page.locator("#notes-rendered li").nth(1)).to_have_text(
        "sweep the learning rate"
    )
    expect(page.locator("#notes-meta")).to_contain_text("Last edited")
    expect(page.locator("#notes-meta")).to_contain_text(f"by {page.user.username}")
    shot(page, server, "notes-task-list")
