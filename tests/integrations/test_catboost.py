"""`aimsite.sdk.catboost.AimLogger` as a real CatBoost's `log_cout`."""

import io

import pytest

from tests.helpers.optional import import_or_skip

pytestmark = pytest.mark.django_db(transaction=True)


def test_fit_output_becomes_learn_test_best_series_and_best_params(connection, arrived):
    np = import_or_skip("numpy")
    catboost = import_or_skip("catboost")
    from aimsite.sdk.catboost import AimLogger

    rng = np.random.default_rng(0)
    features = rng.normal(size=(120, 3))
    labels = (features[:, 0] > 0).astype(int)
    terminal = io.StringIO()
    aim_logger = AimLogger(
        loss_function="Logloss",
        experiment="catboost-test",
        system_tracking_interval=None,
        log_system_params=False,
        capture_terminal_logs=False,
        log_cout=terminal,
        **connection,
    )
    model = catboost.CatBoostClassifier(
        iterations=6,
        loss_function="Logloss",
        verbose=1,
        allow_writing_files=False,
        thread_count=1,
    )
    model.fit(
        features[:90],
        labels[:90],
        eval_set=(features[90:], labels[90:]),
        log_cout=aim_logger,
    )
    aim_logger.close()

    result = arrived(aim_logger.run_hash)
    assert result.status == "finished"
    assert "learn:" in terminal.getvalue()  # the text still reaches its output
    assert result.names() == {
        ("Logloss", (("log", "learn"),)),
        ("Logloss", (("log", "test"),)),
        ("Logloss", (("log", "best"),)),
    }
    learn = result.points("Logloss", log="learn")
    assert learn["steps"] == list(range(6))
    assert learn["values"] == sorted(learn["values"], reverse=True)
    assert result.params["bestIteration"] == 5
    test = result.points("Logloss", log="test")
    assert result.params["bestTest"] == pytest.approx(min(test["values"]), rel=1e-5)
