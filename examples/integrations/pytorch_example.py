"""A plain PyTorch loop with weight and gradient distributions
(Aim's `from aim.pytorch import track_params_dists, track_gradients_dists`).

    export AIMSITE_SERVER=http://127.0.0.1:43800 AIMSITE_TOKEN=$(aimsite createtoken alice)
    pip install torch
    python examples/integrations/pytorch_example.py
"""

import torch

from aimsite.sdk import Run
from aimsite.sdk.pytorch import track_gradients_dists, track_params_dists

torch.manual_seed(0)
features = torch.randn(256, 8)
target = features[:, :2].sum(dim=1, keepdim=True)
model = torch.nn.Sequential(
    torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1)
)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)

run = Run(experiment="pytorch-example")  # server/token from the env
run["hparams"] = {"lr": 0.05, "hidden": 16}
for epoch in range(10):
    optimizer.zero_grad()
    loss = torch.nn.functional.mse_loss(model(features), target)
    loss.backward()
    track_gradients_dists(model, run)
    optimizer.step()
    track_params_dists(model, run)
    run.track(loss.item(), name="loss", epoch=epoch, context={"subset": "train"})
run.close()
print(f"run {run.hash}")
