"""Figure extraction: data-driven cases in tests/data/claims/figures.txt, plus cn2an edges."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hlkb.claims.figures import chinese_numeral_value, compatible_units, extract_figures, values_match
from hlkb.model import Figure

CASES = Path(__file__).parent / "data" / "claims" / "figures.txt"


def _cases():
    blocks = CASES.read_text(encoding="utf-8").split("\n\n")
    for block in blocks:
        lines = [ln for ln in block.splitlines() if ln.strip() and not ln.startswith("#")]
        if not lines:
            continue
        text, expected = lines[0], lines[1:]
        want = []
        if expected != ["-"]:
            for ln in expected:
                raw, value, unit, approx = (part.strip() for part in ln.split("|"))
                want.append((raw, float(value), unit, approx == "true"))
        yield pytest.param(text, want, id=text[:30])


@pytest.mark.parametrize("text,want", list(_cases()))
def test_extract_figures(text, want):
    got = [(f.raw, f.value, f.unit, f.approx) for f in extract_figures(text)]
    assert got == want


def test_values_are_exact_decimals():
    # 6.03 * 1e8 in floats is 602999999.9999999; the extractor must give the exact value.
    (fig,) = extract_figures("营收6.03亿", "zh")
    assert fig.value == 603000000
    (en,) = extract_figures("revenue of $603 million", "en")
    assert values_match(en, Figure("x", 603000000.0, "USD"))


def test_long_decimals_differ():
    (a,) = extract_figures("$0.19999999999999998", "en")
    (b,) = extract_figures("0.1999999999999999998 美元", "zh")
    assert a.unit == b.unit == "USD"
    assert not values_match(a, b)


@pytest.mark.parametrize(
    "numeral,value",
    [
        ("十五", 15),
        ("一百萬", 1000000),
        ("两千", 2000),
        ("兩千零五", 2005),
        ("三千億", 300000000000),
        ("二〇二四", 2024),
        ("二○二四", 2024),
        ("一九九六", 1996),
        ("十", 10),
    ],
)
def test_chinese_numeral_value(numeral, value):
    assert chinese_numeral_value(numeral) == value


@pytest.mark.parametrize("odd", ["十几", "百分之", "零零", "万万万", "分", "亿十"])
def test_chinese_numeral_odd_input_never_escapes(odd):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning leaking out would fail here
        result = chinese_numeral_value(odd)
    assert result is None or result >= 0


def test_text_without_numbers_is_skipped():
    assert extract_figures("Nothing countable lives here.") == []
    assert extract_figures("") == []


def test_units_compatibility():
    assert compatible_units("USD", "USD")
    assert compatible_units("number", "hour")
    assert compatible_units("number", "ordinal")
    assert not compatible_units("count", "ordinal")
    assert not compatible_units("mile", "km")
    assert not compatible_units("USD", "CNY")


def test_approx_tolerance():
    a = Figure("more than $20,000", 20000.0, "USD", approx=True)
    assert values_match(a, Figure("2萬多美元", 20000.0, "USD", approx=True))
    assert values_match(a, Figure("2.2万美元", 22000.0, "USD"))
    assert not values_match(Figure("20", 20.0), Figure("30", 30.0))


_ALPHABET = st.sampled_from(
    list("0123456789.,$%¢ -abtenoh萬万億亿一二三十百千〇○兩两約多年歲天個美元分鐘小時第的")
    + ["million", "more than ", "two", "hours", "percent", " of ", "dozen", "years old"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=30).map("".join), st.sampled_from([None, "en", "zh"]))
def test_extract_figures_never_fails_and_raw_is_in_text(text, lang):
    for fig in extract_figures(text, lang):
        assert fig.raw and fig.raw in text
        assert fig.value == fig.value and abs(fig.value) != float("inf")


def test_positional_fast_path_agrees_with_cn2an():
    """The everyday-numeral fast path must give cn2an's value wherever cn2an gives one."""
    import random
    import warnings

    import cn2an

    from hlkb.claims.figures import _positional_value

    rng = random.Random(7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for value in list(range(1200)) + [rng.randint(0, 10**12) for _ in range(3000)]:
            numeral = cn2an.an2cn(value)
            fast = _positional_value(numeral)
            try:
                reference = cn2an.cn2an(numeral, "normal")
            except Exception:  # cn2an refuses some of its own output; ours must still be right
                reference = value
            assert fast in (None, reference), numeral
            assert fast == value, numeral
    for odd in ["一二", "百", "千万", "十十", "壹佰"]:
        assert _positional_value(odd) is None, odd
