"""The distilabel side of ``tests/bench/whole_tool_bench.py``: run in the bench's own venv (distilabel
1.5.3 and openai; ``tests/bench/distilabel_env.sh``), never imported by the studio or its tests.

The same dialogues as a distilabel ``Pipeline``: one row per dialogue; the teacher's opening, then
student and teacher turns one after another, each a ``TextGeneration`` step with ``OpenAILLM`` at the
same loopback server, each turn's prompt carrying the one before (so every row's calls run one after
another, as a dialogue's do); ``input_batch_size`` is the studio's concurrency. Prints one JSON line:
calls made and the seconds ``pipeline.run()`` took.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from distilabel.models import OpenAILLM
from distilabel.pipeline import Pipeline
from distilabel.steps import LoadDataFromDicts
from distilabel.steps.tasks import TextGeneration

TEACHER = ("你是一位英文口语老师，正在和中国高中生练习英语口语。[主题介绍]\n{topic}\n[对话历史]\n{{{{ previous }}}}\n"
           "请以JSON格式回答，包含Reply、Suggestion、Analysis。")
STUDENT = "请扮演一个中国高中水平的英语学生，回答老师的问题。[主题]\n{topic}\n[对话]\nteacher: {{{{ previous }}}}\nstudent:"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--chains", required=True, help="calls per dialogue, as the studio made them (JSON list)")
    args = parser.parse_args()
    chains = json.loads(args.chains)
    turns = max(1, round(statistics.mean(chains)))
    rows = [{"previous": "", "topic": f"两位同学讨论第{i}个周末计划，聊起各自的安排。"} for i in range(len(chains))]
    with Pipeline(name="kouyu-dialogues") as pipeline:
        step = LoadDataFromDicts(data=rows, batch_size=args.concurrency)
        for t in range(turns):
            template = (TEACHER if t % 2 == 0 else STUDENT).format(topic="{{ topic }}")
            generate = TextGeneration(
                name=f"turn_{t}", llm=OpenAILLM(model="sim", base_url=args.base, api_key="bench", max_retries=0),
                template=template, columns=["previous", "topic"], input_batch_size=args.concurrency,
                input_mappings={"previous": "previous" if t == 0 else f"turn_{t - 1}"},
                output_mappings={"generation": f"turn_{t}"})
            step >> generate
            step = generate
    start = time.perf_counter()
    distiset = pipeline.run(use_cache=False)
    elapsed = time.perf_counter() - start
    made = sum(len(split) for split in distiset["default"].values()) if distiset else 0
    print(json.dumps({"calls": made * turns, "rows": made, "turns": turns, "run_s": elapsed}))


if __name__ == "__main__":
    main()
