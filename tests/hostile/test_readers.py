"""Issue 20, smaller case: readers never wait for the writer lock (docs/commands.md#hlkb-index: reads never wait)."""

from __future__ import annotations

from hostile.cases import build_tagged_vault


def test_readers_never_wait_for_the_writer(run_cli, tmp_path, monkeypatch):
    """search/stats/show while another hlkb holds the writer lock with work pending: the last
    committed index at once, with one line saying it may be stale (before: a ~2 s wait)."""
    from hlkb.index import open_index, store

    root = tmp_path / "vault"
    paths = build_tagged_vault(root, 3)
    assert run_cli("index", "--vault", root)[0] == 0
    paths[0].write_text(paths[0].read_text(encoding="utf-8") + "- Zebras crossing the river.\n", encoding="utf-8")

    def no_waiting(seconds):
        raise AssertionError(f"a reader waited ({seconds} s) for the writer lock")

    with open_index(root) as writer:
        writer.lock()  # another hlkb is indexing right now
        monkeypatch.setattr(store.time, "sleep", no_waiting)
        for args in (["search", "rivers", "--jsonl"], ["stats", "--json"], ["show", "01tagged0000000000000000001"]):
            code, out, err = run_cli(*args, "--vault", root)
            assert code == 0 and out, err
            assert "being updated by another hlkb" in err and "stale" in err, err
        code, out, err = run_cli("search", "zebras", "--vault", root, "--jsonl")
        assert out == ""  # the change is not in the committed index yet
    code, out, err = run_cli("search", "zebras", "--vault", root, "--jsonl")
    assert code == 0 and "Zebras" in out, err
