"""LightGBM logging to aimsite (Aim's `from aim.lightgbm import AimCallback`).

export AIMSITE_SERVER=http://127.0.0.1:43800 AIMSITE_TOKEN=$(aimsite createtoken alice)
pip install lightgbm
python examples/integrations/lightgbm_example.py
"""

import lightgbm
import numpy as np

from aimsite.sdk.lightgbm import AimCallback

rng = np.random.default_rng(0)
features = rng.normal(size=(500, 8))
labels = (features[:, 0] + 0.5 * features[:, 1] > 0).astype(int)
train = lightgbm.Dataset(features[:400], label=labels[:400])
valid = lightgbm.Dataset(features[400:], label=labels[400:], reference=train)

aim_callback = AimCallback(experiment="lightgbm-example")  # server/token from the env
lightgbm.train(
    {"objective": "binary", "metric": ["binary_logloss", "auc"], "verbose": -1},
    train,
    num_boost_round=20,
    valid_sets=[train, valid],
    valid_names=["train", "valid"],
    callbacks=[aim_callback],
)
print(f"run {aim_callback.run_hash}")
