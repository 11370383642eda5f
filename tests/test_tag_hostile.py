"""`hlkb tag` on the hostile vault (tests/hostile): a clear one-line error or a clean edit, never
a traceback, a hang or a half-changed file."""

from __future__ import annotations

import pytest

from hlkb.edit import load_source

# tests/hostile belongs to the robustness work (issue 8); skip cleanly if it is not there.
build_vault = pytest.importorskip("hostile.cases", reason="tests/hostile is not in this checkout").build_vault


# The files whose tags cannot be edited (exit 2, one line, file unchanged): undecodable or
# binary text, front matter never closed or not YAML we can rewrite, a folder. Every other
# hostile file takes the tag and gives it back byte for byte.
REFUSED = {
    "invalid-utf8.md",
    "nul-bytes.md",
    "image.png.md",
    "unclosed.md",
    "billion-laughs.md",
    "python-tag.md",
    "custom-tag.md",
    "deep.md",
    "huge-int.md",
    "folder.md",
}


def test_tag_add_on_every_hostile_file(run_cli, tmp_path):
    root = tmp_path / "vault"
    made = build_vault(root)
    for name in [*made, "folder.md"]:
        path = root / name
        before = path.read_bytes() if path.is_file() else None
        code, out, err = run_cli("tag", "add", "probe", name, "--vault", root)
        assert code == (2 if name in REFUSED else 0), (name, err)
        assert "Traceback" not in err
        if code == 2:
            assert err.startswith("hlkb: ") and (before is None or path.read_bytes() == before), name
            assert out == ""
        else:
            assert "probe" in load_source(path).text, name
            code, _, err = run_cli("tag", "remove", "probe", name, "--vault", root)
            assert code == 0 and path.read_bytes() == before, (name, err)


def test_rename_over_hostile_vault_is_refused_or_clean(run_cli, tmp_path):
    root = tmp_path / "vault"
    build_vault(root)
    before = {p: p.read_bytes() for p in root.rglob("*.md") if p.is_file()}
    code, out, err = run_cli("tag", "rename", "gardens", "plots", "--vault", root, "--yes")
    assert "Traceback" not in err
    # Unreadable files are reported (exit 2) but do not stop the rename in the readable ones.
    assert code == 2 and "skipped (cannot be read): nul-bytes.md:2:" in err
    changed = {p for p, data in before.items() if p.read_bytes() != data}
    assert {root / "good.md", root / "sub" / "good2.md", root / "crlf.md"} <= changed
    for path in changed:
        text = load_source(path).text
        assert "tags: [plots]" in text and "[gardens]" not in text  # the title's word "Gardens" stays
