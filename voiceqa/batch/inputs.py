"""Which files a batch covers: folders (recursive), globs, and list files."""
from __future__ import annotations

import glob
import hashlib
from pathlib import Path

AUDIO_EXTENSIONS = {".wav", ".mp3", ".flac", ".ogg", ".opus", ".m4a", ".aac", ".amr", ".wma"}
LIST_EXTENSIONS = {".txt", ".lst", ".list"}


def collect(paths: list[str]) -> list[Path]:
    """Audio files named by ``paths`` (folders are searched recursively), sorted, no duplicates.
    A ``.txt``/``.lst`` file lists one path per line. Files with an audio extension are kept
    even if they turn out not to be audio: the batch reports them as errors."""
    out: dict[str, Path] = {}

    def add(p: Path) -> None:
        out.setdefault(str(p.resolve()), p)

    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and f.suffix.lower() in AUDIO_EXTENSIONS:
                    add(f)
        elif p.is_file() and p.suffix.lower() in LIST_EXTENSIONS:
            for line in p.read_text(encoding="utf-8").splitlines():
                line = line.strip()
                if line and not line.startswith("#"):
                    q = Path(line) if Path(line).is_absolute() else p.parent / line
                    add(q)
        elif any(ch in raw for ch in "*?["):
            for f in sorted(glob.glob(raw, recursive=True)):
                if Path(f).is_file():
                    add(Path(f))
        else:
            add(p)  # a missing file becomes a per-file error, not a crash
    return sorted(out.values(), key=lambda p: str(p))


def content_hash(path: Path) -> str:
    h = hashlib.sha256()
    try:
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    except OSError:
        return "unreadable"
    return h.hexdigest()
