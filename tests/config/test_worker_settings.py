"""Celery settings a deployment relies on: a worker child is replaced once a task left it big
(a 140,000-row ledger import kept a child at 1 GB), and the limit follows the environment."""

import os
import subprocess
import sys
from pathlib import Path

from config.celery import app

ROOT = Path(__file__).resolve().parents[2]
READ = "from config.celery import app; print(app.conf.worker_max_memory_per_child)"


def test_worker_children_are_replaced_above_512_mib_by_default():
    assert app.conf.worker_max_memory_per_child == 512 * 1024  # KiB


def test_the_memory_limit_is_read_from_the_environment_and_zero_turns_it_off(tmp_path):
    def read(value):
        env = {**os.environ, "GONGKAI_WORKER_MAX_MEMORY_KB": value, "GONGKAI_VAR_DIR": str(tmp_path),
               "DJANGO_SETTINGS_MODULE": "config.settings"}
        return subprocess.run([sys.executable, "-c", READ], cwd=ROOT, env=env, capture_output=True, text=True,
                              check=True, timeout=60).stdout.strip()

    assert read("200000") == "200000"
    assert read("0") == "None"
