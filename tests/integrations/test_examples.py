"""Every example in examples/integrations runs as a user would run it, against a
real server, with AIMSITE_SERVER / AIMSITE_TOKEN, and leaves a finished run."""

import os
from pathlib import Path

import pytest

from tests.helpers.children import run_child
from tests.helpers.optional import import_or_skip
from tests.helpers.servers import REPO

pytestmark = pytest.mark.django_db(transaction=True)

# Keras picks its backend at its first import, here or in test_keras.py.
os.environ.setdefault("KERAS_BACKEND", "jax")

EXAMPLES = REPO / "examples" / "integrations"
# example → the modules it needs, and whether CI installs them
NEEDS = {
    "catboost_example.py": (["catboost"], True),
    "fastai_example.py": (["torch", "fastai"], False),
    "hugging_face_example.py": (["torch", "transformers", "accelerate"], True),
    "keras_example.py": (["jax", "keras"], True),
    "lightgbm_example.py": (["lightgbm"], True),
    "optuna_example.py": (["optuna"], True),
    "pytorch_example.py": (["torch"], True),
    "pytorch_ignite_example.py": (["torch", "ignite"], True),
    "pytorch_lightning_example.py": (["torch", "lightning"], True),
    "sb3_example.py": (["torch", "stable_baselines3", "gymnasium"], True),
    "tensorflow_example.py": (["tensorflow"], False),
    "xgboost_example.py": (["xgboost"], True),
}


def test_every_example_is_listed():
    assert sorted(path.name for path in EXAMPLES.glob("*.py")) == sorted(NEEDS)


@pytest.mark.parametrize("example", sorted(NEEDS))
def test_example_runs_and_leaves_a_finished_run_with_series(
    example, server, token, arrived
):
    modules, in_ci = NEEDS[example]
    for module in modules:
        import_or_skip(module, in_ci=in_ci)
    done = run_child(
        f"import runpy; runpy.run_path({str(Path('examples/integrations') / example)!r},"
        " run_name='__main__')",
        {
            "AIMSITE_SERVER": server.url,
            "AIMSITE_TOKEN": token,
            "HF_HUB_OFFLINE": "1",
        },
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    run_hash = done.stdout.split("run ")[-1].split()[0]
    result = arrived(run_hash)
    assert result.status == "finished"
    assert result.run["experiment"].endswith("-example")
    assert result.series or result.objects()
