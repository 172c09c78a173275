"""A small real training loop logged to aimsite, the way an Aim user would.

A softmax classifier trained with mini-batch gradient descent in numpy on
synthetic 8x8 "digits" (each class a noisy blurred template), so nothing is
downloaded. It logs hparams, train/val loss and accuracy, sample images with
their predictions, a Plotly figure and weight distributions.

    aimsite up                                   # in another terminal
    export AIMSITE_TOKEN=$(aimsite createtoken alice)
    python examples/train_mnist_like.py --epochs 5

Switching from Aim: change `from aim import Run, Image, Figure, Distribution` to
`from aimsite.sdk import ...`; the rest of the script stays as it is.
"""

import argparse

import numpy as np
import plotly.graph_objects as go

from aimsite.sdk import Distribution, Figure, Image, Run, Text

CLASSES = 10
SIDE = 8


def make_dataset(
    samples: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    templates = rng.random((CLASSES, SIDE, SIDE)) > 0.6
    labels = rng.integers(0, CLASSES, samples)
    images = templates[labels].astype(np.float64)
    images += rng.normal(0, 1.2, images.shape)
    images = np.clip(images, 0, 1)
    return images, labels


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def evaluate(weights, bias, images, labels) -> tuple[float, float, np.ndarray]:
    probabilities = softmax(images.reshape(len(images), -1) @ weights + bias)
    loss = -np.log(probabilities[np.arange(len(labels)), labels] + 1e-12).mean()
    predictions = probabilities.argmax(axis=1)
    return float(loss), float((predictions == labels).mean()), predictions


def train_step(weights, bias, images, labels, lr: float) -> tuple[float, float]:
    """One step of gradient descent on a batch, updating weights and bias in
    place; returns the batch's loss and accuracy before the update."""
    x = images.reshape(len(images), -1)
    probabilities = softmax(x @ weights + bias)
    rows = np.arange(len(labels))
    loss = -np.log(probabilities[rows, labels] + 1e-12).mean()
    accuracy = (probabilities.argmax(axis=1) == labels).mean()
    # The gradient of the loss over the logits: a copy, since subtracting the
    # one-hot labels in place would change the probabilities read above.
    gradient = probabilities.copy()
    gradient[rows, labels] -= 1
    gradient /= len(labels)
    weights -= lr * x.T @ gradient
    bias -= lr * gradient.sum(axis=0)
    return float(loss), float(accuracy)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--experiment", default="mnist-like")
    parser.add_argument(
        "--server",
        default=None,
        help="default: AIMSITE_SERVER or http://127.0.0.1:43800",
    )
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    images, labels = make_dataset(6000, rng)
    train_x, train_y = images[:5000], labels[:5000]
    val_x, val_y = images[5000:], labels[5000:]
    weights = rng.normal(0, 0.01, (SIDE * SIDE, CLASSES))
    bias = np.zeros(CLASSES)

    run = Run(
        experiment=args.experiment, server=args.server, system_tracking_interval=2
    )
    run["hparams"] = {
        "lr": args.lr,
        "batch_size": args.batch_size,
        "epochs": args.epochs,
        "optimizer": "sgd",
    }
    run["dataset"] = {
        "name": "synthetic-digits",
        "train": len(train_x),
        "val": len(val_x),
    }
    run.add_tag("numpy")
    run.add_tag("example")

    step = 0
    for epoch in range(args.epochs):
        order = rng.permutation(len(train_x))
        for start in range(0, len(order), args.batch_size):
            batch = order[start : start + args.batch_size]
            loss, accuracy = train_step(
                weights, bias, train_x[batch], train_y[batch], args.lr
            )
            run.track(
                {"loss": loss, "accuracy": accuracy},
                step=step,
                epoch=epoch,
                context={"subset": "train"},
            )
            step += 1

        val_loss, val_accuracy, predictions = evaluate(weights, bias, val_x, val_y)
        run.track(
            val_loss, name="loss", step=step, epoch=epoch, context={"subset": "val"}
        )
        run.track(
            val_accuracy,
            name="accuracy",
            step=step,
            epoch=epoch,
            context={"subset": "val"},
        )
        run.track(
            [
                Image(val_x[i], caption=f"label {val_y[i]}, predicted {predictions[i]}")
                for i in range(8)
            ],
            name="val_samples",
            step=epoch,
            epoch=epoch,
        )
        run.track(Distribution(weights), name="weights", step=epoch, epoch=epoch)
        run.track(
            Text(
                f"epoch {epoch}: val loss {val_loss:.4f}, accuracy {val_accuracy:.3f}"
            ),
            name="summary",
            step=epoch,
        )
        print(
            f"epoch {epoch}: val loss {val_loss:.4f}  val accuracy {val_accuracy:.3f}"
        )

    confusion = np.zeros((CLASSES, CLASSES), int)
    np.add.at(confusion, (val_y, predictions), 1)
    figure = go.Figure(
        go.Heatmap(z=confusion, x=list(range(CLASSES)), y=list(range(CLASSES)))
    )
    figure.update_layout(
        title="Validation confusion matrix", xaxis_title="predicted", yaxis_title="true"
    )
    run.track(Figure(figure), name="confusion_matrix", step=args.epochs - 1)
    run.close()
    print(f"run {run.hash} logged to {run.server}")


if __name__ == "__main__":
    main()
