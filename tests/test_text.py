"""nnlib.text: the two corpora load, are what the lessons were made with, and a missing or damaged
file is refused with a message that says how to repair it."""

from pathlib import Path

import pytest

from nnlib import text


def test_the_corpora_load_and_look_as_documented():
    names = text.load_names()
    assert len(names) == 8422 and names == sorted(set(names))
    assert names[:3] == ["aaren", "aarika", "aaron"] and all(n == n.lower() for n in names)
    plays = text.load_shakespeare()
    assert 4_900_000 < len(plays) < 5_000_000
    assert plays.startswith("A Midsummer Night's Dream\n\nACT I\n")
    assert "To be, or not to be" in plays and not set("*_\\") & set(plays)


def test_a_damaged_or_missing_file_is_refused_with_a_repair(tmp_path, monkeypatch):
    (tmp_path / text.NAMES_FILE).write_text("anna\nbob\n", encoding="utf-8")
    with pytest.raises(text.CorpusFileError, match="has SHA-256 .*, expected 6fa848ca.*restore it"):
        text.load_names(tmp_path)
    with pytest.raises(text.CorpusFileError, match=r"cannot read .*shakespeare\.txt.*make_text"):
        text.load_shakespeare(tmp_path)
    monkeypatch.setenv("NNLIB_DATA", str(tmp_path))
    with pytest.raises(text.CorpusFileError, match="expected 6fa848ca"):
        text.load_names()


def test_a_data_folder_above_the_current_one_is_found(tmp_path, monkeypatch):
    monkeypatch.delenv("NNLIB_DATA", raising=False)
    monkeypatch.setattr(text, "_REPO_DATA_DIR", tmp_path / "not a clone")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / text.NAMES_FILE).write_bytes(b"")
    (tmp_path / "lessons").mkdir()
    monkeypatch.chdir(tmp_path / "lessons")
    assert text._corpus_path(text.NAMES_FILE, None) == tmp_path / "data" / text.NAMES_FILE


@pytest.mark.parametrize("damage", [lambda data: data[: len(data) // 2],            # truncated
                                    lambda data: data.replace(b"emma", b"emmb", 1)])  # one byte
def test_a_truncated_or_altered_copy_of_the_real_file_is_refused(tmp_path, damage):
    real = (Path(text.__file__).resolve().parent.parent / "data" / text.NAMES_FILE).read_bytes()
    (tmp_path / text.NAMES_FILE).write_bytes(damage(real))
    with pytest.raises(text.CorpusFileError, match="damaged or another version"):
        text.load_names(tmp_path)
