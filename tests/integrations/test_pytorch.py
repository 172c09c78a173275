"""`aimsite.sdk.pytorch`: weight and gradient distributions of a real torch model."""

import pytest

from aimsite.sdk import Run
from tests.helpers.optional import import_or_skip

pytestmark = pytest.mark.django_db(transaction=True)


def test_params_and_gradients_dists_arrive_per_layer_with_aims_contexts(
    connection, arrived, quiet
):
    torch = import_or_skip("torch")
    from aimsite.sdk.pytorch import track_gradients_dists, track_params_dists

    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(4, 8),
        torch.nn.ReLU(),
        torch.nn.Sequential(torch.nn.Linear(8, 1, bias=False)),
    )
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    features = torch.randn(32, 4)
    target = features.sum(dim=1, keepdim=True)

    run = Run(experiment="torch-test", **connection, **quiet)
    for _epoch in range(3):
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(features), target)
        loss.backward()
        track_gradients_dists(model, run)
        optimizer.step()
        track_params_dists(model, run)
        run.track(loss.item(), name="loss")
    run.close()

    result = arrived(run.hash)
    assert result.status == "finished"
    sequences = {
        (item["name"], tuple(sorted(item["context"].items())), item["count"])
        for item in result.objects()
    }
    expected = set()
    for kind in ("data", "gradients"):
        expected |= {
            ("0.Linear", (("params", "weights"), ("type", kind)), 3),
            ("0.Linear", (("params", "biases"), ("type", kind)), 3),
            ("2.Sequential__0.Linear", (("params", "weights"), ("type", kind)), 3),
        }
    assert sequences == expected
    assert all(item["kind"] == "distribution" for item in result.objects())
