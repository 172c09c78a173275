import pytest

from media_tracks.models import ObjectSequence
from runs.models import MetricSeries
from runs.models import Run as RunModel
from tests.helpers.children import run_child

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_example_training_script_logs_a_complete_run(server, token):
    done = run_child(
        "import runpy, sys; sys.argv = ['train_mnist_like.py', '--epochs', '1'];"
        " runpy.run_path('examples/train_mnist_like.py', run_name='__main__')",
        {"AIMSITE_SERVER": server.url, "AIMSITE_TOKEN": token},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    run = RunModel.objects.get(hash=done.stdout.split("run ")[-1].split()[0])
    assert run.status == "finished" and run.params["hparams"]["optimizer"] == "sgd"
    assert {
        (s.name, s.context.get("subset")) for s in MetricSeries.objects.filter(run=run)
    } >= {
        ("loss", "train"),
        ("loss", "val"),
        ("accuracy", "train"),
        ("accuracy", "val"),
    }
    kinds = set(ObjectSequence.objects.filter(run=run).values_list("kind", flat=True))
    assert kinds == {"image", "figure", "distribution", "text"}
    assert run.log_lines.filter(text__startswith="epoch 0: val loss").exists()
