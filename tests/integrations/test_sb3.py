"""`aimsite.sdk.sb3.AimCallback` with real Stable-Baselines3 PPO on CartPole."""

import pytest

from tests.helpers.optional import import_or_skip

pytestmark = pytest.mark.django_db(transaction=True)


def test_ppo_learning_logs_algo_params_and_logger_values_and_finishes(
    connection, arrived
):
    import_or_skip("torch")
    gymnasium = import_or_skip("gymnasium")
    sb3 = import_or_skip("stable_baselines3")
    from aimsite.sdk.sb3 import AimCallback

    environment = gymnasium.make("CartPole-v1")
    model = sb3.PPO(
        "MlpPolicy", environment, n_steps=64, batch_size=32, n_epochs=2, seed=0
    )
    callback = AimCallback(
        experiment_name="sb3-test",
        system_tracking_interval=None,
        log_system_params=False,
        capture_terminal_logs=False,
        **connection,
    )
    model.learn(total_timesteps=192, callback=callback)

    result = arrived(callback.run_hash)
    assert result.status == "finished"
    assert result.params["algo"] == "PPO"
    assert result.params["n_steps"] == 64
    assert result.params["learning_rate"] == 0.0003
    names = result.names()
    assert ("loss", (("subset", "train"),)) in names
    assert ("fps", (("tag", "time"),)) in names
    # One logger dump per rollout of 64 steps after the first: timesteps 128, 192.
    assert result.points("loss", subset="train")["steps"] == [128, 192]
