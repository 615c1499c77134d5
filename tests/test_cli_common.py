"""cli/common.py: the progress helpers every command uses (rich, on stderr)."""
from __future__ import annotations

from voiceqa.cli.common import count_progress, parse_date


def test_count_progress_shows_counts_status_and_notes_on_stderr(capsys):
    with count_progress(3, "scoring", "calls", enabled=True) as bar:
        bar.update(1, "0.01 h audio, RTF 0.100")
        bar.note("error: one bad file")
        bar.update(3, "0.03 h audio, RTF 0.100")
    out = capsys.readouterr()
    assert out.out == ""  # stdout stays for results
    assert "error: one bad file" in out.err and "scoring" in out.err and "3/3" in out.err and "RTF 0.100" in out.err


def test_without_a_terminal_only_the_notes_are_printed(capsys):
    with count_progress(2, "scoring", "calls", enabled=False) as bar:
        bar.update(1, "x")
        bar.note("error: two")
    assert capsys.readouterr().err == "error: two\n"


def test_parse_date():
    import datetime as dt

    import pytest
    import typer

    assert parse_date("2026-11-22") == dt.date(2026, 11, 22) and parse_date(None) is None
    with pytest.raises(typer.BadParameter, match="not a date"):
        parse_date("22/11/2026")
