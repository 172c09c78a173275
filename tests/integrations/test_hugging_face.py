"""`aimsite.sdk.hugging_face.AimCallback` with a real Transformers Trainer.

A tiny BERT is built from a config (no download: HF_HUB_OFFLINE=1) and trained for
two epochs on random token ids.
"""

import pytest

from tests.helpers.optional import import_or_skip

pytestmark = pytest.mark.django_db(transaction=True)


def test_trainer_logs_args_model_config_losses_by_subset_and_finishes(
    connection, arrived, tmp_path, monkeypatch
):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    torch = import_or_skip("torch")
    transformers = import_or_skip("transformers")
    import_or_skip("accelerate")
    from aimsite.sdk.hugging_face import AimCallback

    torch.manual_seed(0)
    config = transformers.BertConfig(
        vocab_size=50,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=16,
        num_labels=2,
    )
    model = transformers.BertForSequenceClassification(config)
    tokens = torch.randint(0, 50, (32, 8), generator=torch.Generator().manual_seed(1))
    examples = [{"input_ids": row, "labels": int(row.sum() % 2)} for row in tokens]

    callback = AimCallback(
        experiment="hf-test",
        system_tracking_interval=None,
        log_system_params=False,
        capture_terminal_logs=False,
        **connection,
    )
    arguments = transformers.TrainingArguments(
        output_dir=str(tmp_path / "out"),
        num_train_epochs=2,
        per_device_train_batch_size=8,
        per_device_eval_batch_size=8,
        learning_rate=1e-3,
        logging_steps=1,
        eval_strategy="epoch",
        save_strategy="no",
        report_to=[],
        use_cpu=True,
        disable_tqdm=True,
    )
    trainer = transformers.Trainer(
        model=model,
        args=arguments,
        train_dataset=examples,
        eval_dataset=examples[:16],
        callbacks=[callback],
    )
    assert callback.run_hash  # the run opened with the Trainer
    trainer.train()

    result = arrived(callback.run_hash)
    assert result.status == "finished"
    assert result.run["experiment"] == "hf-test"
    assert result.params["hparams"]["learning_rate"] == 1e-3
    assert result.params["hparams"]["num_train_epochs"] == 2
    assert result.params["model"]["hidden_size"] == 16
    assert result.params["model"]["num_labels"] == 2
    names = result.names()
    assert ("loss", ()) in names and ("learning_rate", ()) in names
    assert ("loss", (("subset", "eval"),)) in names
    assert ("loss", (("subset", "train"),)) in names  # the Trainer's closing summary
    loss = result.points("loss")
    assert loss["steps"] == list(range(1, 9))  # 4 steps a epoch, logged every step
    assert loss["epochs"] == [0, 0, 0, 1, 1, 1, 1, 2]  # fractional epochs, floored
    evaluation = result.points("loss", subset="eval")
    assert evaluation["steps"] == [4, 8]


def test_log_keys_of_several_eval_datasets_split_into_name_and_contexts():
    import_or_skip("transformers")
    from aimsite.sdk.hugging_face import most_common_substring, split_log_name

    logs = ["eval_mnli_loss", "eval_mnli_accuracy", "eval_mnli_runtime", "epoch"]

    def common():
        return most_common_substring(logs)

    assert split_log_name("eval_mnli_accuracy", common) == (
        "accuracy",
        {"subset": "eval", "sub_dataset": "mnli"},
    )
    assert split_log_name("epoch", common) == ("epoch", {})
    single = ["eval_loss", "eval_samples_per_second", "eval_runtime"]
    assert split_log_name(
        "eval_samples_per_second", lambda: most_common_substring(single)
    ) == ("samples_per_second", {"subset": "eval"})
