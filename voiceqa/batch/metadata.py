"""Call metadata: a CSV keyed by call_id or file name, or fields parsed from file names."""
from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

from ..errors import InputError
from ..store.records import CallMeta

FIELDS = ("call_id", "agent_id", "agent_name", "team", "customer_number", "started_at", "direction", "queue")
__all__ = ["CallMeta", "Metadata", "FIELDS", "parse_time"]


def parse_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    value = value.strip()
    for fmt in ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y%m%d%H%M%S", "%Y%m%d-%H%M%S", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(value, fmt)
        except ValueError:
            continue
    try:
        return dt.datetime.fromisoformat(value).replace(tzinfo=None)
    except ValueError:
        return None


class Metadata:
    """Looks up metadata for a file: CSV row by path relative to the batch root, file name or
    stem; else the ``--name-pattern`` groups. The call's identity is the metadata ``call_id``
    when given, else the file's path relative to the batch root (``day1/rec.wav``)."""

    def __init__(self, csv_path: Path | None = None, pattern: str | None = None):
        self.rows: dict[str, dict[str, str]] = {}
        try:
            self.pattern = re.compile(pattern) if pattern else None
        except re.error as exc:
            raise InputError("--name-pattern", f"not a valid regular expression ({exc})") from None
        if csv_path:
            self._load(csv_path)

    def _load(self, path: Path) -> None:
        try:
            with path.open(encoding="utf-8-sig", newline="") as f:
                reader = csv.DictReader(f)
                if not reader.fieldnames or not ({"call_id", "file"} & set(reader.fieldnames)):
                    raise InputError(path, "metadata CSV needs a call_id or file column")
                stems: dict[str, dict[str, str] | None] = {}
                for row in reader:
                    file = (row.get("file") or "").strip().replace("\\", "/")
                    for key in (row.get("call_id"), file):
                        if key:
                            self.rows[key] = row
                    if file and "/" not in file:  # a bare name also matches by stem, unless two rows share it
                        stem = Path(file).stem
                        stems[stem] = None if stem in stems and stems[stem] is not row else row
                for stem, row in stems.items():
                    if row is not None:
                        self.rows.setdefault(stem, row)
        except FileNotFoundError:
            raise InputError(path, "metadata file not found") from None
        except (UnicodeDecodeError, csv.Error) as exc:
            raise InputError(path, f"not a readable CSV ({exc})") from None

    def for_file(self, path: Path, key: str | None = None) -> CallMeta:
        """Metadata for ``path``; ``key`` is its path relative to the batch root (default: its name)."""
        key = key or path.name
        row = self.rows.get(key) or ({} if "/" in key else self.rows.get(path.name) or self.rows.get(path.stem)) or {}
        if not row and self.pattern:
            m = self.pattern.search(path.name)
            row = {k: v for k, v in (m.groupdict() if m else {}).items() if v}
        return CallMeta(
            call_id=(row.get("call_id") or "").strip() or key,
            agent_id=row.get("agent_id") or None,
            agent_name=row.get("agent_name") or None,
            team=row.get("team") or None,
            customer_number=(row.get("customer_number") or "").strip() or None,
            started_at=parse_time(row.get("started_at")),
            direction=row.get("direction") or None,
            queue=row.get("queue") or None,
        )
