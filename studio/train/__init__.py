"""Fine-tune jobs: specs, back-ends (local TRL worker, LLaMA-Factory, Qianfan, OpenAI), the queue and sweeps."""
