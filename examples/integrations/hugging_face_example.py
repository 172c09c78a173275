"""A Hugging Face Trainer logging to aimsite
(Aim's `from aim.hugging_face import AimCallback`).

A tiny BERT is built from a config, so nothing is downloaded.

    export AIMSITE_SERVER=http://127.0.0.1:43800 AIMSITE_TOKEN=$(aimsite createtoken alice)
    pip install transformers accelerate torch
    python examples/integrations/hugging_face_example.py
"""

import tempfile

import torch
import transformers

from aimsite.sdk.hugging_face import AimCallback

torch.manual_seed(0)
config = transformers.BertConfig(
    vocab_size=100,
    hidden_size=32,
    num_hidden_layers=2,
    num_attention_heads=2,
    intermediate_size=64,
    num_labels=2,
)
tokens = torch.randint(0, 100, (128, 16))
examples = [{"input_ids": row, "labels": int(row[0] > 50)} for row in tokens]

aim_callback = AimCallback(experiment="hf-example")  # server/token from the env
with tempfile.TemporaryDirectory() as output_dir:
    trainer = transformers.Trainer(
        model=transformers.BertForSequenceClassification(config),
        args=transformers.TrainingArguments(
            output_dir=output_dir,
            num_train_epochs=2,
            per_device_train_batch_size=16,
            logging_steps=2,
            eval_strategy="epoch",
            save_strategy="no",
            report_to=[],
            use_cpu=True,
        ),
        train_dataset=examples[:96],
        eval_dataset=examples[96:],
        callbacks=[aim_callback],
    )
    trainer.train()
print(f"run {aim_callback.run_hash}")
