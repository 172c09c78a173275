"""PyTorch Lightning logging to aimsite
(Aim's `from aim.pytorch_lightning import AimLogger`).

    export AIMSITE_SERVER=http://127.0.0.1:43800 AIMSITE_TOKEN=$(aimsite createtoken alice)
    pip install lightning
    python examples/integrations/pytorch_lightning_example.py
"""

import lightning
import torch

from aimsite.sdk.pytorch_lightning import AimLogger


class Regressor(lightning.LightningModule):
    def __init__(self, lr: float = 0.05):
        super().__init__()
        self.save_hyperparameters()  # → hparams.lr
        self.net = torch.nn.Sequential(
            torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1)
        )

    def training_step(self, batch, batch_index):
        loss = torch.nn.functional.mse_loss(self.net(batch[0]), batch[1])
        self.log("train_loss", loss)  # → loss, {"subset": "train"}
        return loss

    def validation_step(self, batch, batch_index):
        loss = torch.nn.functional.mse_loss(self.net(batch[0]), batch[1])
        self.log("val_loss", loss)  # → loss, {"subset": "val"}

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


torch.manual_seed(0)
features = torch.randn(256, 8)
data = torch.utils.data.TensorDataset(features, features[:, :2].sum(1, keepdim=True))
loader = torch.utils.data.DataLoader(data, batch_size=32)
aim_logger = AimLogger(experiment="lightning-example")  # server/token from the env
trainer = lightning.Trainer(
    max_epochs=3, logger=aim_logger, log_every_n_steps=2, enable_checkpointing=False
)
trainer.fit(Regressor(), loader, loader)
print(f"run {aim_logger.run_hash}")
