"""Back-ends on a platform: Qianfan v2 fine-tuning (bce-auth-v1 signed) and OpenAI fine-tuning.

Both are polled: ``start`` creates the remote job, ``poll`` reads its state and loss points,
``cancel`` stops it. Base URLs come from the job's options, so tests point them at loopback servers.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import httpx

from studio.config import Secrets, scrub_secrets
from studio.domain import Job, JobStatus, MetricPoint
from studio.domain.messages import N_, Message
from studio.train.bce import signed_headers
from studio.train.data import Row, qianfan_lines, write_jsonl
from studio.train.files import JobDir, merge_points, metric_point, progress_of
from studio.train.process import Update
from studio.train.spec import SpecError

TIMEOUT = httpx.Timeout(60.0, connect=10.0)
T = TypeVar("T")

#: Per platform back-end: its own address per URL option, and the options that name key variables
#: (with the variable each falls back to). A key goes only to its platform's own hosts: a URL option
#: pointing elsewhere needs every key named explicitly for it.
PLATFORMS: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "openai": ({"base_url": "https://api.openai.com/v1"}, {"api_key_env": "OPENAI_API_KEY"}),
    "qianfan": ({"base_url": "https://qianfan.baidubce.com", "bos_endpoint": ""},
                {"access_key_env": "QIANFAN_ACCESS_KEY", "secret_key_env": "QIANFAN_SECRET_KEY"}),
}


def check_key_hosts(backend: str, options: dict[str, str]) -> None:
    """Refuse (one line) a URL option that would send a platform's default key to another host."""
    if backend not in PLATFORMS:
        return
    urls, keys = PLATFORMS[backend]
    moved = [name for name, own in urls.items() if options.get(name) and options[name].rstrip("/") != own]
    unnamed = [name for name in keys if not options.get(name)]
    if moved and unnamed:
        raise SpecError(Message("spec.key-host", N_(
            "option {option}={url}: {keys} go only to the platform's own address; to send a key to this host, "
            "name it explicitly: {fix}"), option=moved[0], url=options[moved[0]],
            keys=", ".join(keys[k] for k in unnamed), fix=" ".join(f"--option {k}=VARIABLE" for k in unnamed)))


def key_env(backend: str, options: dict[str, str], name: str) -> str:
    """The variable a platform key is read from (checked against the URL options first)."""
    check_key_hosts(backend, options)
    return options.get(name) or PLATFORMS[backend][1][name]


class RemoteError(RuntimeError):
    """The platform said no, or could not be reached; the message carries its code and words."""


#: The most a platform's response body may hold (job lists, events): a longer one is refused unread.
MAX_BODY_BYTES = 16 * 1024 * 1024


class _CappedBody(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, limit: int) -> None:
        self.inner, self.limit = inner, limit

    def __iter__(self) -> Iterator[bytes]:
        size = 0
        for piece in self.inner:
            size += len(piece)
            if size > self.limit:
                raise RemoteError(f"the platform's response body passed {self.limit} bytes; it is not read further")
            yield piece

    def close(self) -> None:
        self.inner.close()


class _CappedTransport(httpx.BaseTransport):
    """Every response body read under :data:`MAX_BODY_BYTES` (a platform, or something posing as one,
    cannot fill the memory)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        stream = response.stream
        assert isinstance(stream, httpx.SyncByteStream)
        return httpx.Response(response.status_code, headers=response.headers, request=request,
                              stream=_CappedBody(stream, MAX_BODY_BYTES), extensions=response.extensions)

    def close(self) -> None:
        self.inner.close()


def capped(transport: httpx.BaseTransport | None) -> httpx.BaseTransport:
    return _CappedTransport(transport or httpx.HTTPTransport())


def reachable(method: Callable[..., T]) -> Callable[..., T]:
    """A connection that fails (refused, DNS, timeout, TLS) becomes a RemoteError naming the host."""

    @functools.wraps(method)
    def wrapper(self: Any, job: Job, *args: Any) -> T:
        try:
            return method(self, job, *args)
        except httpx.HTTPError as exc:
            host = urlsplit(str(exc.request.url)).netloc if _has_request(exc) else "the platform"
            raise RemoteError(scrub_secrets(f"could not reach {host}: {type(exc).__name__}: {exc}".rstrip(": "))) from None

    return wrapper


def _has_request(exc: httpx.HTTPError) -> bool:
    try:
        exc.request  # noqa: B018 - raises RuntimeError when the error has no request
    except RuntimeError:
        return False
    return True


def _check(response: httpx.Response, what: str, *, body: bool = True) -> dict[str, Any]:
    if response.status_code >= 400:
        code = response.headers.get("X-Bce-Error-Code", "")
        try:
            payload = response.json()
            found = payload if isinstance(payload, dict) else {}
            inner = found.get("error")
            error: dict[str, Any] = inner if isinstance(inner, dict) else {}
            detail = found.get("message") or error.get("message") or json.dumps(payload)[:300]
            code = code or found.get("code") or error.get("code", "")
        except ValueError:
            detail = response.text[:300]
        raise RemoteError(scrub_secrets(f"{what}: HTTP {response.status_code} {code}: {detail}".strip()))
    if not body:
        return {}
    try:
        data = response.json()
    except ValueError:
        raise RemoteError(scrub_secrets(f"{what}: HTTP {response.status_code} with a body that is not JSON: "
                                        f"{response.text[:200]!r}")) from None
    return data if isinstance(data, dict) else {"data": data}


def _number(text: str) -> Any:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


class QianfanBackend:
    name = "qianfan"
    STATES = {"Waiting": JobStatus.STARTING, "Running": JobStatus.RUNNING, "Done": JobStatus.SUCCEEDED,
              "Failed": JobStatus.FAILED, "Fail": JobStatus.FAILED, "Stopped": JobStatus.CANCELLED, "": JobStatus.STARTING}

    def __init__(self, secrets: Secrets, transport: httpx.BaseTransport | None = None) -> None:
        self.secrets, self.transport = secrets, transport

    def _job_keys(self, job: Job) -> tuple[str, str]:
        return (self.secrets.require(key_env(self.name, job.options, "access_key_env"), "Qianfan fine-tuning"),
                self.secrets.require(key_env(self.name, job.options, "secret_key_env"), "Qianfan fine-tuning"))

    def _post(self, job: Job, action: str, body: dict[str, Any]) -> dict[str, Any]:
        base = job.options.get("base_url", "https://qianfan.baidubce.com")
        url = f"{base}/v2/finetuning"
        ak, sk = self._job_keys(job)
        headers = signed_headers(ak, sk, "POST", urlsplit(url).netloc, "/v2/finetuning", {"Action": action},
                                 {"content-type": "application/json"})
        with httpx.Client(timeout=TIMEOUT, transport=capped(self.transport)) as client:
            response = client.post(url, params={"Action": action}, content=json.dumps(body), headers=headers)
        return _check(response, f"Qianfan {action}").get("result", {})

    def prepare(self, job: Job, folder: JobDir, train: list[Row], held: list[Row]) -> None:
        write_jsonl(folder.data / "train.jsonl", qianfan_lines(train + held))  # the platform splits by splitRatio

    def _upload(self, job: Job, folder: JobDir) -> str:
        """PUT the data to BOS (``bos_uri`` = bos:/bucket/key), signed; returns the URI.

        Virtual-hosted addressing (``{bucket}.{region}.bcebos.com/{key}``) by default: BOS refuses
        path-style requests for buckets created since 2024-06-01, and the BOS SDKs default to it.
        ``bos_path_style=true`` sends ``{region}.bcebos.com/{bucket}/{key}`` for older buckets.
        ``bos_endpoint`` only changes where the request connects (a proxy, a test server): the signed
        Host stays the BOS host. PutObject answers 200 with an empty body (its result is in headers
        such as ETag), so only the status is read."""
        uri = job.options["bos_uri"]
        bucket, _, key = uri.removeprefix("bos:").lstrip("/").partition("/")
        if not bucket or not key:
            raise RemoteError(f"bos_uri: expected bos:/bucket/key, got {uri!r}")
        region = job.options.get("bos_region", "bj")
        path_style = job.options.get("bos_path_style", "false").lower() in ("1", "true", "yes")
        host = f"{region}.bcebos.com" if path_style else f"{bucket}.{region}.bcebos.com"
        path = f"/{bucket}/{key}" if path_style else f"/{key}"
        connect = job.options.get("bos_endpoint", f"https://{host}")
        ak, sk = self._job_keys(job)
        data = (folder.data / "train.jsonl").read_bytes()
        headers = signed_headers(ak, sk, "PUT", host, path, {}, {"content-type": "application/octet-stream"})
        with httpx.Client(timeout=TIMEOUT, transport=capped(self.transport)) as client:
            response = client.put(connect.rstrip("/") + quote(path), content=data, headers=headers)
        _check(response, "BOS upload", body=False)
        return f"bos:/{bucket}/{key}"

    @reachable
    def start(self, job: Job, folder: JobDir) -> dict[str, str]:
        if job.options.get("dataset_version"):
            source = {"sourceType": "Platform", "versions": [{"versionId": job.options["dataset_version"]}]}
        elif job.options.get("bos_uri"):
            source = {"sourceType": "Bos", "versions": [{"versionBosUri": self._upload(job, folder)}]}
        else:
            raise RemoteError("Qianfan needs the data on the platform: give --option bos_uri=bos:/bucket/key "
                              "(the studio uploads it) or --option dataset_version=ds-…")
        split = int(float(job.hyper.get("eval_split", 0)) * 100)
        created = self._post(job, "CreateFineTuningJob", {"name": job.options.get("name", job.id[:20]),
                                                          "model": job.base_model, "trainMode": "SFT"})
        hyper: dict[str, Any] = {"epoch": int(job.hyper["epochs"]), "learningRate": job.hyper["learning_rate"],
                                 "maxSeqLen": int(job.hyper["max_length"]),
                                 "checkpointCount": int(job.options.get("checkpoints", 10)),
                                 "saveStep": int(job.options.get("save_step", 64))}  # the platform allows 64…4096
        if job.method == "lora":
            hyper["loraRank"] = int(job.lora.get("rank", 8))
        for name, value in job.options.items():  # hp.KEY=VALUE: any hyperparameter, as the platform names it
            if name.startswith("hp."):
                hyper[name.removeprefix("hp.")] = _number(value)
        task = self._post(job, "CreateFineTuningTask", {
            "jobId": created["jobId"], "parameterScale": "LoRA" if job.method == "lora" else "FullFineTuning",
            "hyperParameterConfig": hyper, "datasetConfig": {**source, "splitRatio": split}})
        return {"job_id": created["jobId"], "task_id": task["taskId"]}

    @reachable
    def poll(self, job: Job, folder: JobDir) -> Update:
        r = self._post(job, "DescribeFineTuningTask", {"taskId": job.remote["task_id"]})
        points = merge_points([p for c in r.get("checkpointList") or [] if (p := metric_point(c)) is not None])
        try:
            progress = float(str(r.get("runProgress", "0")).rstrip("%")) / 100
        except ValueError:
            progress = 0.0
        status = self.STATES.get(str(r.get("runStatus", "")), JobStatus.RUNNING)
        result = {"platform_job": job.remote["job_id"], "platform_task": job.remote["task_id"]}
        if r.get("vdlLink"):
            result["curves"] = str(r["vdlLink"])
        return Update(status, points, progress, result, "the platform reports the task failed" if status ==
                      JobStatus.FAILED else None)

    @reachable
    def cancel(self, job: Job, folder: JobDir) -> None:
        self._post(job, "StopFineTuningTask", {"taskId": job.remote["task_id"]})


class OpenAIBackend:
    """files + fine_tuning/jobs + events + checkpoints + cancel. The service is closing to new jobs."""

    name = "openai"
    STATES = {"validating_files": JobStatus.STARTING, "queued": JobStatus.STARTING, "running": JobStatus.RUNNING,
              "succeeded": JobStatus.SUCCEEDED, "failed": JobStatus.FAILED, "cancelled": JobStatus.CANCELLED}

    def __init__(self, secrets: Secrets, transport: httpx.BaseTransport | None = None) -> None:
        self.secrets, self.transport = secrets, transport

    def _client(self, job: Job) -> httpx.Client:
        key = self.secrets.require(key_env(self.name, job.options, "api_key_env"), "OpenAI fine-tuning")
        return httpx.Client(base_url=job.options.get("base_url", "https://api.openai.com/v1"), timeout=TIMEOUT,
                            headers={"Authorization": f"Bearer {key}"}, transport=capped(self.transport))

    def prepare(self, job: Job, folder: JobDir, train: list[Row], held: list[Row]) -> None:
        write_jsonl(folder.data / "train.jsonl", train)
        if held:
            write_jsonl(folder.data / "eval.jsonl", held)

    @reachable
    def start(self, job: Job, folder: JobDir) -> dict[str, str]:
        with self._client(job) as client:
            ids = {}
            for split in ("train", "eval"):
                path = folder.data / f"{split}.jsonl"
                if path.exists():
                    up = client.post("/files", data={"purpose": "fine-tune"},
                                     files={"file": (path.name, path.read_bytes(), "application/jsonl")})
                    ids[split] = _check(up, f"OpenAI file upload ({path.name})")["id"]
            hyper: dict[str, Any] = {"n_epochs": int(job.hyper["epochs"]), "batch_size": int(job.hyper["batch_size"])}
            if job.options.get("lr_multiplier"):
                hyper["learning_rate_multiplier"] = float(job.options["lr_multiplier"])
            body: dict[str, Any] = {"model": job.base_model, "training_file": ids["train"], "seed": int(job.hyper["seed"]),
                                    "method": {"type": "supervised", "supervised": {"hyperparameters": hyper}}}
            if "eval" in ids:
                body["validation_file"] = ids["eval"]
            created = _check(client.post("/fine_tuning/jobs", json=body), "OpenAI fine-tuning job")
        return {"job_id": created["id"], **{f"file_{k}": v for k, v in ids.items()}}

    @reachable
    def poll(self, job: Job, folder: JobDir) -> Update:
        jid = job.remote["job_id"]
        with self._client(job) as client:
            state = _check(client.get(f"/fine_tuning/jobs/{jid}"), "OpenAI job")
            events = _check(client.get(f"/fine_tuning/jobs/{jid}/events", params={"limit": 1000}), "OpenAI events")
        points: list[MetricPoint] = [p for e in events.get("data", []) if e.get("type") == "metrics"
                                     and (p := metric_point(e)) is not None]
        points = merge_points(points)
        status = self.STATES.get(state.get("status", ""), JobStatus.RUNNING)
        progress = 1.0 if status == JobStatus.SUCCEEDED else progress_of(points)
        result = {"platform_job": jid}
        if state.get("fine_tuned_model"):
            result["model"] = state["fine_tuned_model"]
        error = (state.get("error") or {}).get("message") if status == JobStatus.FAILED else None
        return Update(status, points, progress, result, error)

    @reachable
    def cancel(self, job: Job, folder: JobDir) -> None:
        with self._client(job) as client:
            _check(client.post(f"/fine_tuning/jobs/{job.remote['job_id']}/cancel"), "OpenAI cancel")
