import runpy

import numpy as np
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
    # Train accuracy rises above chance (it was always 0: issue 17, bug 4).
    train_accuracy = MetricSeries.objects.get(
        run=run, name="accuracy", context={"subset": "train"}
    )
    assert train_accuracy.count > 50 and train_accuracy.max > 0.3
    assert train_accuracy.last > train_accuracy.first
    kinds = set(ObjectSequence.objects.filter(run=run).values_list("kind", flat=True))
    assert kinds == {"image", "figure", "distribution", "text"}
    assert run.log_lines.filter(text__startswith="epoch 0: val loss").exists()


def test_a_training_step_reports_the_batch_accuracy_and_learns():
    example = runpy.run_path("examples/train_mnist_like.py")
    rng = np.random.default_rng(0)
    images, labels = example["make_dataset"](2000, rng)
    side, classes = example["SIDE"], example["CLASSES"]
    weights = np.zeros((side * side, classes))
    bias = np.zeros(classes)
    accuracies, losses = [], []
    for _ in range(3):
        for start in range(0, 2000, 100):
            batch = slice(start, start + 100)
            loss, accuracy = example["train_step"](
                weights, bias, images[batch], labels[batch], 0.5
            )
            accuracies.append(accuracy)
            losses.append(loss)
    # Before any update the weights are all zero: every class ties, argmax says 0.
    assert accuracies[0] == pytest.approx((labels[:100] == 0).mean())
    assert max(accuracies[-10:]) > 0.5 and losses[-1] < losses[0]
    _, expected, _ = example["evaluate"](weights, bias, images, labels)
    assert expected > 0.5
