"""`aimsite.sdk.fastai.AimCallback` with a real fastai Learner.

fastai depends on torchvision, and PyPI's torchvision does not load beside the CPU
build of torch that CI installs, so CI does not require this test (`in_ci=False`).
To run it by hand, in a virtual environment that sees the installed packages:

    python3 -m venv --system-site-packages /tmp/fastai-venv
    /tmp/fastai-venv/bin/pip install fastai==2.8.12
    /tmp/fastai-venv/bin/python -m pytest tests/integrations/test_fastai.py
"""

import pytest

from tests.helpers.optional import import_or_skip

pytestmark = pytest.mark.django_db(transaction=True)


def test_fit_logs_config_batch_losses_hypers_and_epoch_metrics(connection, arrived):
    torch = import_or_skip("torch")
    import_or_skip("fastai", in_ci=False)
    from fastai.data.core import DataLoaders
    from fastai.learner import Learner
    from fastai.metrics import mae

    from aimsite.sdk.fastai import AimCallback

    torch.manual_seed(0)
    features = torch.randn(64, 4)
    data = list(zip(features, features.sum(dim=1, keepdim=True), strict=True))
    loaders = DataLoaders.from_dsets(data[:48], data[48:], bs=16, device="cpu")
    callback = AimCallback(
        experiment_name="fastai-test",
        system_tracking_interval=None,
        log_system_params=False,
        capture_terminal_logs=False,
        **connection,
    )
    learner = Learner(
        loaders,
        torch.nn.Linear(4, 1),
        loss_func=torch.nn.functional.mse_loss,
        metrics=mae,
        cbs=callback,
    )
    learner.fit(2, lr=0.01)

    result = arrived(callback.run_hash)
    assert result.status == "finished"
    assert result.params["batch_size"] == 16
    assert result.params["batch_per_epoch"] == 3
    assert result.params["model_parameters"] == 5
    assert result.params["n_inp"] == 1
    names = result.names()
    assert {
        ("train_loss", (("subset", "train"),)),
        ("train_loss", (("subset", "val"),)),
        ("lr_0", (("subset", "train"),)),
        ("valid_loss", ()),
        ("mae", ()),
    } <= names
    # fastai counts the iteration before this callback's after_batch runs.
    assert result.points("train_loss", subset="train")["steps"] == [1, 2, 3, 4, 5, 6]
    assert result.points("train_loss", subset="val")["steps"] == [3, 6]
    assert result.points("mae")["steps"] == [0, 1]
