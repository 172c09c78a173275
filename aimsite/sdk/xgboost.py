"""XGBoost: `AimCallback`, as `aim.xgboost.AimCallback`.

    xgboost.train(params, dtrain, evals=[(dtrain, "train"), (dvalid, "valid")],
                  callbacks=[AimCallback(experiment="boosting")])

After each boosting round every evaluation metric is tracked at the round's number
with the context `{"data_name": <eval name>, "stdv": False}`; in `xgboost.cv` the
standard deviation goes beside it with `"stdv": True`. The run opens before
training and closes after it.

Where this differs from Aim's callback, which tracks every round at step 0, under
a context without the eval set's name and, for cv, the mean twice: here each round
has its own step, each eval set its own series, and the stdv series holds the
standard deviation.
"""

from __future__ import annotations

from aimsite.sdk.integration import (
    RunOwner,
    import_framework,
)

_callback = import_framework("xgboost.callback", "xgboost", "xgboost")


class AimCallback(RunOwner, _callback.TrainingCallback):
    """Logs boosting to an aimsite run (Aim's arguments, plus `server` and `token`,
    defaulting to AIMSITE_SERVER / AIMSITE_TOKEN)."""

    def setup(self) -> None:
        self._open_run()

    def before_training(self, model):
        self.setup()
        return model

    def after_iteration(self, model, epoch: int, evals_log) -> bool:
        if not evals_log:
            return False
        run = self._open_run()
        for data_name, metrics in evals_log.items():
            for metric_name, log in metrics.items():
                last = log[-1]
                score, stdv = last if isinstance(last, tuple) else (last, None)
                context = {"data_name": data_name, "stdv": False}
                run.track(score, name=metric_name, step=epoch, context=context)
                if stdv is not None:
                    context = {"data_name": data_name, "stdv": True}
                    run.track(stdv, name=metric_name, step=epoch, context=context)
        return False  # never asks xgboost to stop

    def after_training(self, model):
        self.close()
        return model
