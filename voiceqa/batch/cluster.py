"""Cluster mode: the same per-call work on a Dask distributed cluster, models held per worker."""
from __future__ import annotations

import socket
from typing import Callable, Iterator
from urllib.parse import urlparse

from ..errors import InputError
from ..masking import one_line
from .worker import CallOutcome, WorkerConfig, init_worker, process_call


class ModelLoader:
    """Dask worker plugin: loads the models once in every worker process."""

    name = "voiceqa-models"

    def __init__(self, cfg: WorkerConfig):
        self.cfg = cfg

    def setup(self, worker) -> None:
        init_worker(self.cfg)


def check_scheduler(address: str) -> None:
    """Fail before any work when ``--scheduler`` is malformed or nothing listens there."""
    u = urlparse(address if "://" in address else f"tcp://{address}")
    try:
        host, port = u.hostname, u.port
    except ValueError:
        host, port = None, None
    if u.scheme not in ("tcp", "tls") or not host or not port:
        raise InputError("--scheduler", f"{address!r} is not a scheduler address like tcp://HOST:8786")
    try:
        socket.create_connection((host, port), timeout=5).close()
    except OSError as exc:
        raise InputError("--scheduler", f"cannot reach {address} ({exc.strerror or exc})") from None


def run_on_cluster(scheduler: str, cfg: WorkerConfig, paths: list[str]) -> Iterator[CallOutcome]:
    """Yield outcomes as the cluster finishes them (the caller stores each one at once). A call
    whose task fails on the cluster (e.g. its workers kept dying) comes back as a failed outcome."""
    from distributed import Client, as_completed
    from distributed.diagnostics.plugin import WorkerPlugin

    plugin_cls: Callable = type("VoiceQAModelLoader", (ModelLoader, WorkerPlugin), {})
    with Client(scheduler) as client:
        client.register_plugin(plugin_cls(cfg), name=ModelLoader.name)
        futures = {client.submit(process_call, p, pure=False): p for p in paths}
        for fut in as_completed(list(futures)):
            try:
                yield fut.result()
            except Exception as exc:
                path = futures[fut]
                yield CallOutcome(path, False, 0.0, error=f"{path}: cluster task failed ({one_line(exc)})")
