"""Cluster mode: the same per-call work on a Dask distributed cluster, models held per worker."""
from __future__ import annotations

from typing import Callable, Iterator

from ..masking import one_line
from .worker import CallOutcome, WorkerConfig, init_worker, process_call


class ModelLoader:
    """Dask worker plugin: loads the models once in every worker process."""

    name = "voiceqa-models"

    def __init__(self, cfg: WorkerConfig):
        self.cfg = cfg

    def setup(self, worker) -> None:
        init_worker(self.cfg)


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
