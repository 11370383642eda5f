"""Issue 20, case 1: two `hlkb tag rename` at once on the same files must not lose an edit.

Each file a command reports as written must hold its change afterwards; the two commands
either run one after the other (the second waits for the vault's edit lock) or one
refuses with a one-line "busy" error.
"""

from __future__ import annotations

import json

import pytest

from hostile.cases import build_tagged_vault
from hostile.procs import no_traceback, start

NOTES = 500
ROUNDS = 2  # before the edit lock, 12-36 of 500 edits were lost in each first round


def _written(out: str) -> list[str]:
    return [entry["path"] for entry in json.loads(out) if entry["written"]]


@pytest.mark.slow
def test_two_renames_at_once_lose_no_edit(tmp_path):
    root = tmp_path / "vault"
    build_tagged_vault(root, NOTES)
    names = [("alpha", "gamma", "beta", "delta"), ("gamma", "alpha", "delta", "beta")]
    for round_ in range(ROUNDS):
        old1, new1, old2, new2 = names[round_ % 2]
        procs = [
            start("tag", "rename", old, new, "--vault", root, "--yes", "--json")
            for old, new in ((old1, new1), (old2, new2))
        ]
        results = [p.communicate(timeout=180) + (p.returncode,) for p in procs]
        for (out, err, code), new in zip(results, (new1, new2)):
            no_traceback(err)
            if code != 0:
                # the only acceptable refusal: busy, in one line, nothing written
                assert code == 2 and "busy" in err and out.strip() in ("", "[]"), (round_, err)
                continue
            written = _written(out)
            assert len(written) == NOTES, (round_, err)
            lost = [p for p in written if f"[[{new}]]" not in (root / p).read_text(encoding="utf-8")]
            assert not lost, f"round {round_}: {len(lost)} of {len(written)} files reported written lack {new}"
        # and the files hold exactly what both commands (those that succeeded) asked for
        for path in sorted(root.rglob("*.md"))[:NOTES:50]:
            text = path.read_text(encoding="utf-8")
            for (_out, _err, code), old, new in zip(results, (old1, old2), (new1, new2)):
                if code == 0:
                    assert f"[[{new}]]" in text and f"[[{old}]]" not in text, (round_, path, text)


def test_an_editor_that_cannot_get_the_lock_refuses_in_one_line(run_cli, tmp_path, monkeypatch):
    from hlkb.edit import lock

    root = tmp_path / "vault"
    paths = build_tagged_vault(root, 3)
    before = [p.read_bytes() for p in paths]
    monkeypatch.setattr(lock, "EDIT_LOCK_WAIT_SECONDS", 0.2)
    with lock.vault_edit_lock(root):  # another editor, as far as the kernel is concerned
        code, out, err = run_cli("tag", "add", "later", paths[0], "--vault", root)
        assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and "busy" in err, err
        code, out, err = run_cli("tag", "rename", "alpha", "omega", "--vault", root, "--yes")
        assert code == 2 and "busy" in err and len(err.strip().splitlines()) == 1, err
        # a dry run writes nothing, so it does not need the lock
        code, out, err = run_cli("tag", "rename", "alpha", "omega", "--vault", root, "--dry-run")
        assert code == 0 and "+tags: [omega, beta]" in out, err
    assert [p.read_bytes() for p in paths] == before
    code, out, err = run_cli("tag", "add", "later", paths[0], "--vault", root)
    assert code == 0 and "later" in paths[0].read_text(encoding="utf-8"), err
