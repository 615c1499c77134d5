#!/usr/bin/env python
"""IVR benchmarks: caller understanding on the labelled utterance set, and runner throughput.

    .venv/bin/python scripts/bench_ivr.py [--encoders e5,use] [--nodes 200] [--scenarios 1000]

1. Understanding (tests/data/ivr_utterances.yaml, shipped flows): intent accuracy, confirmation
   answers ("no" taken as yes = false accept), latency per utterance; per encoder without and
   with phrase knowledge (voiceqa/ivr/knowledge), beside the keyword-only baseline (substring keywords, "yes" if the answer contains 是/对/确认/没错)
   measured in the same run.
2. Runner: 1,000 scenarios of a generated 200-node flow (text/DTMF input), target < 10 s.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from voiceqa.ivr.model import Flow  # noqa: E402
from voiceqa.ivr.understand import Matcher  # noqa: E402
from voiceqa.ivr.utterances import evaluate, keyword_baseline, load_set  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
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


def _line(name: str, rep, ms: tuple[float, float, float]) -> str:
    fa = len(rep.false_accepts)
    return (f"{name:<22} intent accuracy {rep.intent_accuracy:.3f}  ambiguous {rep.ambiguous:3d} "
            f"(right one offered {rep.asked_right:3d}; accuracy after asking {rep.accuracy_after_asking:.3f})  "
            f"confirm accuracy {rep.confirm_accuracy:.3f}  false accepts {fa:2d}  "
            f"latency ms mean {ms[0]:6.2f} median {ms[1]:6.2f} p95 {ms[2]:6.2f}")


def bench_understanding(encoders: list[str], utterances: Path, verbose: bool, margins: list[float | None] = [None]) -> None:
    _, cases = load_set(utterances)
    n_menu = sum(c.node != "confirm" for c in cases)
    print(f"utterances: {len(cases)} ({n_menu} at menus, {len(cases) - n_menu} confirmation answers)")
    base = keyword_baseline(cases, REPO / "ivr_flows")
    print(_line("keyword baseline", base, base.latency_ms()))
    for enc in encoders:
        m = Matcher(enc)
        t = time.perf_counter()
        m._embed(["您好"])  # model load + first encode, reported apart from per-utterance latency
        load = time.perf_counter() - t
        print(f"{enc}: model load + first encode {load:.1f} s")
        for knowledge, margin in [(False, None)] + [(True, mg) for mg in margins]:
            m = Matcher(enc, margin=margin)  # fresh: no utterance vectors cached from the other run
            t = time.perf_counter()
            rep = evaluate(cases, REPO / "ivr_flows", m, knowledge=knowledge)
            name = f"{enc} t={m.threshold} m={m.margin}" + (" +knowledge" if knowledge else "")
            print(_line(name, rep, rep.latency_ms()) + f"  [{time.perf_counter() - t:.1f} s incl. preparing menus]")
            print("    by kind: " + "  ".join(f"{k} {a}/{b}" for k, (a, b) in rep.by_kind().items()))
            if verbose:
                for r in rep.errors():
                    print(f"    miss {r.case.flow}:{r.case.node} [{r.case.kind}] {r.case.text!r}: expected {r.case.expect}, got {r.got}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=200)
    ap.add_argument("--scenarios", type=int, default=1000)
    ap.add_argument("--encoders", default="e5,use", help="comma-separated; empty = skip the understanding benchmark")
    ap.add_argument("--utterances", type=Path, default=REPO / "tests/data/ivr_utterances.yaml")
    ap.add_argument("--margins", default="", help="comma-separated ambiguity margins to compare (default: the calibrated one)")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every misunderstood utterance")
    args = ap.parse_args()
    if args.encoders:
        margins = [float(x) for x in args.margins.split(",") if x] or [None]
        bench_understanding([e for e in args.encoders.split(",") if e], args.utterances, args.verbose, margins)
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
