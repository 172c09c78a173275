"""CatBoost logging to aimsite (Aim's `from aim.catboost import AimLogger`).

export AIMSITE_SERVER=http://127.0.0.1:43800 AIMSITE_TOKEN=$(aimsite createtoken alice)
pip install catboost
python examples/integrations/catboost_example.py
"""

import catboost
import numpy as np

from aimsite.sdk.catboost import AimLogger

rng = np.random.default_rng(0)
features = rng.normal(size=(500, 8))
labels = (features[:, 0] + 0.5 * features[:, 1] > 0).astype(int)

aim_logger = AimLogger(loss_function="Logloss", experiment="catboost-example")
model = catboost.CatBoostClassifier(
    iterations=20, loss_function="Logloss", verbose=5, allow_writing_files=False
)
model.fit(
    features[:400],
    labels[:400],
    eval_set=(features[400:], labels[400:]),
    log_cout=aim_logger,  # CatBoost's progress text goes through the logger
)
aim_logger.close()  # CatBoost says nothing when it ends
print(f"run {aim_logger.run_hash}")
