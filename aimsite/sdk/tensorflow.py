"""TensorFlow: `AimCallback` (and its old name `AimTracker`), as `aim.tensorflow`.

    model.fit(x, y, epochs=5, callbacks=[AimCallback(experiment="mnist")])

The same callback on `tensorflow.keras`' Callback class. What it logs and when the run
opens and closes: aimsite/sdk/keras_mixins.py.
"""

from __future__ import annotations

from aimsite.sdk.integration import import_framework
from aimsite.sdk.keras_mixins import KerasEpochMetrics

_callbacks = import_framework("tensorflow.keras.callbacks", "tensorflow", "tensorflow")


class AimCallback(KerasEpochMetrics, _callbacks.Callback):
    """Logs `fit` to an aimsite run; arguments: KerasEpochMetrics."""


AimTracker = AimCallback  # Aim's older name
