"""Cluster mode: the same per-call work on a Dask distributed cluster, models held per worker."""
from __future__ import annotations

from typing import Callable, Iterator

from .worker import CallOutcome, WorkerConfig, init_worker, process_call


class ModelLoader:
    """Dask worker plugin: loads the models once in every worker process."""

    name = "voiceqa-models"

    def __init__(self, cfg: WorkerConfig):
        self.cfg = cfg

    def setup(self, worker) -> None:
        init_worker(self.cfg)


def run_on_cluster(scheduler: str, cfg: WorkerConfig, paths: list[str]) -> Iterator[CallOutcome]:
    """Yield outcomes as the cluster finishes them (the caller stores each one at once)."""
    from distributed import Client, as_completed
    from distributed.diagnostics.plugin import WorkerPlugin

    plugin_cls: Callable = type("VoiceQAModelLoader", (ModelLoader, WorkerPlugin), {})
    with Client(scheduler) as client:
        client.register_plugin(plugin_cls(cfg), name=ModelLoader.name)
        futures = [client.submit(process_call, p, pure=False) for p in paths]
        for fut in as_completed(futures):
            yield fut.result()
