"""`aimsite.sdk.pytorch_lightning.AimLogger` with a real Lightning Trainer."""

import pytest

from tests.helpers.optional import import_or_skip

pytestmark = pytest.mark.django_db(transaction=True)


def test_lightning_training_logs_hparams_metrics_by_subset_and_finishes(
    connection, arrived
):
    torch = import_or_skip("torch")
    lightning = import_or_skip("lightning")
    from aimsite.sdk.pytorch_lightning import AimLogger

    class Regressor(lightning.LightningModule):
        def __init__(self, lr: float = 0.05, hidden: int = 8):
            super().__init__()
            self.save_hyperparameters()
            self.net = torch.nn.Sequential(
                torch.nn.Linear(4, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 1)
            )

        def _loss(self, batch):
            features, target = batch
            return torch.nn.functional.mse_loss(self.net(features), target)

        def training_step(self, batch, batch_index):
            loss = self._loss(batch)
            self.log("train_loss", loss)
            return loss

        def validation_step(self, batch, batch_index):
            self.log("val_loss", self._loss(batch))

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)

    generator = torch.Generator().manual_seed(0)
    features = torch.randn(64, 4, generator=generator)
    target = features.sum(dim=1, keepdim=True)
    data = torch.utils.data.TensorDataset(features, target)
    loader = torch.utils.data.DataLoader(data, batch_size=16)

    logger = AimLogger(
        experiment="lightning-test",
        run_name="tiny regressor",
        system_tracking_interval=None,
        log_system_params=False,
        capture_terminal_logs=False,
        **connection,
    )
    trainer = lightning.Trainer(
        max_epochs=3,
        logger=logger,
        log_every_n_steps=1,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        accelerator="cpu",
    )
    trainer.fit(Regressor(), loader, loader)
    run_hash = logger.run_hash

    result = arrived(run_hash)
    assert result.status == "finished"
    assert result.run["experiment"] == "lightning-test"
    assert result.run["name"] == "tiny regressor"
    assert result.params["hparams"] == {"lr": 0.05, "hidden": 8}
    assert result.names() == {
        ("loss", (("subset", "train"),)),
        ("loss", (("subset", "val"),)),
    }
    train = result.points("loss", subset="train")
    assert len(train["steps"]) == 12  # 4 batches x 3 epochs, one point per step
    assert train["steps"] == list(range(12))
    assert train["epochs"] == [0] * 4 + [1] * 4 + [2] * 4
    val = result.points("loss", subset="val")
    assert len(val["steps"]) == 3 and val["epochs"] == [0, 1, 2]
