"""A multi-GPU LLaMA-Factory job launches as LLaMA-Factory documents it, with the ZeRO config it ships.

examples/README.md (hiyouga/LLaMA-Factory @ ff6d4d12eeb035d6ce06805a5733dd7b29f2ac30):
    FORCE_TORCHRUN=1 NNODES=2 NODE_RANK=0 MASTER_ADDR=192.168.0.1 MASTER_PORT=29500 llamafactory-cli train <yaml>
    FORCE_TORCHRUN=1 llamafactory-cli train examples/train_lora/qwen3_lora_sft_ds3.yaml
and that YAML carries ``deepspeed: examples/deepspeed/ds_z3_config.json`` and ``bf16: true``;
src/llamafactory/launcher.py reads FORCE_TORCHRUN, NNODES, NODE_RANK, NPROC_PER_NODE, MASTER_ADDR, MASTER_PORT.
No GPU, no torch: only what the studio hands to ``llamafactory-cli``.
"""

from __future__ import annotations

import json

import pytest
import yaml

from studio.domain import Job
from studio.train.distributed import launch_options, write_deepspeed
from studio.train.files import JobDir
from studio.train.process import LlamaFactoryBackend
from studio.train.spec import Hyper, Lora

# hiyouga/LLaMA-Factory @ ff6d4d12eeb035d6ce06805a5733dd7b29f2ac30, examples/deepspeed/*.json, verbatim.
FP16 = {"enabled": "auto", "loss_scale": 0, "loss_scale_window": 1000, "initial_scale_power": 16,
        "hysteresis": 2, "min_loss_scale": 1}
HEAD = {"train_batch_size": "auto", "train_micro_batch_size_per_gpu": "auto",
        "gradient_accumulation_steps": "auto", "gradient_clipping": "auto",
        "zero_allow_untested_optimizer": True, "fp16": FP16, "bf16": {"enabled": "auto"}}
DS_Z0 = {**HEAD, "zero_optimization": {
    "stage": 0, "allgather_partitions": True, "allgather_bucket_size": 5e8, "overlap_comm": False,
    "reduce_scatter": True, "reduce_bucket_size": 5e8, "contiguous_gradients": True, "round_robin_gradients": True}}
DS_Z2 = {**HEAD, "zero_optimization": {
    "stage": 2, "allgather_partitions": True, "allgather_bucket_size": 5e8, "overlap_comm": False,
    "reduce_scatter": True, "reduce_bucket_size": 5e8, "contiguous_gradients": True, "round_robin_gradients": True}}
DS_Z2_OFFLOAD = {**HEAD, "zero_optimization": {
    "stage": 2, "offload_optimizer": {"device": "cpu", "pin_memory": True},
    "allgather_partitions": True, "allgather_bucket_size": 5e8, "overlap_comm": False,
    "reduce_scatter": True, "reduce_bucket_size": 5e8, "contiguous_gradients": True, "round_robin_gradients": True}}
DS_Z3 = {**HEAD, "zero_optimization": {
    "stage": 3, "overlap_comm": False, "contiguous_gradients": True, "sub_group_size": 1e9,
    "reduce_bucket_size": "auto", "stage3_prefetch_bucket_size": "auto",
    "stage3_param_persistence_threshold": "auto", "stage3_max_live_parameters": 1e9,
    "stage3_max_reuse_distance": 1e9, "stage3_gather_16bit_weights_on_model_save": True}}
DS_Z3_OFFLOAD = {**HEAD, "zero_optimization": {
    "stage": 3, "offload_optimizer": {"device": "cpu", "pin_memory": True},
    "offload_param": {"device": "cpu", "pin_memory": True},
    "overlap_comm": False, "contiguous_gradients": True, "sub_group_size": 1e9,
    "reduce_bucket_size": "auto", "stage3_prefetch_bucket_size": "auto",
    "stage3_param_persistence_threshold": "auto", "stage3_max_live_parameters": 1e9,
    "stage3_max_reuse_distance": 1e9, "stage3_gather_16bit_weights_on_model_save": True}}

ROWS = [{"messages": [{"role": "user", "content": "你好"}, {"role": "assistant", "content": '{"Reply": "Hi"}'}]}]
TORCHRUN = {"FORCE_TORCHRUN", "NNODES", "NODE_RANK", "NPROC_PER_NODE", "MASTER_ADDR", "MASTER_PORT"}


def prepared(tmp_path, options: dict[str, str]):
    job = Job(backend="llamafactory", base_model="Qwen/Qwen2-0.5B", method="lora", hyper=Hyper().model_dump(),
              lora=Lora().model_dump(), options=options)
    folder = JobDir(tmp_path / job.id)
    backend = LlamaFactoryBackend()
    backend.prepare(job, folder, ROWS, [])
    env = backend.environment(job, folder)
    cfg = yaml.safe_load((folder.root / "job.yaml").read_text(encoding="utf-8"))
    return backend.command(job, folder), env, cfg, folder


@pytest.mark.parametrize(("zero", "shipped"), [(None, None), (0, DS_Z0), (2, DS_Z2), (3, DS_Z3)])
def test_one_gpu(tmp_path, zero, shipped) -> None:
    command, env, cfg, folder = prepared(tmp_path, launch_options(1, zero=zero))
    assert command == ["llamafactory-cli", "train", str(folder.root / "job.yaml")]
    assert cfg["bf16"] is True
    if zero is None:  # a plain process: LLaMA-Factory's default single-device run
        assert not env.keys() & TORCHRUN and "deepspeed" not in cfg
    else:  # DeepSpeed runs under torchrun, as every DeepSpeed example is launched
        assert {k: env[k] for k in env.keys() & TORCHRUN} == {"FORCE_TORCHRUN": "1", "NPROC_PER_NODE": "1"}
        assert json.loads((folder.root / "ds_config.json").read_text()) == shipped
        assert cfg["deepspeed"] == str(folder.root / "ds_config.json")


@pytest.mark.parametrize("gpus", [2, 8])
def test_one_node_many_gpus_with_zero3(tmp_path, gpus) -> None:
    command, env, cfg, folder = prepared(tmp_path, launch_options(gpus, zero=3))
    assert command == ["llamafactory-cli", "train", str(folder.root / "job.yaml")]
    assert {k: env[k] for k in env.keys() & TORCHRUN} == {"FORCE_TORCHRUN": "1", "NPROC_PER_NODE": str(gpus)}
    assert cfg["bf16"] is True and cfg["finetuning_type"] == "lora"
    ds = folder.root / "ds_config.json"
    assert cfg["deepspeed"] == str(ds) and ds.is_file()
    assert json.loads(ds.read_text()) == DS_Z3


@pytest.mark.parametrize("rank", [0, 1])
def test_two_nodes_as_examples_readme_launches_them(tmp_path, rank) -> None:
    options = launch_options(8, nodes=2, node_rank=rank, master_addr="192.168.0.1", zero=2)
    command, env, cfg, folder = prepared(tmp_path, options)
    assert command[-2:] == ["train", str(folder.root / "job.yaml")]
    assert {k: env[k] for k in env.keys() & TORCHRUN} == {
        "FORCE_TORCHRUN": "1", "NNODES": "2", "NODE_RANK": str(rank), "NPROC_PER_NODE": "8",
        "MASTER_ADDR": "192.168.0.1", "MASTER_PORT": "29500"}
    assert json.loads((folder.root / "ds_config.json").read_text()) == DS_Z2
    assert cfg["deepspeed"] == str(folder.root / "ds_config.json") and cfg["bf16"] is True


def test_offload_and_a_given_deepspeed_path(tmp_path) -> None:
    _, _, cfg, folder = prepared(tmp_path, launch_options(4, zero=3, offload=True))
    assert json.loads((folder.root / "ds_config.json").read_text()) == DS_Z3_OFFLOAD
    assert json.loads(write_deepspeed(tmp_path / "z2", 2, offload=True).read_text()) == DS_Z2_OFFLOAD
    mine = tmp_path / "mine.json"
    _, _, cfg, folder = prepared(tmp_path, {**launch_options(2, zero=3), "deepspeed": str(mine)})
    assert cfg["deepspeed"] == str(mine) and not (folder.root / "ds_config.json").exists()


def test_bf16_only_on_gpu_runs_and_can_be_turned_off(tmp_path) -> None:
    assert "bf16" not in prepared(tmp_path, {})[2], "a CPU run (no GPU options) keeps LLaMA-Factory's default"
    assert "bf16" not in prepared(tmp_path, {**launch_options(2), "bf16": "false"})[2]
    assert prepared(tmp_path, {"nproc_per_node": "2"})[2]["bf16"] is True


def test_errors_name_what_is_wrong(tmp_path) -> None:
    with pytest.raises(ValueError, match=r"stage 7 .*known: 0, 2, 3"):
        write_deepspeed(tmp_path, 7)
    with pytest.raises(ValueError, match=r"stage 0 .*known: 2, 3"):
        write_deepspeed(tmp_path, 0, offload=True)
    with pytest.raises(ValueError, match="stage '7'"):
        prepared(tmp_path, {"nproc_per_node": "2", "zero": "7"})
    with pytest.raises(ValueError, match="stage 7"):
        launch_options(2, zero=7)
    with pytest.raises(ValueError, match="gpus: at least 1, got 0"):
        launch_options(0)
    with pytest.raises(ValueError, match="nodes: at least 1, got 0"):
        launch_options(1, nodes=0)
    with pytest.raises(ValueError, match="master_addr"):
        launch_options(8, nodes=2)
    with pytest.raises(ValueError, match="node_rank"):
        launch_options(8, nodes=2, node_rank=2, master_addr="10.0.0.1")
