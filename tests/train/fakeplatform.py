"""Loopback fakes of the Qianfan v2 fine-tuning API (with BOS) and the OpenAI fine-tuning API.

The Qianfan fake checks every request's ``bce-auth-v1`` signature with its own reference
implementation, written from the published algorithm independently of ``studio.train.bce``.

BOS PutObject behaves as the real service does where the studio depends on it:
- success is HTTP 200 with an **empty body** (the result is in headers: ETag, Content-MD5);
  bce-sdk-python's ``put_object`` reads only headers (``services/bos/bos_client.py``);
- addressing: ``Host: {bucket}.{region}.bcebos.com`` + ``/{key}`` (virtual-hosted) or
  ``Host: {region}.bcebos.com`` + ``/{bucket}/{key}`` (path-style), as Baidu's "Get Access Domain Name"
  page shows (https://intl.cloud.baidu.com/doc/BOS/s/Ck1rk80hn-en); buckets created since 2024-06-01
  refuse path-style requests. The exact refusal code is not published, so the fake answers as BOS
  errors look: 4xx, a JSON ``{code, message, requestId}`` body and ``x-bce-error-code``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

AK, SK = "AKfake0123456789", "SKfake-secret-9876543210"


def reference_canonical(method: str, path: str, query: dict[str, str], headers: dict[str, str], signed: list[str]) -> str:
    def enc(text: str) -> str:
        keep = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.~-_"
        return "".join(chr(b) if b in keep else f"%{b:02X}" for b in text.encode("utf-8"))

    path_enc = "/".join(enc(p) for p in path.split("/"))
    q = "&".join(sorted(enc(k) + "=" + enc(v) for k, v in query.items()))
    h = "\n".join(sorted(enc(n) + ":" + enc(headers[n].strip()) for n in signed))
    return "\n".join([method, path_enc, q, h])


def reference_check(method: str, path: str, query: dict[str, str], headers: dict[str, str]) -> str | None:
    """None when the Authorization header is right, else what is wrong."""
    auth = headers.get("authorization", "")
    parts = auth.split("/")
    if len(parts) != 6 or parts[0] != "bce-auth-v1":
        return f"malformed authorization {auth!r}"
    _, ak, timestamp, expiry, signed_names, signature = parts
    if ak != AK:
        return "NotFound, cause: Could not find credential."
    if headers.get("x-bce-date") != timestamp:
        return "x-bce-date differs from the signed timestamp"
    signed = signed_names.split(";")
    if "host" not in signed or signed != sorted(signed):
        return f"signed headers {signed_names!r}"
    key = hmac.new(SK.encode(), f"bce-auth-v1/{ak}/{timestamp}/{expiry}".encode(), hashlib.sha256).hexdigest()
    expected = hmac.new(key.encode(), reference_canonical(method, path, query, headers, signed).encode(),
                        hashlib.sha256).hexdigest()
    return None if hmac.compare_digest(expected, signature) else "SignatureDoesNotMatch"


class Platform:
    """Both fakes in one server. ``polls_to_finish`` DescribeFineTuningTask/GET-job calls until done."""

    def __init__(self, polls_to_finish: int = 3) -> None:
        self.polls_to_finish = polls_to_finish
        self.seen: list[tuple[str, str, dict[str, Any]]] = []
        self.objects: dict[str, bytes] = {}
        self.tasks: dict[str, dict[str, Any]] = {}
        self.jobs: dict[str, dict[str, Any]] = {}
        self.files: dict[str, bytes] = {}
        self.bad_signatures = 0
        self.refused_path_style = 0
        self.old_buckets: set[str] = set()  # created before 2024-06-01: path-style still allowed
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _signed(self) -> bool:
                url = urlsplit(self.path)
                problem = reference_check(self.command, url.path, dict(parse_qsl(url.query, keep_blank_values=True)),
                                          {k.lower(): v for k, v in self.headers.items()})
                if problem:
                    platform.bad_signatures += 1
                    self._send(403, {"code": "AccessDenied", "message": problem},
                               {"X-Bce-Error-Code": problem.split(",")[0]})
                    return False
                return True

            def do_PUT(self) -> None:  # BOS PutObject
                body = self._body()
                if not self._signed():
                    return
                host = self.headers.get("Host", "").split(":")[0]
                path = urlsplit(self.path).path
                if host.endswith(".bcebos.com") and host.count(".") == 3:  # {bucket}.{region}.bcebos.com
                    bucket, key = host.split(".")[0], path.lstrip("/")
                elif host.endswith(".bcebos.com") and host.count(".") == 2:  # {region}.bcebos.com/{bucket}/{key}
                    bucket, _, key = path.lstrip("/").partition("/")
                    if bucket not in platform.old_buckets:
                        platform.refused_path_style += 1
                        self._send(403, {"code": "AccessDenied", "requestId": "r-bos",
                                         "message": "path-style requests are not supported for this bucket"},
                                   {"x-bce-error-code": "AccessDenied"})
                        return
                else:
                    self._send(400, {"code": "InvalidURI", "message": f"host {host!r} is not a BOS endpoint"})
                    return
                platform.objects[f"{bucket}/{key}"] = body
                self.send_response(200)  # the real PutObject: 200, headers only, no body
                self.send_header("ETag", hashlib.md5(body).hexdigest())
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self) -> None:
                url = urlsplit(self.path)
                body = self._body()
                if url.path == "/v2/finetuning":
                    if self._signed():
                        action = dict(parse_qsl(url.query))["Action"]
                        payload = json.loads(body)
                        platform.seen.append(("qianfan", action, payload))
                        self._send(*platform.qianfan(action, payload))
                    return
                platform.seen.append(("openai", url.path, {"auth": self.headers.get("Authorization")}))
                self._send(*platform.openai_post(url.path, body, self.headers.get("Content-Type", "")))

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                platform.seen.append(("openai", url.path, {}))
                self._send(*platform.openai_get(url.path))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- Qianfan ----------------------------------------------------------------------------------
    def qianfan(self, action: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if action == "CreateFineTuningJob":
            return 200, {"requestId": "r1", "result": {"jobId": "job-1"}}
        if action == "CreateFineTuningTask":
            if not 0 <= body["datasetConfig"].get("splitRatio", 0) <= 100:
                return 400, {"requestId": "r2", "code": "InappropriateJSON", "message": "param[splitRatio] invalid."}
            task = f"task-{len(self.tasks) + 1}"
            self.tasks[task] = {"body": body, "polls": 0, "stopped": False}
            return 200, {"requestId": "r2", "result": {"jobId": body["jobId"], "taskId": task}}
        if action == "DescribeFineTuningTask":
            t = self.tasks[body["taskId"]]
            t["polls"] += 1
            done = t["polls"] >= self.polls_to_finish
            status = "Stopped" if t["stopped"] else ("Done" if done else "Running")
            points = [{"step": 10 * i, "trainingLoss": 2.0 / i, "perplexity": 1.5} for i in range(1, t["polls"] + 1)]
            return 200, {"result": {"taskId": body["taskId"], "runStatus": status,
                                    "runProgress": "100%" if done else f"{33 * t['polls']}%",
                                    "vdlLink": "https://console.example/visualdl", "checkpointList": points}}
        if action == "StopFineTuningTask":
            self.tasks[body["taskId"]]["stopped"] = True
            return 200, {"result": True}
        return 400, {"code": "InvalidAction", "message": action}

    # -- OpenAI -----------------------------------------------------------------------------------
    def openai_post(self, path: str, body: bytes, content_type: str) -> tuple[int, dict[str, Any]]:
        if path == "/v1/files":
            if b'name="purpose"' not in body or b"fine-tune" not in body:
                return 400, {"error": {"message": "purpose must be fine-tune", "code": "invalid"}}
            fid = f"file-{len(self.files) + 1}"
            self.files[fid] = body
            return 200, {"id": fid, "object": "file", "purpose": "fine-tune"}
        if path == "/v1/fine_tuning/jobs":
            req = json.loads(body)
            if req.get("training_file") not in self.files or "hyperparameters" in req:
                return 400, {"error": {"message": "bad request", "code": "invalid_request"}}
            jid = f"ftjob-{len(self.jobs) + 1}"
            self.jobs[jid] = {"req": req, "polls": 0, "cancelled": False}
            return 200, {"id": jid, "status": "validating_files"}
        if path.endswith("/cancel"):
            jid = path.split("/")[-2]
            self.jobs[jid]["cancelled"] = True
            return 200, {"id": jid, "status": "cancelled"}
        return 404, {"error": {"message": "not found"}}

    def openai_get(self, path: str) -> tuple[int, dict[str, Any]]:
        parts = path.split("/")
        jid = parts[4]
        job = self.jobs[jid]
        if path.endswith("/events"):
            events = [{"type": "metrics", "data": {"step": i, "total_steps": 3 * self.polls_to_finish,
                                                   "train_loss": 3.0 / i, "valid_loss": 3.2 / i}}
                      for i in range(1, 3 * job["polls"] + 1)]
            return 200, {"data": list(reversed(events)), "has_more": False}
        job["polls"] += 1
        done = job["polls"] >= self.polls_to_finish
        status = "cancelled" if job["cancelled"] else ("succeeded" if done else "running")
        return 200, {"id": jid, "status": status, "fine_tuned_model": "ft:gpt-4o-mini:studio" if done else None}
