#!/usr/bin/env python
"""IVR runner throughput: N scenarios of a generated flow with M nodes (text/DTMF input).

    .venv/bin/python scripts/bench_ivr.py [--nodes 200] [--scenarios 1000]

Target: 1,000 scenarios of a 200-node flow in under 10 s on 2 cores.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from voiceqa.ivr.model import Flow  # noqa: E402
from voiceqa.ivr.paths import enumerate_paths, scenarios_for  # noqa: E402
from voiceqa.ivr.scenarios import ScenarioFile, run_file  # noqa: E402


def big_flow(n_nodes: int) -> Flow:
    """A tree of menus (3 options each) with collect, play and condition nodes, ending in
    transfers and hangups; about ``n_nodes`` nodes."""
    nodes: dict = {"start": {"type": "condition", "branches": [{"when": "profile.vip", "next": "vip"}], "default": {"next": "m0"}},
                   "vip": {"type": "transfer", "queue": "vip"}, "agent": {"type": "transfer", "queue": "general"}}
    frontier, i = ["m0"], 0
    while frontier and len(nodes) + len(frontier) + 3 < n_nodes:
        m = frontier.pop(0)
        opts = []
        for k in range(1, 4):
            i += 1
            child = f"n{i}"
            opts.append({"key": str(k), "label": f"选项{k}", "keywords": [f"业务{i}"], "next": child})
            if len(nodes) + len(frontier) < n_nodes - 12:
                kind = i % 4
                if kind == 0:
                    nodes[child] = {"type": "collect", "prompt": f"请输入{i}号业务的六位编号", "variable": f"v{i}",
                                    "validation": {"min_length": 6, "max_length": 6}, "on_success": {"next": f"p{i}"},
                                    "on_failure": {"next": "agent"}}
                    nodes[f"p{i}"] = {"type": "play", "prompt": f"编号{{v{i}}}已受理", "next": f"m{i}"}
                    frontier.append(f"m{i}")
                else:
                    frontier.append(child)
                    continue
            else:
                nodes[child] = {"type": "hangup"} if i % 2 else {"type": "transfer", "queue": f"q{i % 7}"}
        nodes[m] = {"type": "menu", "prompt": f"菜单{m}：" + "，".join(f"{o['label']}请按{o['key']}" for o in opts),
                    "options": opts, "reprompts": {"no_input": ["请按键。"], "no_match": ["没有听懂。"]}, "fallback": {"next": "agent"}}
    for m in frontier:  # close the tree
        nodes[m] = {"type": "hangup"}
    return Flow.model_validate({"name": "big", "start": "start", "globals": {"agent": {"next": "agent"}}, "nodes": nodes})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=200)
    ap.add_argument("--scenarios", type=int, default=1000)
    args = ap.parse_args()
    flow = big_flow(args.nodes)
    paths = enumerate_paths(flow, max_paths=args.scenarios)
    data = scenarios_for(flow, paths)
    base = data["scenarios"]
    data["scenarios"] = [dict(base[k % len(base)], name=f"s{k}") for k in range(args.scenarios)]
    sf = ScenarioFile.model_validate(data)
    t = time.perf_counter()
    results, cov = run_file(flow, sf, Path("."))
    wall = time.perf_counter() - t
    passed = sum(r.passed for r in results)
    print(f"flow: {len(flow.nodes)} nodes, {len(paths)} distinct paths")
    print(f"{len(results)} scenarios in {wall:.2f} s ({1000 * wall / len(results):.2f} ms each), {passed} passed")
    print(f"coverage: {cov.summary()}")


if __name__ == "__main__":
    main()
