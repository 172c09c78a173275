"""fastai logging to aimsite (Aim's `from aim.fastai import AimCallback`).

export AIMSITE_SERVER=http://127.0.0.1:43800 AIMSITE_TOKEN=$(aimsite createtoken alice)
pip install fastai
python examples/integrations/fastai_example.py
"""

import torch
from fastai.data.core import DataLoaders
from fastai.learner import Learner
from fastai.metrics import mae

from aimsite.sdk.fastai import AimCallback

torch.manual_seed(0)
features = torch.randn(256, 8)
data = list(zip(features, features[:, :2].sum(1, keepdim=True), strict=True))
loaders = DataLoaders.from_dsets(data[:192], data[192:], bs=32, device="cpu")
aim_callback = AimCallback(experiment_name="fastai-example")  # server/token from env
learner = Learner(
    loaders,
    torch.nn.Linear(8, 1),
    loss_func=torch.nn.functional.mse_loss,
    metrics=mae,
    cbs=aim_callback,
)
learner.fit(3, lr=0.05)
print(f"run {aim_callback.run_hash}")
