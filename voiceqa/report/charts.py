"""Charts as SVG with text kept as text: the browser draws the Chinese labels with its own
fonts, so no CJK font is needed where the report is made."""
from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")


def _svg(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]  # inline: drop the XML prolog and doctype


def _quiet():
    import logging
    import warnings

    warnings.filterwarnings("ignore", message=r"Glyph .* missing from font")
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)


def score_histogram(scores: list[float]) -> str:
    import matplotlib.pyplot as plt

    _quiet()
    fig, ax = plt.subplots(figsize=(6, 3))
    from matplotlib.ticker import MaxNLocator

    ax.hist(scores, bins=list(range(0, 105, 5)), color="#3b7dd8", edgecolor="white")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("得分")
    ax.set_ylabel("通话数")
    ax.set_title("得分分布")
    return _svg(fig)


def agent_scores(names: list[str], scores: list[float]) -> str:
    import matplotlib.pyplot as plt

    _quiet()
    fig, ax = plt.subplots(figsize=(6, max(2.0, 0.35 * len(names) + 1)))
    ax.barh(names[::-1], scores[::-1], color="#58a55c")
    ax.set_xlim(0, 100)
    ax.set_xlabel("平均分")
    ax.set_title("坐席平均分")
    return _svg(fig)
