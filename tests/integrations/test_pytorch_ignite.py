"""`aimsite.sdk.pytorch_ignite.AimLogger` with a real Ignite trainer and evaluator."""

import pytest

from tests.helpers.optional import import_or_skip

pytestmark = pytest.mark.django_db(transaction=True)


def test_ignite_handlers_log_params_losses_metrics_and_lr(connection, arrived):
    torch = import_or_skip("torch")
    import_or_skip("ignite")
    from ignite.engine import (
        Events,
        create_supervised_evaluator,
        create_supervised_trainer,
    )
    from ignite.metrics import Loss

    from aimsite.sdk.pytorch_ignite import AimLogger

    torch.manual_seed(0)
    model = torch.nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    features = torch.randn(48, 4)
    data = torch.utils.data.TensorDataset(features, features.sum(dim=1, keepdim=True))
    loader = torch.utils.data.DataLoader(data, batch_size=16)
    loss = torch.nn.functional.mse_loss
    trainer = create_supervised_trainer(model, optimizer, loss)
    evaluator = create_supervised_evaluator(model, metrics={"mse": Loss(loss)})
    trainer.add_event_handler(Events.EPOCH_COMPLETED, lambda: evaluator.run(loader))

    aim_logger = AimLogger(
        experiment="ignite-test",
        system_tracking_interval=None,
        log_system_params=False,
        capture_terminal_logs=False,
        **connection,
    )
    aim_logger.log_params({"lr": 0.05, "batch_size": 16})
    aim_logger.attach_output_handler(
        trainer,
        event_name=Events.ITERATION_COMPLETED,
        tag="train",
        output_transform=lambda value: {"loss": value},
    )
    aim_logger.attach_output_handler(
        evaluator,
        event_name=Events.EPOCH_COMPLETED,
        tag="val",
        metric_names=["mse"],
        global_step_transform=lambda engine, event: trainer.state.epoch,
    )
    aim_logger.attach_opt_params_handler(
        trainer, event_name=Events.ITERATION_STARTED, optimizer=optimizer
    )
    trainer.run(loader, max_epochs=2)
    aim_logger.close()

    result = arrived(aim_logger.run_hash)
    assert result.status == "finished"
    assert result.params == {"hparams": {"lr": 0.05, "batch_size": 16}}
    assert result.names() == {
        ("loss", (("subset", "train"),)),
        ("mse", (("subset", "val"),)),
        ("lr_group_0", ()),
    }
    assert result.points("loss", subset="train")["steps"] == [1, 2, 3, 4, 5, 6]
    assert result.points("mse", subset="val")["steps"] == [1, 2]
    lr = result.points("lr_group_0")
    assert lr["steps"] == [1, 2, 3, 4, 5, 6] and set(lr["values"]) == {0.05}
