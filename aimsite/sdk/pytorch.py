"""PyTorch: `track_params_dists` and `track_gradients_dists`, as `aim.pytorch`.

    track_params_dists(model, run)       # after a step, say once an epoch
    track_gradients_dists(model, run)    # after backward(), before zero_grad()

Each leaf module with a weight or a bias gets a distribution series named after its
path and class (`encoder__0.Linear`), with the context `{"type": "data" or
"gradients", "params": "weights" or "biases"}`, at the series' next step. Needs
torch only in the caller's hands: this module imports nothing of it.
"""

from __future__ import annotations

from aimsite.sdk.objects import Distribution

_CONTEXT_TYPE = {"data": "data", "grad": "gradients"}


def track_params_dists(model, run) -> None:
    """Track the distribution of every layer's weights and biases."""
    _track_layers(model, run, "data")


def track_gradients_dists(model, run) -> None:
    """Track the distribution of every layer's weight and bias gradients."""
    _track_layers(model, run, "grad")


def _track_layers(model, run, attribute: str) -> None:
    for name, tensors in get_model_layers(model, attribute).items():
        for key, params in (("weight", "weights"), ("bias", "biases")):
            if key in tensors:
                run.track(
                    Distribution(tensors[key]),
                    name=name,
                    context={"type": _CONTEXT_TYPE[attribute], "params": params},
                )


def get_model_layers(model, attribute: str, parent_name: str | None = None) -> dict:
    """{layer name: {"weight": array, "bias": array}} of `model`'s leaf modules,
    reading `attribute` ("data" or "grad") of each parameter; a parameter without
    it (no gradient yet) is left out."""
    layers: dict = {}
    for name, module in model.named_children():
        layer_name = f"{parent_name}__{name}" if parent_name else name
        layer_name += f".{type(module).__name__}"
        if any(True for _ in module.named_children()):
            layers.update(get_model_layers(module, attribute, layer_name))
            continue
        layers[layer_name] = {}
        for key in ("weight", "bias"):
            parameter = getattr(module, key, None)
            tensor = (
                getattr(parameter, attribute, None) if parameter is not None else None
            )
            if tensor is not None:
                layers[layer_name][key] = tensor.detach().cpu().numpy()
    return layers
