"""Hugging Face Transformers: `AimCallback`, as `aim.hugging_face.AimCallback`.

    trainer = Trainer(..., callbacks=[AimCallback(experiment="bert")])

The run opens when the Trainer is built; training arguments go to `hparams.<name>`
and the model's config to `model`. Every number the Trainer logs is tracked at the
global step, with the epoch (floored: the Trainer reports fractions); a `train_`,
`eval_` or `test_` prefix becomes `{"subset": ...}`, and a dataset name shared by
the keys after that prefix (`eval_mnli_accuracy`) becomes `{"sub_dataset": ...}`,
as Aim does. The run closes when training ends.
"""

from __future__ import annotations

import functools
import logging
from collections import Counter
from collections.abc import Callable
from difflib import SequenceMatcher

from aimsite.sdk.integration import (
    RunOwner,
    as_step,
    import_framework,
    plain,
)

_callbacks = import_framework(
    "transformers.trainer_callback", "transformers", "hugging_face"
)

logger = logging.getLogger(__name__)

_PREFIXES = ("train_", "eval_", "test_")


def _is_number(value) -> bool:
    if isinstance(value, bool):
        return True
    if isinstance(value, int | float):
        return True
    return hasattr(value, "item") and getattr(value, "ndim", 1) == 0


def most_common_substring(names: list[str]) -> str:
    """The longest common substring found most often over all pairs of names,
    without a trailing underscore (how Aim finds a dataset name in the keys)."""
    counts: Counter[str] = Counter()
    for first_index, first in enumerate(names):
        for second in names[first_index + 1 :]:
            match = SequenceMatcher(None, first, second).find_longest_match(
                0, len(first), 0, len(second)
            )
            counts[first[match.a : match.a + match.size]] += 1
    if not counts:
        return ""
    # Counter keeps first-seen order among ties, as Aim's max() over a dict does.
    return max(counts, key=counts.__getitem__).rstrip("_")


def split_log_name(name: str, common: Callable[[], str]) -> tuple[str, dict]:
    """A Trainer log key → (metric name, context); `common()` gives the most common
    substring of the call's keys (computed once a call, and only when needed)."""
    for prefix in _PREFIXES:
        if not name.startswith(prefix):
            continue
        name = name[len(prefix) :]
        context = {"subset": prefix[:-1]}
        if "_" in name:
            dataset = common().split(prefix)[-1]
            if dataset and dataset != prefix[:-1]:
                name = name.split(dataset)[-1].lstrip("_")
                context["sub_dataset"] = dataset
        return name, context
    return name, {}


class AimCallback(RunOwner, _callbacks.TrainerCallback):
    """Logs a Trainer's training to an aimsite run (Aim's arguments, plus `server`
    and `token`, defaulting to AIMSITE_SERVER / AIMSITE_TOKEN)."""

    _warned_not_number = False

    def setup(self, args=None, state=None, model=None) -> None:
        if state is not None and not state.is_world_process_zero:
            return
        run = self._open_run()
        if args is not None:
            for key, value in args.to_sanitized_dict().items():
                run["hparams", key] = plain(value)
        if model is not None and getattr(model, "config", None) is not None:
            config = model.config.to_dict()
            config["num_labels"] = getattr(model, "num_labels", None)
            run["model"] = plain(config)

    def on_init_end(self, args, state, control, **kwargs):
        # Open the run with the Trainer, so a script can track more (load times,
        # say) into the same run before training starts.
        self.setup(state=state)

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        self.setup(args, state, model)

    def on_train_end(self, args, state, control, **kwargs):
        if state.is_world_process_zero:
            self.close()

    def on_log(self, args, state, control, model=None, logs=None, **kwargs):
        if not state.is_world_process_zero or not logs:
            return
        run = self._run if self._run is not None else self._open_run()
        common = functools.cache(lambda: most_common_substring(list(logs)))
        epoch = as_step(state.epoch)
        for key, value in logs.items():
            name, context = split_log_name(key, common)
            if not _is_number(value):
                if not self._warned_not_number:
                    self._warned_not_number = True
                    logger.warning(
                        "the Trainer logged %r (a %s) for %r, which is not a number; "
                        "such values are not tracked",
                        value,
                        type(value).__name__,
                        key,
                    )
                continue
            run.track(
                value, name=name, context=context, step=state.global_step, epoch=epoch
            )
