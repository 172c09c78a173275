"""TensorFlow Keras logging to aimsite
(Aim's `from aim.tensorflow import AimCallback`).

    export AIMSITE_SERVER=http://127.0.0.1:43800 AIMSITE_TOKEN=$(aimsite createtoken alice)
    pip install tensorflow
    python examples/integrations/tensorflow_example.py
"""

import numpy as np
from tensorflow import keras

from aimsite.sdk.tensorflow import AimCallback

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

aim_callback = AimCallback(experiment="tensorflow-example")  # server/token from the env
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
