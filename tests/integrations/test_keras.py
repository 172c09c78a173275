"""`aimsite.sdk.keras.AimCallback` with real Keras 3 on the jax backend."""

import os

import pytest

from tests.helpers.optional import import_or_skip

pytestmark = pytest.mark.django_db(transaction=True)

# Keras picks its backend at import; this file is the only one that imports it.
os.environ.setdefault("KERAS_BACKEND", "jax")


def test_fit_logs_train_and_val_metrics_and_lr_per_epoch_and_finishes(
    connection, arrived
):
    np = import_or_skip("numpy")
    import_or_skip("jax")
    keras = import_or_skip("keras")
    from aimsite.sdk.keras import AimCallback, AimTracker

    assert AimTracker is AimCallback
    keras.utils.set_random_seed(0)
    features = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    target = features.sum(axis=1, keepdims=True)
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(1),
        ]
    )
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse", metrics=["mae"])

    callback = AimCallback(
        experiment="keras-test",
        system_tracking_interval=None,
        log_system_params=False,
        capture_terminal_logs=False,
        **connection,
    )
    model.fit(
        features,
        target,
        epochs=3,
        batch_size=16,
        validation_split=0.25,
        callbacks=[callback],
        verbose=0,
    )

    result = arrived(callback.run_hash)
    assert result.status == "finished"
    assert result.run["experiment"] == "keras-test"
    assert result.names() == {
        ("loss", (("subset", "train"),)),
        ("mae", (("subset", "train"),)),
        ("loss", (("subset", "val"),)),
        ("mae", (("subset", "val"),)),
        ("lr", (("subset", "train"),)),
    }
    for name, subset in [("loss", "train"), ("mae", "val")]:
        points = result.points(name, subset=subset)
        assert points["steps"] == [0, 1, 2] and points["epochs"] == [0, 1, 2]
    assert result.points("lr", subset="train")["values"] == pytest.approx([0.01] * 3)
