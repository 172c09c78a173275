"""`aimsite.sdk.optuna.AimCallback` with a real Optuna study."""

import pytest

from tests.helpers.clients import api_for
from tests.helpers.optional import import_or_skip

pytestmark = pytest.mark.django_db(transaction=True)

QUIET = {
    "system_tracking_interval": None,
    "log_system_params": False,
    "capture_terminal_logs": False,
}


def _objective(trial):
    x = trial.suggest_float("x", -4, 4)
    layers = trial.suggest_int("layers", 1, 3)
    return (x - 1) ** 2 + layers


def _study(optuna):
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna.create_study(
        study_name="quadratic", sampler=optuna.samplers.RandomSampler(seed=0)
    )


def test_one_run_tracks_each_trials_params_and_value_by_trial_number(
    connection, arrived
):
    optuna = import_or_skip("optuna")
    from aimsite.sdk.optuna import AimCallback

    callback = AimCallback(
        metric_name="loss", experiment_name="optuna-test", **QUIET, **connection
    )
    run_hash = callback.experiment.hash
    study = _study(optuna)
    study.optimize(_objective, n_trials=5, callbacks=[callback])
    callback.close()

    result = arrived(run_hash)
    assert result.status == "finished"
    assert result.params == {
        "hparams": {"direction": ["MINIMIZE"]},
        "study_name": "quadratic",
    }
    assert result.names() == {("x", ()), ("layers", ()), ("loss", ())}
    loss = result.points("loss")
    assert loss["steps"] == [0, 1, 2, 3, 4]
    assert loss["values"] == pytest.approx([trial.value for trial in study.trials])


def test_multirun_makes_one_finished_run_per_trial(connection, owner):
    optuna = import_or_skip("optuna")
    from aimsite.sdk import flush
    from aimsite.sdk.optuna import AimCallback

    callback = AimCallback(
        as_multirun=True, experiment_name="optuna-multirun", **QUIET, **connection
    )

    @callback.track_in_aim()
    def objective(trial):
        value = _objective(trial)
        callback.experiment.track(value, name="inner")
        return value

    study = _study(optuna)
    study.optimize(objective, n_trials=3, callbacks=[callback])

    assert flush(timeout=60)
    answer = api_for(owner).get(
        "/api/v1/runs/", {"q": 'run.experiment == "optuna-multirun"'}
    )
    assert answer.status_code == 200
    runs = {run["name"]: run for run in answer.json()["results"]}
    assert sorted(runs) == ["trial-0", "trial-1", "trial-2"]
    for trial in study.trials:
        run = runs[f"trial-{trial.number}"]
        assert run["status"] == "finished"
        assert run["params"]["hparams"] == {**trial.params, "direction": ["MINIMIZE"]}
        assert run["params"]["value"] == pytest.approx(trial.value)
        assert run["params"]["trial_number"] == trial.number
