"""Stable-Baselines3 PPO on CartPole logging to aimsite
(Aim's `from aim.sb3 import AimCallback`).

    export AIMSITE_SERVER=http://127.0.0.1:43800 AIMSITE_TOKEN=$(aimsite createtoken alice)
    pip install stable-baselines3 gymnasium
    python examples/integrations/sb3_example.py
"""

import gymnasium
from stable_baselines3 import PPO

from aimsite.sdk.sb3 import AimCallback

model = PPO("MlpPolicy", gymnasium.make("CartPole-v1"), n_steps=128, seed=0)
aim_callback = AimCallback(experiment_name="sb3-example")  # server/token from the env
model.learn(total_timesteps=512, callback=aim_callback)
print(f"run {aim_callback.run_hash}")
