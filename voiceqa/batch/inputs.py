"""Which files a batch covers: folders (recursive), globs, and list files; each with its key,
the path relative to the batch root it was found under (the call's identity when the metadata
gives no call_id)."""
from __future__ import annotations

import glob
import hashlib
from dataclasses import dataclass
from pathlib import Path

AUDIO_EXTENSIONS = {".wav", ".mp3", ".flac", ".ogg", ".opus", ".m4a", ".aac", ".amr", ".wma"}
TRANSCRIPT_EXTENSIONS = {".json"}
LIST_EXTENSIONS = {".txt", ".lst", ".list"}


@dataclass(frozen=True)
class InputFile:
    path: Path
    key: str  # path relative to the batch root, "/"-separated: "day1/rec.wav"


def _key(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


def _glob_root(pattern: str) -> Path:
    """The folder a glob starts from: its longest leading part without wildcards."""
    parts = Path(pattern).parts
    fixed = []
    for part in parts:
        if any(ch in part for ch in "*?["):
            break
        fixed.append(part)
    return Path(*fixed) if fixed else Path(".")


def collect(paths: list[str], root: Path | None = None, transcripts: bool = False) -> list[InputFile]:
    """Files named by ``paths`` (folders are searched recursively), sorted, no duplicates.

    Keys are relative to ``root`` when given, else to the folder argument a file was found in
    (the glob's fixed folder, the list file's folder, a single file's folder). A ``.txt``/``.lst``
    file lists one path per line. Files with the wanted extension are kept even if they turn
    out not to be usable: the batch reports them as errors. ``transcripts``: look for voiceqa
    transcript JSON files instead of audio."""
    wanted = TRANSCRIPT_EXTENSIONS if transcripts else AUDIO_EXTENSIONS
    out: dict[str, InputFile] = {}

    def add(p: Path, base: Path) -> None:
        out.setdefault(str(p.resolve()), InputFile(p, _key(p, root or base)))

    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and f.suffix.lower() in wanted:
                    add(f, p)
        elif p.is_file() and p.suffix.lower() in LIST_EXTENSIONS:
            for line in p.read_text(encoding="utf-8").splitlines():
                line = line.strip()
                if line and not line.startswith("#"):
                    q = Path(line) if Path(line).is_absolute() else p.parent / line
                    add(q, p.parent)
        elif any(ch in raw for ch in "*?["):
            for f in sorted(glob.glob(raw, recursive=True)):
                if Path(f).is_file():
                    add(Path(f), _glob_root(raw))
        else:
            add(p, p.parent)  # a missing file becomes a per-file error, not a crash
    return sorted(out.values(), key=lambda f: str(f.path))


def content_hash(path: Path) -> str:
    h = hashlib.sha256()
    try:
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    except OSError:
        return "unreadable"
    return h.hexdigest()
