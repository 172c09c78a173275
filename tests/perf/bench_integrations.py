"""Framework integrations: what one framework hook call costs the training loop
(issue 15). They print figures; nothing is asserted on time.

    python -m pytest tests/perf/bench_integrations.py -m perf -s

Each hook is called as its framework calls it, with the framework's own objects,
on a run logging to a real server; `track()` on the same run is the yardstick.
"""

import time

import pytest

from aimsite.sdk import Run
from tests.helpers.optional import import_or_skip
from tests.perf.bench_sdk import QUIET, server, token  # noqa: F401 - fixtures

pytestmark = [pytest.mark.perf, pytest.mark.django_db(transaction=True)]

CALLS = 20_000


def _per_call(function, calls: int = CALLS) -> float:
    for _ in range(100):
        function()
    started = time.perf_counter()
    for _ in range(calls):
        function()
    return (time.perf_counter() - started) / calls * 1e6


def _report(title: str, microseconds: float, points: int) -> None:
    print(
        f"\n[bench_integrations] {title}: {microseconds:,.1f} µs a call, "
        f"{microseconds / points:,.1f} µs a point   (target: a few track() calls)"
    )


def test_cost_of_one_hook_call_per_framework(server, token):  # noqa: F811
    connection = {"server": server.url, "token": token, **QUIET}
    run = Run(**connection)
    _report("track() yardstick", _per_call(lambda: run.track(0.5, name="loss")), 1)
    run.close()

    import_or_skip("lightning")
    from aimsite.sdk.pytorch_lightning import AimLogger

    logger = AimLogger(**connection)
    metrics = {"train_loss": 0.5, "val_loss": 0.6, "train_acc": 0.9, "epoch": 1}
    _report(
        "Lightning log_metrics", _per_call(lambda: logger.log_metrics(metrics, 3)), 3
    )
    logger.finalize("success")

    transformers = import_or_skip("transformers")
    from aimsite.sdk.hugging_face import AimCallback

    callback = AimCallback(**connection)
    state = transformers.TrainerState(global_step=10, epoch=0.5)
    control = transformers.TrainerControl()
    train = {"loss": 0.5, "grad_norm": 1.2, "learning_rate": 1e-3, "epoch": 0.5}
    evaluation = {
        "eval_loss": 0.6,
        "eval_accuracy": 0.8,
        "eval_runtime": 1.0,
        "eval_samples_per_second": 100.0,
        "eval_steps_per_second": 10.0,
        "epoch": 0.5,
    }
    _report(
        "Hugging Face on_log (training step)",
        _per_call(lambda: callback.on_log(None, state, control, logs=train)),
        len(train),
    )
    _report(
        "Hugging Face on_log (evaluation, with Aim's dataset-name search)",
        _per_call(lambda: callback.on_log(None, state, control, logs=evaluation), 2000),
        len(evaluation),
    )
    callback.close()
