"""PyTorch Ignite logging to aimsite (Aim's `from aim.pytorch_ignite import AimLogger`).

export AIMSITE_SERVER=http://127.0.0.1:43800 AIMSITE_TOKEN=$(aimsite createtoken alice)
pip install pytorch-ignite torch
python examples/integrations/pytorch_ignite_example.py
"""

import torch
from ignite.engine import Events, create_supervised_evaluator, create_supervised_trainer
from ignite.metrics import Loss

from aimsite.sdk.pytorch_ignite import AimLogger

torch.manual_seed(0)
features = torch.randn(256, 8)
data = torch.utils.data.TensorDataset(features, features[:, :2].sum(1, keepdim=True))
loader = torch.utils.data.DataLoader(data, batch_size=32)
model = torch.nn.Linear(8, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
loss = torch.nn.functional.mse_loss
trainer = create_supervised_trainer(model, optimizer, loss)
evaluator = create_supervised_evaluator(model, metrics={"mse": Loss(loss)})
trainer.add_event_handler(Events.EPOCH_COMPLETED, lambda: evaluator.run(loader))

aim_logger = AimLogger(experiment="ignite-example")  # server/token from the env
aim_logger.log_params({"lr": 0.05, "batch_size": 32})
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
aim_logger.attach_opt_params_handler(trainer, Events.ITERATION_STARTED, optimizer)
trainer.run(loader, max_epochs=3)
aim_logger.close()
print(f"run {aim_logger.run_hash}")
