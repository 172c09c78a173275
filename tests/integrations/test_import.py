"""Integrations import their framework only when they themselves are imported, and
a missing framework is an ImportError that says what to install. No framework is
needed to run these."""

import ast
import json
from pathlib import Path

import pytest

import aimsite.sdk
from tests.helpers.children import run_child

SDK = Path(aimsite.sdk.__file__).parent

# integration module → (a module of its framework, the pip package named)
INTEGRATIONS = {
    "pytorch_lightning": ("lightning", "lightning (or pytorch-lightning)"),
    "hugging_face": ("transformers", "transformers"),
    "keras": ("keras", "keras"),
    "tensorflow": ("tensorflow", "tensorflow"),
    "pytorch_ignite": ("ignite", "pytorch-ignite"),
    "xgboost": ("xgboost", "xgboost"),
    "lightgbm": ("lightgbm", "lightgbm"),
    "catboost": ("catboost", "catboost"),
    "optuna": ("optuna", "optuna"),
    "fastai": ("fastai", "fastai"),
    "sb3": ("stable_baselines3", "stable-baselines3"),
}
FRAMEWORKS = sorted(
    {framework for framework, _ in INTEGRATIONS.values()}
    | {"torch", "pytorch_lightning", "jax"}
)


def test_importing_the_sdk_and_its_shared_integration_code_loads_no_framework():
    done = run_child(
        f"""
        import json, sys
        import aimsite.sdk, aimsite.sdk.integration, aimsite.sdk.keras_mixins
        import aimsite.sdk.pytorch  # needs torch only in the caller's hands
        loaded = [name for name in {FRAMEWORKS!r} if name in sys.modules]
        print(json.dumps(loaded))
        """,
        env={},
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


@pytest.mark.parametrize("integration", sorted(INTEGRATIONS))
def test_an_integration_without_its_framework_says_which_package_to_install(
    integration,
):
    framework, package = INTEGRATIONS[integration]
    blocked = [framework]
    if integration == "pytorch_lightning":
        blocked.append("pytorch_lightning")
    # A None in sys.modules is how Python itself marks a module as unimportable.
    done = run_child(
        f"""
        import sys
        for name in {blocked!r}:
            sys.modules[name] = None
        try:
            import aimsite.sdk.{integration}
        except ImportError as error:
            print(type(error).__name__, error)
        else:
            print("imported")
        """,
        env={},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ImportError"), done.stdout
    assert f"aimsite.sdk.{integration} needs {package}" in done.stdout
    assert f"pip install {package}" in done.stdout


def test_every_integration_module_is_listed_and_nothing_else_imports_one():
    modules = {path.stem for path in SDK.glob("*.py")}
    assert set(INTEGRATIONS) | {"pytorch"} <= modules
    shared = {"integration", "keras_mixins", "run", "objects"}
    for path in SDK.glob("*.py"):
        tree = ast.parse(path.read_text())
        imported = {
            node.module.split(".")[2]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            and (node.module or "").startswith("aimsite.sdk.")
        }
        if path.stem in INTEGRATIONS or path.stem == "pytorch":
            assert imported <= shared, (path.stem, imported)
        else:
            assert not imported & (set(INTEGRATIONS) | {"pytorch"}), path.stem
