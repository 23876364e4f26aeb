"""Fine-tune jobs: the local TRL worker, LLaMA-Factory, Qianfan and OpenAI back-ends, sweeps."""
