"""`aimsite.sdk.lightgbm.AimCallback` with real LightGBM training and cv."""

import pytest

from tests.helpers.optional import import_or_skip

pytestmark = pytest.mark.django_db(transaction=True)

PARAMS = {"objective": "binary", "metric": ["binary_logloss", "auc"], "verbose": -1}


def _data():
    np = import_or_skip("numpy")
    rng = np.random.default_rng(0)
    features = rng.normal(size=(200, 4))
    return features, (features[:, 0] + features[:, 1] > 0).astype(int)


def _callback(connection):
    from aimsite.sdk.lightgbm import AimCallback

    return AimCallback(
        experiment="lightgbm-test",
        system_tracking_interval=None,
        log_system_params=False,
        capture_terminal_logs=False,
        **connection,
    )


def test_train_tracks_each_iteration_per_valid_set_and_finishes(connection, arrived):
    lightgbm = import_or_skip("lightgbm")
    features, labels = _data()
    train = lightgbm.Dataset(features[:150], label=labels[:150])
    valid = lightgbm.Dataset(features[150:], label=labels[150:], reference=train)
    callback = _callback(connection)
    lightgbm.train(
        PARAMS,
        train,
        num_boost_round=6,
        valid_sets=[train, valid],
        valid_names=["train", "valid"],
        callbacks=[callback],
    )

    result = arrived(callback.run_hash)
    assert result.status == "finished"
    assert result.names() == {
        (metric, (("data_name", data),))
        for metric in ("binary_logloss", "auc")
        for data in ("train", "valid")
    }
    assert result.points("auc", data_name="valid")["steps"] == list(range(6))


def test_cv_tracks_mean_and_stdv_series(connection, arrived):
    lightgbm = import_or_skip("lightgbm")
    features, labels = _data()
    callback = _callback(connection)
    history = lightgbm.cv(
        PARAMS,
        lightgbm.Dataset(features, label=labels),
        num_boost_round=4,
        nfold=3,
        callbacks=[callback],
    )

    result = arrived(callback.run_hash)
    assert result.status == "finished"
    mean = result.points("binary_logloss-mean", data_name="valid")
    stdv = result.points("binary_logloss-stdv", data_name="valid")
    assert mean["steps"] == stdv["steps"] == [0, 1, 2, 3]
    assert mean["values"] == pytest.approx(history["valid binary_logloss-mean"])
    assert stdv["values"] == pytest.approx(history["valid binary_logloss-stdv"])
