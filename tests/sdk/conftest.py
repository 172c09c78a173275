import pytest

from aimsite.sdk import flush
from tests.factories import QUIET_RUN, make_token, make_user


@pytest.fixture(autouse=True)
def spool_dir(tmp_path, monkeypatch):
    """Every SDK test spools into its own directory, never into ~/.aimsite."""
    directory = tmp_path / "spool"
    monkeypatch.setenv("AIMSITE_SPOOL_DIR", str(directory))
    monkeypatch.delenv("AIMSITE_SERVER", raising=False)
    monkeypatch.delenv("AIMSITE_TOKEN", raising=False)
    return directory


@pytest.fixture
def owner(transactional_db):
    return make_user("sdk-owner")


@pytest.fixture
def token(owner):
    yield make_token(owner)
    # What the test's closed runs handed to the courier arrives while its server,
    # token and rows still exist (this runs before they go), never in the next test.
    assert flush(timeout=60), "the courier did not drain in 60 s"


@pytest.fixture
def quiet():
    """Run options that leave out the background extras a test does not look at."""
    return dict(QUIET_RUN)
