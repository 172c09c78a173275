"""`aimsite.sdk.tensorflow.AimCallback` with real TensorFlow Keras.

TensorFlow takes about 2 GB and four minutes to install here, so CI does not
install it and does not require this test (`in_ci=False`). To run it by hand, in
a virtual environment that sees the installed packages:

    python3 -m venv --system-site-packages /tmp/tf-venv
    /tmp/tf-venv/bin/pip install tensorflow==2.21.0
    /tmp/tf-venv/bin/python -m pytest tests/integrations/test_tensorflow.py
"""

import pytest

from tests.helpers.optional import import_or_skip

pytestmark = pytest.mark.django_db(transaction=True)


def test_tf_keras_fit_logs_train_and_val_metrics_per_epoch_and_finishes(
    connection, arrived
):
    np = import_or_skip("numpy")
    tensorflow = import_or_skip("tensorflow", in_ci=False)
    from aimsite.sdk.tensorflow import AimCallback

    keras = tensorflow.keras
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
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    callback = AimCallback(
        experiment="tensorflow-test",
        system_tracking_interval=None,
        log_system_params=False,
        capture_terminal_logs=False,
        **connection,
    )
    model.fit(
        features,
        target,
        epochs=2,
        batch_size=16,
        validation_split=0.25,
        callbacks=[callback],
        verbose=0,
    )

    result = arrived(callback.run_hash)
    assert result.status == "finished"
    assert result.names() == {
        ("loss", (("subset", "train"),)),
        ("loss", (("subset", "val"),)),
        ("lr", (("subset", "train"),)),
    }
    assert result.points("loss", subset="val")["epochs"] == [0, 1]
