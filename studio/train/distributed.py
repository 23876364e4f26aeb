"""Multi-GPU LLaMA-Factory jobs: the DeepSpeed ZeRO configs it ships, and the launch options.

The configs are LLaMA-Factory's ``examples/deepspeed/ds_z{0,2,3}_config.json`` and
``ds_z{2,3}_offload_config.json`` as they stand in github.com/hiyouga/LLaMA-Factory at commit
ff6d4d12eeb035d6ce06805a5733dd7b29f2ac30, copied value for value.

Its launcher (``src/llamafactory/launcher.py``, same commit) runs ``torchrun`` when FORCE_TORCHRUN
is set (or more than one device is visible) and reads NNODES (1), NODE_RANK (0), NPROC_PER_NODE (the
device count), MASTER_ADDR (127.0.0.1) and MASTER_PORT (a free port); ``examples/README.md`` launches
each node with ``FORCE_TORCHRUN=1 NNODES=2 NODE_RANK=0 MASTER_ADDR=192.168.0.1 MASTER_PORT=29500
llamafactory-cli train <yaml>``, and a DeepSpeed run with ``deepspeed: <config.json>`` and
``bf16: true`` in the YAML (``examples/train_lora/qwen3_lora_sft_ds3.yaml``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

#: The job options the LLaMA-Factory back-end turns into the launcher's environment variables.
TORCHRUN_OPTIONS = ("nnodes", "node_rank", "nproc_per_node", "master_addr", "master_port")
#: The file a ``zero`` option writes into the job folder.
DS_CONFIG = "ds_config.json"
#: torchrun's default rendezvous port, and the one LLaMA-Factory's examples give every node.
MASTER_PORT = 29500

_FP16 = {"enabled": "auto", "loss_scale": 0, "loss_scale_window": 1000, "initial_scale_power": 16,
         "hysteresis": 2, "min_loss_scale": 1}
_OFFLOAD = {"device": "cpu", "pin_memory": True}


def _config(zero: dict[str, Any]) -> dict[str, Any]:
    return {"train_batch_size": "auto", "train_micro_batch_size_per_gpu": "auto",
            "gradient_accumulation_steps": "auto", "gradient_clipping": "auto",
            "zero_allow_untested_optimizer": True, "fp16": dict(_FP16), "bf16": {"enabled": "auto"},
            "zero_optimization": zero}


def _z2_tail() -> dict[str, Any]:
    return {"allgather_partitions": True, "allgather_bucket_size": 5e8, "overlap_comm": False,
            "reduce_scatter": True, "reduce_bucket_size": 5e8, "contiguous_gradients": True,
            "round_robin_gradients": True}


def _z3_tail() -> dict[str, Any]:
    return {"overlap_comm": False, "contiguous_gradients": True, "sub_group_size": 1e9,
            "reduce_bucket_size": "auto", "stage3_prefetch_bucket_size": "auto",
            "stage3_param_persistence_threshold": "auto", "stage3_max_live_parameters": 1e9,
            "stage3_max_reuse_distance": 1e9, "stage3_gather_16bit_weights_on_model_save": True}


#: ``examples/deepspeed/ds_z{stage}_config.json``, by stage.
ZERO: dict[int, dict[str, Any]] = {
    0: _config({"stage": 0, **_z2_tail()}),
    2: _config({"stage": 2, **_z2_tail()}),
    3: _config({"stage": 3, **_z3_tail()}),
}
#: ``examples/deepspeed/ds_z{stage}_offload_config.json``, by stage (upstream has none for stage 0).
ZERO_OFFLOAD: dict[int, dict[str, Any]] = {
    2: _config({"stage": 2, "offload_optimizer": dict(_OFFLOAD), **_z2_tail()}),
    3: _config({"stage": 3, "offload_optimizer": dict(_OFFLOAD), "offload_param": dict(_OFFLOAD),
                **_z3_tail()}),
}


def write_deepspeed(folder: Path, stage: int | str, offload: bool = False) -> Path:
    """Write LLaMA-Factory's ZeRO-``stage`` config (its CPU-offload variant with ``offload``) as
    ``folder/ds_config.json``; the stage may come as a job option's text ("3")."""
    configs = ZERO_OFFLOAD if offload else ZERO
    chosen = {str(k): v for k, v in configs.items()}.get(str(stage).strip())
    if chosen is None:
        kind = "ZeRO offload stage" if offload else "ZeRO stage"
        raise ValueError(f"zero: unknown {kind} {stage!r} (known: {', '.join(map(str, configs))})")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / DS_CONFIG
    path.write_text(json.dumps(chosen, indent=2) + "\n", encoding="utf-8")
    return path


def launch_options(gpus: int, nodes: int = 1, node_rank: int = 0, master_addr: str | None = None,
                   master_port: int | None = None, zero: int | None = None,
                   offload: bool = False) -> dict[str, str]:
    """Job options for a LLaMA-Factory run on ``gpus`` GPUs per node, on ``nodes`` machines.

    One GPU and no ZeRO: a plain process (no torchrun options). Otherwise ``nproc_per_node`` (the
    back-end then sets FORCE_TORCHRUN=1, as LLaMA-Factory's examples launch every DeepSpeed run);
    with several nodes also ``nnodes``, ``node_rank``, ``master_addr`` (required: the launcher's
    127.0.0.1 reaches no other machine) and ``master_port`` (29500 unless given: the launcher would
    pick a free port on each node, and they would not meet). Always ``bf16`` = "true" (GPU runs, as
    in LLaMA-Factory's example YAMLs); ``zero`` (and ``zero_offload``) when a ZeRO stage is asked for.
    """
    if gpus < 1:
        raise ValueError(f"gpus: at least 1, got {gpus}")
    if nodes < 1:
        raise ValueError(f"nodes: at least 1, got {nodes}")
    if not 0 <= node_rank < nodes:
        raise ValueError(f"node_rank: 0 to {nodes - 1} for {nodes} node(s), got {node_rank}")
    if zero is not None and zero not in (ZERO_OFFLOAD if offload else ZERO):
        raise ValueError(f"zero: unknown ZeRO stage {zero} (known: "
                         f"{', '.join(map(str, ZERO_OFFLOAD if offload else ZERO))})")
    options: dict[str, str] = {"bf16": "true"}
    if gpus > 1 or nodes > 1 or zero is not None or master_addr or master_port:
        options["nproc_per_node"] = str(gpus)
    if nodes > 1:
        if not master_addr:
            raise ValueError("master_addr: a multi-node run needs the address of the rank-0 node")
        options |= {"nnodes": str(nodes), "node_rank": str(node_rank)}
        master_port = master_port or MASTER_PORT
    if master_addr:
        options["master_addr"] = master_addr
    if master_port:
        options["master_port"] = str(master_port)
    if zero is not None:
        options["zero"] = str(zero)
        if offload:
            options["zero_offload"] = "true"
    return options
