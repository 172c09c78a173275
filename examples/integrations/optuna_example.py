"""An Optuna study logged to aimsite (Aim's `from aim.optuna import AimCallback`).

export AIMSITE_SERVER=http://127.0.0.1:43800 AIMSITE_TOKEN=$(aimsite createtoken alice)
pip install optuna
python examples/integrations/optuna_example.py
"""

import optuna

from aimsite.sdk.optuna import AimCallback


def objective(trial: optuna.Trial) -> float:
    x = trial.suggest_float("x", -10, 10)
    y = trial.suggest_int("y", 0, 5)
    return (x - 2) ** 2 + y


aim_callback = AimCallback(metric_name="loss", experiment_name="optuna-example")
study = optuna.create_study(study_name="quadratic")
study.optimize(objective, n_trials=20, callbacks=[aim_callback])
run_hash = aim_callback.experiment.hash
aim_callback.close()  # the study's run; as in Aim, the callback leaves it open
print(f"best {study.best_params}")
print(f"run {run_hash}")
