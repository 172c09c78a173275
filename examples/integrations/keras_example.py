"""Keras 3 logging to aimsite (Aim's `from aim.keras import AimCallback`).

Any backend works; this example picks jax unless KERAS_BACKEND says otherwise.
With TensorFlow's Keras, import `aimsite.sdk.tensorflow` instead.

    export AIMSITE_SERVER=http://127.0.0.1:43800 AIMSITE_TOKEN=$(aimsite createtoken alice)
    pip install keras jax
    python examples/integrations/keras_example.py
"""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras
import numpy as np

from aimsite.sdk.keras import AimCallback

rng = np.random.default_rng(0)
features = rng.normal(size=(512, 8)).astype("float32")
labels = (features[:, 0] + features[:, 1] > 0).astype("float32")
model = keras.Sequential(
    [
        keras.Input((8,)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ]
)
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])

aim_callback = AimCallback(experiment="keras-example")  # server/token from the env
model.fit(
    features,
    labels,
    epochs=5,
    batch_size=32,
    validation_split=0.2,
    callbacks=[aim_callback],
    verbose=2,
)
print(f"run {aim_callback.run_hash}")
