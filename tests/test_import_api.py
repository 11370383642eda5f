"""`hlkb import --api` against a Readwise export endpoint of our own (a local HTTP server
the tests start): pages, updatedAfter, 429 Retry-After, a refused token, the token kept
secret."""

from __future__ import annotations

import copy
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

TOKEN = "rw-test-token-5f3a9c1e"
DATA = Path(__file__).parent / "data" / "import"


class FakeReadwise:
    """The export endpoint: two books a page, ``updatedAfter`` and ``ids`` as Readwise
    answers them (only the highlights updated since; whole books by id)."""

    def __init__(self, books: list[dict]):
        self.books = books
        self.requests: list[dict] = []
        self.throttle: list[str] = []  # Retry-After values for the next requests
        self.fail: list[int] = []  # statuses for the next requests
        self.page_size = 2
        self.refuse_later_pages = False  # a token that stops working after page 1
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                server.handle(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/api/v2/"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def _send(self, request, status: int, body: dict, headers: dict | None = None):
        data = json.dumps(body).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            request.send_header(k, v)
        request.end_headers()
        request.wfile.write(data)

    def handle(self, request):
        parts = urllib.parse.urlsplit(request.path)
        query = dict(urllib.parse.parse_qsl(parts.query))
        self.requests.append(
            {"path": parts.path, "query": query, "auth": request.headers.get("Authorization"), "at": time.monotonic()}
        )
        if (
            request.headers.get("Authorization") != f"Token {TOKEN}"
            or self.refuse_later_pages
            and "pageCursor" in query
        ):
            return self._send(request, 401, {"detail": "Invalid token."})
        if self.throttle:
            return self._send(request, 429, {"detail": "Request was throttled."}, {"Retry-After": self.throttle.pop(0)})
        if self.fail:
            return self._send(request, self.fail.pop(0), {"detail": "Server error."})
        if parts.path != "/api/v2/export/":
            return self._send(request, 404, {"detail": "Not found."})
        books = copy.deepcopy(self.books)
        if "ids" in query:
            wanted = set(query["ids"].split(","))
            books = [b for b in books if str(b["user_book_id"]) in wanted]
        elif "updatedAfter" in query:
            since = query["updatedAfter"]
            changed = []
            for b in books:
                b["highlights"] = [h for h in b["highlights"] if h["updated_at"] > since]
                if b["highlights"]:
                    changed.append(b)
            books = changed
        start = int(query.get("pageCursor", "0"))
        page = books[start : start + self.page_size]
        nxt = start + self.page_size
        self._send(
            request,
            200,
            {"count": len(books), "nextPageCursor": str(nxt) if nxt < len(books) else None, "results": page},
        )


def library() -> list[dict]:
    books = json.loads((DATA / "export-page.json").read_text(encoding="utf-8"))["results"]
    for b in books:
        for h in b["highlights"]:
            h["updated_at"] = "2024-01-01T00:00:00Z"
    return books


@pytest.fixture
def readwise():
    server = FakeReadwise(library())
    yield server
    server.close()


@pytest.fixture
def vault(tmp_path, monkeypatch) -> Path:
    v = tmp_path / "vault"
    v.mkdir()
    monkeypatch.setenv("READWISE_TOKEN", TOKEN)
    return v


def notes(vault: Path) -> dict[str, bytes]:
    return {p.relative_to(vault).as_posix(): p.read_bytes() for p in vault.rglob("*.md") if ".hlkb" not in p.parts}


def test_api_import_pages_through_the_export(readwise, vault, run_cli):
    code, out, err = run_cli("import", "--api", "--api-url", readwise.url, "--vault", vault, "--json")
    assert code == 0, err
    assert len(json.loads(out)["created"]) == 6
    exports = [r for r in readwise.requests if r["path"] == "/api/v2/export/"]
    assert [r["query"].get("pageCursor") for r in exports] == [None, "2", "4"]
    assert all(r["auth"] == f"Token {TOKEN}" and r["query"]["includeDeleted"] == "true" for r in exports)
    assert all("updatedAfter" not in r["query"] for r in exports)
    assert "fetched 6 books from Readwise" in err


def test_api_import_asks_only_for_what_changed_since_the_last_one(readwise, vault, run_cli):
    from hlkb.index import open_index
    from hlkb.readwise.state import ImportState

    assert run_cli("import", "--api", "--api-url", readwise.url, "--vault", vault)[0] == 0
    with open_index(vault) as index:
        since = ImportState(index.conn).updated_after()
    assert since and since.endswith("Z")
    before = notes(vault)
    # a change to one highlight, and a new book, after the last import
    ledger = next(b for b in readwise.books if b["user_book_id"] == 5001)
    ledger["highlights"][0].update(note="changed in Readwise", updated_at="2999-01-01T00:00:00Z")
    new_book = copy.deepcopy(next(b for b in readwise.books if b["user_book_id"] == 5006))
    new_book.update(user_book_id=5007, title="A Later Book", readable_title="A Later Book")
    new_book["highlights"] = [
        dict(new_book["highlights"][0], id=900701, text="An old highlight of the new book."),
        dict(new_book["highlights"][0], id=900702, text="Its new highlight.", updated_at="2999-01-01T00:00:00Z"),
    ]
    readwise.books.append(new_book)
    readwise.requests.clear()
    code, out, err = run_cli("import", "--api", "--api-url", readwise.url, "--vault", vault, "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["updated"] == ["Readwise/Books/The Lighthouse Keeper's Ledger.md"]
    assert summary["created"] == ["Readwise/Books/A Later Book.md"]
    queries = [r["query"] for r in readwise.requests]
    assert queries[0]["updatedAfter"] == since and "ids" not in queries[0]
    assert queries[-1]["ids"] == "5007" and "updatedAfter" not in queries[-1]  # a new book is fetched whole
    after = notes(vault)
    changed = {k for k in after if before.get(k) != after[k]}
    assert changed == {"Readwise/Books/The Lighthouse Keeper's Ledger.md", "Readwise/Books/A Later Book.md"}
    later = after["Readwise/Books/A Later Book.md"].decode()
    assert "An old highlight of the new book." in later and "Its new highlight." in later
    # --full ignores what was remembered
    readwise.requests.clear()
    assert run_cli("import", "--api", "--full", "--api-url", readwise.url, "--vault", vault)[0] == 0
    assert "updatedAfter" not in readwise.requests[0]["query"] and notes(vault) == after


def test_api_import_waits_as_long_as_retry_after_says(readwise, vault, run_cli):
    readwise.throttle = ["1"]
    started = time.monotonic()
    code, out, err = run_cli("import", "--api", "--api-url", readwise.url, "--vault", vault)
    assert code == 0, err
    first, second = readwise.requests[0], readwise.requests[1]
    assert second["at"] - first["at"] >= 0.95 and time.monotonic() - started >= 0.95
    assert second["query"] == first["query"]  # the same page asked again
    assert len(notes(vault)) == 6


def test_retry_after_as_a_date_and_server_errors_are_retried(readwise):
    from email.utils import formatdate

    from hlkb.readwise.api import ReadwiseClient

    waits: list[float] = []
    client = ReadwiseClient(TOKEN, readwise.url, sleep=waits.append)
    readwise.throttle = [formatdate(time.time() + 30, usegmt=True), "7"]
    readwise.fail = [503]
    export = client.export()
    assert len(export.books) == 6 and export.count == 6
    assert 25 <= waits[0] <= 31 and waits[1] == 7 and waits[2] == 2.0  # 503: backoff, then the page again
    readwise.throttle = ["5000"]
    from hlkb.readwise.api import ApiError

    with pytest.raises(ApiError, match="more than 900 s of waiting"):
        ReadwiseClient(TOKEN, readwise.url, sleep=waits.append).export()


def test_a_refused_token_is_one_line_and_nothing_is_written(readwise, vault, run_cli, monkeypatch):
    monkeypatch.setenv("READWISE_TOKEN", "not-the-token")
    code, out, err = run_cli("import", "--api", "--api-url", readwise.url, "--vault", vault)
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [
        "hlkb: Readwise refused the token (HTTP 401: Invalid token.); check "
        "READWISE_TOKEN or --token-file (nothing was written)"
    ]
    assert not any(vault.iterdir())
    assert "not-the-token" not in err


def test_a_refused_token_after_some_pages_writes_nothing(readwise, vault, run_cli):
    """The whole export is fetched before anything is written: a failure on page 2 costs
    nothing already in the vault."""
    readwise.refuse_later_pages = True
    code, out, err = run_cli("import", "--api", "--api-url", readwise.url, "--vault", vault)
    assert code == 2 and "refused the token" in err
    assert not any(vault.iterdir())


def test_the_token_is_never_printed_logged_or_written(readwise, vault, run_cli, tmp_path):
    outputs = []
    for args in (["--json"], ["--dry-run"], ["--dry-run", "--json"], []):
        code, out, err = run_cli("import", "--api", "--api-url", readwise.url, "--vault", vault, *args)
        assert code == 0, err
        outputs.append(out + err)
    readwise.throttle = ["0"]
    readwise.fail = [500]
    outputs.append("".join(run_cli("import", "--api", "--api-url", readwise.url + "missing/", "--vault", vault)[1:]))
    assert all(TOKEN not in text for text in outputs)
    for path in vault.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path


def test_the_token_from_a_file_and_a_missing_token(readwise, vault, run_cli, tmp_path, monkeypatch):
    monkeypatch.delenv("READWISE_TOKEN")
    code, _, err = run_cli("import", "--api", "--api-url", readwise.url, "--vault", vault)
    assert code == 2 and "set READWISE_TOKEN or give --token-file" in err and not any(vault.iterdir())
    token_file = tmp_path / "token"
    token_file.write_text(f"{TOKEN}\n", encoding="utf-8")
    code, _, err = run_cli("import", "--api", "--token-file", token_file, "--api-url", readwise.url, "--vault", vault)
    assert code == 0, err
    token_file.write_text("two words\n", encoding="utf-8")
    code, _, err = run_cli("import", "--api", "--token-file", token_file, "--api-url", readwise.url, "--vault", vault)
    assert code == 2 and "has spaces" in err and "two words" not in err


def test_unreachable_readwise_is_one_line(vault, run_cli, monkeypatch):
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    monkeypatch.setattr("time.sleep", lambda s: None)
    code, out, err = run_cli("import", "--api", "--api-url", f"http://127.0.0.1:{port}/api/v2/", "--vault", vault)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "cannot reach Readwise" in err
    assert not any(vault.iterdir())
