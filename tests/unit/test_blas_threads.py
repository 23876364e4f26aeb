"""Every studio process computes on one BLAS thread, not only the test workers: numpy's default
pool, sized to every core, spins under load (studio.semantic.threads)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: OpenBLAS has one thread anyway")
def test_the_cli_process_pins_numpys_blas_to_one_thread() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    code = ("import numpy, threadpoolctl;"
            "before = [i['num_threads'] for i in threadpoolctl.threadpool_info() if i['user_api'] == 'blas'];"
            "import studio.cli; from studio.semantic.threads import blas_pool_sizes;"
            "print(max(before), blas_pool_sizes())")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    default, pinned = out.split(" ", 1)
    assert int(default) > 1  # what numpy would have used
    assert pinned.strip() == "[1]"


def test_studio_blas_threads_sets_another_limit() -> None:
    env = {**os.environ, "STUDIO_BLAS_THREADS": "2"}
    env.pop("OPENBLAS_NUM_THREADS", None)
    code = "import studio.semantic; from studio.semantic.threads import blas_pool_sizes; print(blas_pool_sizes())"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[2]"
