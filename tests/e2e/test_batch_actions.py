"""Batch actions know who you are: Archive, Unarchive and Delete on the runs table
(explorer and an experiment's Runs tab) are disabled, with the reason, when the
selection holds someone else's run, and the confirmation says how many runs change."""

import re
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from experiments.models import Experiment
from runs.models import Run
from tests.factories import make_run, make_token, make_user, new_hash
from tests.helpers.clients import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path("/tmp/explorer-screens")
RULE = "Only a run's owner or staff may archive or delete it."
ACTIONS = ("archive", "unarchive", "delete")


def _row(page, run):
    return page.locator(f'tr[data-hash="{run.hash}"]')


def _button(page, name: str):
    return page.locator(f"[data-action={name}]")


def _expect_blocked(page, reason: str) -> None:
    for name in ACTIONS:
        expect(_button(page, name)).to_be_disabled()
        expect(_button(page, name)).to_have_attribute("title", f"{reason} {RULE}")
    expect(page.locator("[data-batch-note]")).to_have_text(reason)


def _expect_allowed(page, *names: str) -> None:
    for name in names:
        expect(_button(page, name)).to_be_enabled()
        expect(_button(page, name)).not_to_have_attribute("title", re.compile(".+"))
    expect(page.locator("[data-batch-note]")).to_be_hidden()


def _select_all_matching(page, total: int) -> None:
    page.check("[data-select-page]")
    page.get_by_role(
        "button", name=f"Select all {total} runs matching the query"
    ).click()
    expect(page.locator("[data-selection-label]")).to_have_text(
        f"{total} runs selected"
    )


@pytest.fixture
def frank(transactional_db):
    return make_user("frank")


def test_selecting_someone_elses_run_disables_the_actions_with_a_tooltip(
    signed_in_page, frank
):
    page = signed_in_page
    mine = make_run(page.user, name="mine")
    also_mine = make_run(page.user, name="also-mine")
    theirs = make_run(frank, name="theirs")
    page.goto(f"{page.base_url}/runs/")
    expect(_row(page, theirs)).to_have_attribute("data-can-edit", "false")
    expect(_row(page, mine)).to_have_attribute("data-can-edit", "true")
    for name in ACTIONS:
        expect(_button(page, name)).to_be_disabled()

    _row(page, mine).locator("[data-select-row]").check()
    _expect_allowed(page, "archive", "delete")
    _row(page, theirs).locator("[data-select-row]").check()
    _expect_blocked(page, "1 of the 2 selected runs belongs to another user.")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.locator("[data-action=delete]").hover(force=True)
    page.screenshot(path=str(SCREENSHOTS / "batch-blocked.png"))

    _row(page, mine).locator("[data-select-row]").uncheck()
    _expect_blocked(page, "This run belongs to another user.")
    _row(page, theirs).locator("[data-select-row]").uncheck()
    expect(_button(page, "delete")).to_be_disabled()
    expect(page.locator("[data-batch-note]")).to_be_hidden()

    # Only own runs: enabled, confirmed, done.
    _row(page, mine).locator("[data-select-row]").check()
    _row(page, also_mine).locator("[data-select-row]").check()
    _expect_allowed(page, "archive", "delete")
    _button(page, "archive").click()
    dialog = page.locator("dialog.modal[open]")
    expect(dialog).to_contain_text(
        "Archive 2 runs? Archived runs are hidden from the explorer until unarchived."
    )
    dialog.get_by_role("button", name="Archive").click()
    expect(page.locator(".toast")).to_contain_text("Archived 2 runs")
    expect(_row(page, mine)).to_have_count(0)
    assert set(Run.objects.filter(is_archived=True).values_list("name", flat=True)) == {
        "mine",
        "also-mine",
    }
    assert not Run.objects.get(pk=theirs.pk).is_archived


def test_a_query_selection_holding_someone_elses_runs_is_disabled_and_an_own_one_is_counted_before_confirming(
    signed_in_page, frank
):
    page = signed_in_page
    for index in range(51):
        make_run(page.user, experiment="mine", name=f"m{index}")
    for index in range(2):
        make_run(frank, experiment="shared", name=f"f{index}")
    page.goto(f"{page.base_url}/runs/")
    _select_all_matching(page, 53)
    _expect_blocked(page, "2 of the 53 runs matching the query belong to other users.")
    page.screenshot(path=str(SCREENSHOTS / "batch-query-blocked.png"))

    page.goto(
        f"{page.base_url}/runs/?q=" + requests.utils.quote('run.experiment == "mine"')
    )
    _select_all_matching(page, 51)
    _expect_allowed(page, "archive", "delete")
    expect(_button(page, "unarchive")).to_be_disabled()  # none of them is archived
    _button(page, "archive").click()
    dialog = page.locator("dialog.modal[open]")
    expect(dialog).to_contain_text("Archive all 51 runs matching the query?")
    page.screenshot(path=str(SCREENSHOTS / "batch-query-confirm.png"))

    # A run arrives while the dialog is open: the server refuses the confirmed 51.
    make_run(page.user, experiment="mine", name="late")
    dialog.get_by_role("button", name="Archive").click()
    expect(page.locator(".toast-error")).to_contain_text(
        "The selection changed since you confirmed: 52 runs match now, "
        "you confirmed 51. Nothing was changed."
    )
    assert not Run.objects.filter(is_archived=True).exists()

    _button(page, "archive").click()
    dialog = page.locator("dialog.modal[open]")
    expect(dialog).to_contain_text("Archive all 52 runs matching the query?")
    dialog.get_by_role("button", name="Archive").click()
    expect(page.locator(".toast-success")).to_contain_text("Archived 52 runs")
    assert Run.objects.filter(is_archived=True).count() == 52
    assert not Run.objects.filter(owner=frank, is_archived=True).exists()


def test_staff_confirmation_says_how_many_of_the_runs_belong_to_other_users(
    page, server, frank
):
    staff = make_user("grace", is_staff=True)
    heidi = make_user("heidi")
    others = [make_run(frank if i % 2 else heidi, name=f"o{i}") for i in range(50)]
    own = make_run(staff, name="staff-run")  # newest: on the first page
    sign_in(page, server, staff)
    page.goto(f"{server.url}/runs/")
    _select_all_matching(page, 51)
    _expect_allowed(page, "archive", "delete")
    _button(page, "archive").click()
    dialog = page.locator("dialog.modal[open]")
    expect(dialog).to_contain_text(
        "Archive all 51 runs matching the query? 50 of the 51 runs matching the "
        "query belong to other users; as staff you may change them."
    )
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    page.locator("[data-select-page]").uncheck()

    for run in (own, others[-1], others[-2]):
        _row(page, run).locator("[data-select-row]").check()
    _expect_allowed(page, "archive", "delete")
    _button(page, "delete").click()
    dialog = page.locator("dialog.modal[open]")
    expect(dialog).to_contain_text(
        "Delete 3 runs with all their metrics, logs and files? 2 of the 3 selected "
        "runs belong to other users; as staff you may change them."
    )
    page.screenshot(path=str(SCREENSHOTS / "batch-staff-confirm.png"))
    dialog.get_by_role("button", name="Delete").click()
    expect(page.locator(".toast")).to_contain_text("Deleted 3 runs")
    assert not Run.objects.filter(
        pk__in=[own.pk, others[-1].pk, others[-2].pk]
    ).exists()
    assert (
        Run.objects.count() == 48 and not Run.objects.filter(is_archived=True).exists()
    )


def test_the_experiment_runs_tab_has_the_same_batch_actions(signed_in_page, frank):
    page = signed_in_page
    mine = make_run(page.user, experiment="shared-exp", name="mine")
    theirs = make_run(frank, experiment="shared-exp", name="theirs")
    experiment = Experiment.objects.get(name="shared-exp")
    page.goto(f"{page.base_url}/experiments/{experiment.pk}/runs/")
    _row(page, theirs).locator("[data-select-row]").check()
    _expect_blocked(page, "This run belongs to another user.")
    page.screenshot(path=str(SCREENSHOTS / "batch-experiment-tab.png"))
    _row(page, theirs).locator("[data-select-row]").uncheck()

    _row(page, mine).locator("[data-select-row]").check()
    _expect_allowed(page, "archive", "delete")
    _button(page, "delete").click()
    dialog = page.locator("dialog.modal[open]")
    expect(dialog).to_contain_text("Delete 1 run with all their metrics")
    expect(dialog).to_contain_text("irreversible")
    dialog.get_by_role("button", name="Delete").click()
    expect(page.locator(".toast")).to_contain_text("Deleted 1 run")
    expect(_row(page, mine)).to_have_count(0)
    assert list(Run.objects.values_list("name", flat=True)) == ["theirs"]


def test_a_run_inserted_live_knows_whether_it_is_yours(signed_in_page, frank):
    page = signed_in_page
    make_run(page.user, name="mine")
    page.goto(f"{page.base_url}/runs/")
    page.check("#live-update", force=True)
    page.wait_for_function(
        "() => !document.querySelector('[data-live-status]').classList.contains('offline')"
    )
    created = {}
    for owner in (frank, page.user):
        answer = requests.post(
            f"{page.base_url}/api/v1/runs/",
            json={"hash": new_hash(), "name": f"live-{owner.username}"},
            headers={"Authorization": f"Bearer {make_token(owner)}"},
            timeout=10,
        )
        assert answer.status_code == 201
        created[owner.username] = answer.json()["hash"]
    their_row = page.locator(f'tr[data-hash="{created["frank"]}"]')
    my_row = page.locator(f'tr[data-hash="{created[page.user.username]}"]')
    expect(their_row).to_have_attribute("data-can-edit", "false")
    expect(my_row).to_have_attribute("data-can-edit", "true")

    my_row.locator("[data-select-row]").check()
    _expect_allowed(page, "archive", "delete")
    their_row.locator("[data-select-row]").check()
    _expect_blocked(page, "1 of the 2 selected runs belongs to another user.")


def test_a_run_that_changed_hands_after_the_page_loaded_is_refused_before_confirming(
    signed_in_page, frank
):
    page = signed_in_page
    run = make_run(page.user, name="handed-over")
    page.goto(f"{page.base_url}/runs/")
    _row(page, run).locator("[data-select-row]").check()
    _expect_allowed(page, "archive", "delete")
    Run.objects.filter(pk=run.pk).update(owner=frank)

    _button(page, "delete").click()
    expect(page.locator(".toast-error")).to_contain_text(
        f"This run belongs to another user. {RULE}"
    )
    expect(page.locator("dialog.modal[open]")).to_have_count(0)
    _expect_blocked(page, "This run belongs to another user.")
    assert Run.objects.filter(pk=run.pk).exists()
