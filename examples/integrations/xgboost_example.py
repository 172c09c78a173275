"""XGBoost logging to aimsite (Aim's `from aim.xgboost import AimCallback`).

export AIMSITE_SERVER=http://127.0.0.1:43800 AIMSITE_TOKEN=$(aimsite createtoken alice)
pip install xgboost
python examples/integrations/xgboost_example.py
"""

import numpy as np
import xgboost

from aimsite.sdk.xgboost import AimCallback

rng = np.random.default_rng(0)
features = rng.normal(size=(500, 8))
labels = (features[:, 0] + 0.5 * features[:, 1] > 0).astype(int)
train = xgboost.DMatrix(features[:400], label=labels[:400])
valid = xgboost.DMatrix(features[400:], label=labels[400:])

aim_callback = AimCallback(experiment="xgboost-example")  # server/token from the env
xgboost.train(
    {
        "objective": "binary:logistic",
        "eval_metric": ["logloss", "error"],
        "max_depth": 3,
    },
    train,
    num_boost_round=20,
    evals=[(train, "train"), (valid, "valid")],
    callbacks=[aim_callback],
    verbose_eval=False,
)
print(f"run {aim_callback.run_hash}")
