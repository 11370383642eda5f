from hlkb.errors import HlkbError
from hlkb.textio import decode_bytes


def test_version_and_help(run_cli):
    code, out, _ = run_cli("--version")
    import hlkb.model

    build = "pure Python" if hlkb.model.__file__.endswith(".py") else "compiled with mypyc"
    assert code == 0 and out.startswith("hlkb ") and out.rstrip().endswith(f"({build})")
    code, out, _ = run_cli("--help")
    assert code == 0 and "parse" in out


def test_unknown_option_is_one_line_usage_error(run_cli):
    code, out, err = run_cli("parse", "--bogus")
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and "--bogus" in err


def test_missing_file_is_one_line_error(run_cli, tmp_path):
    code, out, err = run_cli("parse", str(tmp_path / "nope.md"))
    assert code == 2
    assert err.strip() == f"hlkb: {tmp_path / 'nope.md'}: no such file"


def test_decode_variants():
    assert decode_bytes(b"a\r\nb\rc\n").text == "a\nb\nc\n"
    assert decode_bytes(b"\xef\xbb\xbfx").encoding == "utf-8-sig"
    assert decode_bytes("中文".encode("utf-16")).text == "中文"
    assert decode_bytes("結果就是這兩家公司".encode("gb18030")).encoding == "gb18030"
    try:
        decode_bytes(b"ab\x00cd", "bin.md")
    except HlkbError as exc:
        assert str(exc).startswith("bin.md:1:")
    else:
        raise AssertionError("NUL byte accepted")
