"""`aimsite.sdk.xgboost.AimCallback` with real XGBoost training and cv."""

import pytest

from tests.helpers.optional import import_or_skip

pytestmark = pytest.mark.django_db(transaction=True)


def _data():
    np = import_or_skip("numpy")
    rng = np.random.default_rng(0)
    features = rng.normal(size=(120, 4))
    return features, (features[:, 0] + features[:, 1] > 0).astype(int)


def test_train_tracks_each_round_per_eval_set_and_finishes(connection, arrived):
    xgboost = import_or_skip("xgboost")
    from aimsite.sdk.xgboost import AimCallback

    features, labels = _data()
    train = xgboost.DMatrix(features[:80], label=labels[:80])
    valid = xgboost.DMatrix(features[80:], label=labels[80:])
    callback = AimCallback(
        experiment="xgboost-test",
        system_tracking_interval=None,
        log_system_params=False,
        capture_terminal_logs=False,
        **connection,
    )
    xgboost.train(
        {"objective": "binary:logistic", "eval_metric": ["logloss", "error"]},
        train,
        num_boost_round=5,
        evals=[(train, "train"), (valid, "valid")],
        callbacks=[callback],
        verbose_eval=False,
    )

    result = arrived(callback.run_hash)
    assert result.status == "finished"
    assert result.names() == {
        (metric, (("data_name", data), ("stdv", False)))
        for metric in ("logloss", "error")
        for data in ("train", "valid")
    }
    logloss = result.points("logloss", data_name="train", stdv=False)
    assert logloss["steps"] == [0, 1, 2, 3, 4]
    assert logloss["values"] == sorted(logloss["values"], reverse=True)


def test_cv_tracks_mean_and_standard_deviation(connection, arrived):
    xgboost = import_or_skip("xgboost")
    from aimsite.sdk.xgboost import AimCallback

    features, labels = _data()
    callback = AimCallback(
        experiment="xgboost-test",
        system_tracking_interval=None,
        log_system_params=False,
        capture_terminal_logs=False,
        **connection,
    )
    history = xgboost.cv(
        {"objective": "binary:logistic", "eval_metric": "logloss"},
        xgboost.DMatrix(features, label=labels),
        num_boost_round=3,
        nfold=3,
        callbacks=[callback],
    )

    result = arrived(callback.run_hash)
    assert result.status == "finished"
    mean = result.points("logloss", data_name="test", stdv=False)
    stdv = result.points("logloss", data_name="test", stdv=True)
    assert mean["steps"] == stdv["steps"] == [0, 1, 2]
    assert mean["values"] == pytest.approx(list(history["test-logloss-mean"]))
    assert stdv["values"] == pytest.approx(list(history["test-logloss-std"]))
