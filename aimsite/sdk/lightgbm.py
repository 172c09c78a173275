"""LightGBM: `AimCallback`, as `aim.lightgbm.AimCallback`.

    lightgbm.train(params, train_set, valid_sets=[valid], valid_names=["valid"],
                   callbacks=[AimCallback(experiment="boosting")])

After each iteration every evaluation result is tracked at the iteration's number
with the context `{"data_name": <valid name>}`; in `lightgbm.cv` as
`<metric>-mean` and `<metric>-stdv`. The run opens at the first iteration and, a
difference from Aim (whose run stays open until the script ends), closes after the
last one; call `close()` when training stops early.
"""

from __future__ import annotations

from aimsite.sdk.integration import (
    RunOwner,
    import_framework,
)

import_framework("lightgbm.callback", "lightgbm", "lightgbm")


class AimCallback(RunOwner):
    """A LightGBM callback logging to an aimsite run (Aim's arguments, plus `server`
    and `token`, defaulting to AIMSITE_SERVER / AIMSITE_TOKEN)."""

    order = 25  # LightGBM runs callbacks by this: after evaluation, before stopping
    before_iteration = False

    def setup(self) -> None:
        self._open_run()

    def before_tracking(self, **kwargs) -> None:
        """Called before each iteration's results are tracked (for subclasses)."""

    def after_tracking(self, **kwargs) -> None:
        """Called after each iteration's results are tracked (for subclasses)."""

    def __call__(self, env) -> None:
        run = self._open_run()
        self.before_tracking(env=env)
        for item in env.evaluation_result_list:
            if len(item) == 4:  # train: (data name, metric, value, higher is better)
                data_name, eval_name, result, _ = item
                run.track(
                    result,
                    name=eval_name,
                    step=env.iteration,
                    context={"data_name": data_name},
                )
            else:  # cv: (data name, metric, mean, higher is better, stdv)
                data_name, eval_name = item[0], item[1]
                if (
                    data_name == "cv_agg"
                ):  # LightGBM < 4.6: ("cv_agg", "<data> <metric>", …)
                    data_name, eval_name = eval_name.split(maxsplit=1)
                context = {"data_name": data_name}
                run.track(
                    item[2],
                    name=f"{eval_name}-mean",
                    step=env.iteration,
                    context=context,
                )
                run.track(
                    item[4],
                    name=f"{eval_name}-stdv",
                    step=env.iteration,
                    context=context,
                )
        self.after_tracking(env=env)
        if env.iteration + 1 >= env.end_iteration:
            self.close()
