"""Write a report as HTML, Excel or CSV (chosen by the output file's extension)."""
from __future__ import annotations

import csv
import html
from pathlib import Path

from ..errors import InputError
from .charts import agent_scores, score_histogram
from ..qa.categories import category_name
from .data import ReportData

LEVEL_NAMES = {0: "无预警", 1: "一级", 2: "二级", 3: "三级"}


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _categories(d: ReportData) -> list[str]:
    return sorted({c for a in d.agents for c in a.flags})


def agent_table(d: ReportData) -> tuple[list[str], list[list]]:
    cats = _categories(d)
    head = ["坐席", "姓名", "班组", "通话数", "平均分", "合格率", "三级预警", "二次来电率", "较上期"] + [category_name(c) for c in cats]
    rows = []
    for a in d.agents:
        trend = "" if a.trend is None else f"{a.trend:+.1f}"
        rows.append([a.agent_id, a.name, a.team, a.calls, round(a.avg_score, 1), _pct(a.pass_rate), a.level3, _pct(a.repeat_rate), trend]
                    + [a.flags.get(c, 0) for c in cats])
    return head, rows


def _table(head: list[str], rows: list[list]) -> str:
    th = "".join(f"<th>{html.escape(str(h))}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


CSS = """
body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:2px solid #3b7dd8;padding-bottom:4px}
.kpis{display:flex;gap:14px;flex-wrap:wrap}.kpi{background:#f3f6fb;border-radius:8px;padding:10px 16px;min-width:120px}
.kpi b{display:block;font-size:22px;color:#3b7dd8}table{border-collapse:collapse;font-size:13px;margin:8px 0}
th,td{border:1px solid #d7dde6;padding:4px 8px;text-align:left}th{background:#eef2f8}
.charts{display:flex;gap:20px;flex-wrap:wrap}.charts svg{max-width:560px;height:auto}
"""


def to_html(d: ReportData) -> str:
    title = f"通话质检报告 {d.start} 至 {d.end}" + (f"（{d.team}）" if d.team else "")
    kpis = [("质检通话", d.calls), ("平均分", f"{d.avg_score:.1f}"), ("合格率", _pct(d.pass_rate)), ("二次来电率", _pct(d.repeat_rate)),
            ("客户愤怒率", _pct(d.anger_rate)), ("三级预警", d.levels.get(3, 0)), ("坐席关怀提醒", len(d.agent_care)),
            ("待复核项", f"{d.review_items}（{d.review_calls}通）")]
    head, rows = agent_table(d)
    items = _table(["评分项", "类别", "违规次数", "涉及通话", "累计扣分", "示例"],
                   [[i.item, category_name(i.category), i.count, i.calls, round(i.points, 1),
                     "；".join(f"{cid} [{t:.2f}s] {ev}" for cid, t, ev in i.examples)] for i in d.items])
    repeat = _table(["队列", "通话数", "二次来电", "二次来电率"], [[q, n, r, _pct(r / n if n else 0)] for q, n, r in d.repeat_by_queue])
    care = _table(["通话", "坐席", "时间", "客户原话"], [[c, a, f"{t:.2f}s", e] for c, a, t, e in d.agent_care]) if d.agent_care else "<p>本期无坐席关怀提醒。</p>"
    charts = score_histogram(d.scores) + agent_scores([a.agent_id for a in d.agents], [a.avg_score for a in d.agents]) if d.calls else ""
    levels = " · ".join(f"{LEVEL_NAMES[k]} {d.levels.get(k, 0)}" for k in range(4))
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(title)}</title><style>{CSS}</style></head>
<body><h1>{html.escape(title)}</h1><p>生成时间 {d.generated:%Y-%m-%d %H:%M} · 预警分布：{levels}</p>
<div class="kpis">{''.join(f'<div class="kpi">{html.escape(k)}<b>{html.escape(str(v))}</b></div>' for k, v in kpis)}</div>
<h2>得分概览</h2><div class="charts">{charts}</div>
<h2>坐席明细</h2>{_table(head, rows)}
<h2>高频违规项（附示例）</h2>{items}
<h2>二次来电（按队列）</h2>{repeat}
<h2>坐席关怀提醒（客户辱骂坐席）</h2>{care}
</body></html>
"""


def to_xlsx(d: ReportData, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = "概览"
    ws.append(["通话质检报告", f"{d.start} 至 {d.end}", d.team or "全部班组"])
    for k, v in [("质检通话", d.calls), ("平均分", round(d.avg_score, 1)), ("合格率", round(d.pass_rate, 4)),
                 ("二次来电率", round(d.repeat_rate, 4)), ("客户愤怒率", round(d.anger_rate, 4)),
                 ("三级预警", d.levels.get(3, 0)), ("坐席关怀提醒", len(d.agent_care)), ("待复核项", d.review_items),
                 ("待复核通话", d.review_calls)]:
        ws.append([k, v])
        if k.endswith("率"):
            ws.cell(ws.max_row, 2).number_format = "0.0%"
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 24
    ws.column_dimensions["C"].width = 14
    ws.append([])
    ws.append(["分数段", "通话数"])
    hist_start = ws.max_row + 1
    for lo in range(0, 100, 10):
        ws.append([f"{lo}-{lo + 10}", sum(lo <= s < lo + 10 or (lo == 90 and s == 100) for s in d.scores)])
    chart = BarChart()
    chart.title = "得分分布"
    chart.add_data(Reference(ws, min_col=2, min_row=hist_start - 1, max_row=ws.max_row), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=hist_start, max_row=ws.max_row))
    ws.add_chart(chart, "E2")

    def sheet(name: str, head: list[str], rows: list[list]) -> None:
        s = wb.create_sheet(name)
        s.append(head)
        for cell in s[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="EEF2F8")
        for r in rows:
            s.append(r)
        for col in s.columns:
            s.column_dimensions[col[0].column_letter].width = min(60, max(10, max(len(str(c.value or "")) for c in col) * 2))

    head, rows = agent_table(d)
    sheet("坐席明细", head, rows)
    sheet("高频违规项", ["评分项", "类别", "违规次数", "涉及通话", "累计扣分", "示例通话", "时间(s)", "证据"],
          [[i.item, category_name(i.category), i.count, i.calls, round(i.points, 1), cid, round(t, 2), ev] for i in d.items for cid, t, ev in i.examples[:1]])
    sheet("二次来电", ["队列", "通话数", "二次来电", "二次来电率"], [[q, n, r, round(r / n, 4) if n else 0] for q, n, r in d.repeat_by_queue])
    sheet("坐席关怀", ["通话", "坐席", "时间(s)", "客户原话"], [[c, a, round(t, 2), e] for c, a, t, e in d.agent_care])
    wb.save(path)


def to_csv(d: ReportData, path: Path) -> None:
    head, rows = agent_table(d)
    with path.open("w", encoding="utf-8-sig", newline="") as f:  # BOM: Excel opens Chinese CSV correctly
        w = csv.writer(f)
        w.writerow(head)
        w.writerows(rows)


def write(d: ReportData, path: Path) -> None:
    ext = path.suffix.lower()
    if ext in (".html", ".htm"):
        path.write_text(to_html(d), encoding="utf-8")
    elif ext == ".xlsx":
        to_xlsx(d, path)
    elif ext == ".csv":
        to_csv(d, path)
    else:
        raise InputError(path, "report format must be .html, .xlsx or .csv")
