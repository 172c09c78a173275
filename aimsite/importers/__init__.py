"""Importers: bring an Aim repo, an MLflow store or TensorBoard logs over.

`base.py` holds the shared mapping into the ingest services; one reader module
per source format. The command is `aimsite import` (management/commands/import.py).
See docs/architecture.md, "Importers".
"""

READERS = {
    "aim": "aimsite.importers.aim.AimReader",
    "mlflow": "aimsite.importers.mlflow.MlflowReader",
    "tensorboard": "aimsite.importers.tensorboard.TensorboardReader",
}
