"""The Readwise export endpoint (``GET /api/v2/export/``), read page by page.

- Authorisation: ``Authorization: Token <token>``. The token goes in that header and
  nowhere else: never in a URL, a message, a log or a file (a message that could quote it
  has it blanked out).
- Paging: each page gives ``nextPageCursor``; it is sent back as ``pageCursor`` until null.
- ``updatedAfter``: only books with highlights changed since (the time of the last complete
  import, remembered in the index); ``includeDeleted=true``, so that deletions are seen.
- ``ids``: whole books by id (a book whose note is missing after an incremental fetch).
- HTTP 429: waits as long as ``Retry-After`` says (seconds or an HTTP date), up to
  ``max_wait`` in all; 5xx and dropped connections are retried a few times with backoff;
  401/403 is one line saying the token was refused.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from email.utils import parsedate_to_datetime

from hlkb import __version__
from hlkb.errors import HlkbError, InputError, UsageError
from hlkb.readwise.exports import Book, Export, book_from_json
from hlkb.textio import read_regular_file

DEFAULT_API_URL = "https://readwise.io/api/v2/"
IDS_PER_REQUEST = 100


class ApiError(HlkbError):
    """Readwise could not be asked, or refused (nothing is written after one)."""


def check_token(token: str | None, where: str) -> str:
    token = (token or "").strip()
    if not token:
        raise UsageError(f"no Readwise token: {where} is empty (get one at https://readwise.io/access_token)")
    if any(ch.isspace() or not ch.isprintable() or ord(ch) > 126 for ch in token):
        raise UsageError(f"the Readwise token in {where} has spaces, line breaks or other characters no token has")
    return token


def read_token(token_file: str | None, environ=None) -> str:
    """The token from ``--token-file`` (its first line), else ``READWISE_TOKEN``."""

    environ = os.environ if environ is None else environ
    if token_file:
        try:
            data = read_regular_file(token_file, token_file, limit=64 * 1024)[0]
        except InputError as exc:
            raise UsageError(f"cannot read the token file: {exc.message}", token_file) from None
        lines = data.decode("utf-8", "replace").strip().splitlines()
        return check_token(lines[0] if lines else "", f"the token file {token_file}")
    if "READWISE_TOKEN" not in environ:
        raise UsageError(
            "hlkb import --api needs a Readwise token: set READWISE_TOKEN or give --token-file "
            "(get one at https://readwise.io/access_token)"
        )
    return check_token(environ["READWISE_TOKEN"], "READWISE_TOKEN")


def utc_stamp(moment: _dt.datetime) -> str:
    return moment.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class ReadwiseClient:
    def __init__(
        self,
        token: str,
        base_url: str = DEFAULT_API_URL,
        sleep=None,
        max_wait: float = 900.0,
        retries: int = 4,
        timeout: float = 60.0,
    ):
        self._token = token
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        scheme = urllib.parse.urlsplit(self.base_url).scheme
        if scheme not in ("http", "https"):
            raise UsageError(f"--api-url must be an http(s) URL: {base_url}")
        self.sleep = sleep or (lambda seconds: time.sleep(seconds))
        self.max_wait = max_wait
        self.retries = retries
        self.timeout = timeout
        self.waited = 0.0
        self.requests = 0

    def export(self, updated_after: str | None = None, ids: list[str] | None = None, on_page=None) -> Export:
        """Every page of the export (``on_page(books_so_far, count)`` after each)."""
        params = {"includeDeleted": "true"}
        if updated_after:
            params["updatedAfter"] = updated_after
        if ids:
            params["ids"] = ",".join(ids)
        export = Export(kind="api")
        cursor = None
        page = 0
        while True:
            query = dict(params, **({"pageCursor": cursor} if cursor else {}))
            data = self._get("export/", query)
            page += 1
            if not isinstance(data, dict) or not isinstance(data.get("results"), list):
                raise ApiError(f"Readwise answered page {page} of the export with something that is not an export page")
            if export.count is None and isinstance(data.get("count"), int):
                export.count = data["count"]
            for i, raw in enumerate(data["results"]):
                if not isinstance(raw, dict):
                    raise ApiError(f"page {page} of the export: results[{i}] is not a book")
                book = book_from_json(raw, "Readwise export", f"page {page} results[{i}]", None)
                book.complete = not updated_after
                export.books.append(book)
            if on_page is not None:
                on_page(len(export.books), export.count)
            cursor = data.get("nextPageCursor")
            if not cursor:
                return export
            if not isinstance(cursor, (str, int)):
                raise ApiError(f"page {page} of the export has a nextPageCursor that is not text")
            cursor = str(cursor)

    def books(self, ids: list[str]) -> list[Book]:
        """Whole books by id (every highlight, not only the changed ones)."""
        out: list[Book] = []
        for i in range(0, len(ids), IDS_PER_REQUEST):
            got = self.export(ids=ids[i : i + IDS_PER_REQUEST])
            for book in got.books:
                book.complete = True
            out += got.books
        return out

    # ---- one request ----
    def _get(self, path: str, query: dict):
        url = self.base_url + path + "?" + urllib.parse.urlencode(query)
        attempt = 0
        while True:
            self.requests += 1
            request = urllib.request.Request(
                url,
                headers={
                    "Authorization": f"Token {self._token}",
                    "Accept": "application/json",
                    "User-Agent": _user_agent(),
                },
            )
            try:
                with _opener().open(request, timeout=self.timeout) as response:
                    body = response.read()
                try:
                    return json.loads(body.decode("utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError):
                    raise ApiError("Readwise answered with something that is not JSON") from None
            except urllib.error.HTTPError as exc:
                status = exc.code
                retry_after = exc.headers.get("Retry-After") if exc.headers else None
                detail = self._detail(exc)
                exc.close()
                if status in (401, 403):
                    raise ApiError(
                        f"Readwise refused the token (HTTP {status}{detail}); check READWISE_TOKEN or "
                        "--token-file (nothing was written)"
                    ) from None
                if status == 429:
                    self._wait(_retry_after_seconds(retry_after), "Readwise asked to slow down (HTTP 429)")
                    continue
                if status >= 500 and attempt < self.retries:
                    attempt += 1
                    self._wait(min(60.0, 2.0**attempt), f"Readwise failed (HTTP {status})")
                    continue
                raise ApiError(self._scrub(f"Readwise answered HTTP {status}{detail} (nothing was written)")) from None
            except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                if attempt < self.retries:
                    attempt += 1
                    self._wait(min(60.0, 2.0**attempt), "cannot reach Readwise")
                    continue
                raise ApiError(
                    self._scrub(f"cannot reach Readwise at {self.base_url}: {reason} (nothing was written)")
                ) from None

    def _wait(self, seconds: float, why: str) -> None:
        if self.waited + seconds > self.max_wait:
            raise ApiError(
                f"{why}; it would take more than {int(self.max_wait)} s of waiting in all; "
                "try again later (nothing was written)"
            )
        self.waited += seconds
        self.sleep(seconds)

    def _detail(self, exc: urllib.error.HTTPError) -> str:
        """Readwise's own word on an error (``{"detail": …}``), short and on one line."""
        try:
            data = json.loads(exc.read(4096).decode("utf-8"))
        except Exception:  # any unreadable body just has no detail
            return ""
        detail = data.get("detail") if isinstance(data, dict) else None
        if not isinstance(detail, str) or not detail.strip():
            return ""
        return ": " + self._scrub(" ".join(detail.split())[:200])

    def _scrub(self, text: str) -> str:
        return text.replace(self._token, "<token>") if self._token else text


def _retry_after_seconds(value: str | None) -> float:
    """``Retry-After`` in seconds: a number, or an HTTP date; 60 when absent or unreadable."""
    if value is None:
        return 60.0
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 60.0
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.timezone.utc)
    return max(0.0, (when - _dt.datetime.now(_dt.timezone.utc)).total_seconds())


class _SameHostRedirects(urllib.request.HTTPRedirectHandler):
    """Redirects keep the token only on the same scheme and host (a redirect elsewhere must
    not carry it away)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None:
            old_parts, new_parts = urllib.parse.urlsplit(req.full_url), urllib.parse.urlsplit(new.full_url)
            if (old_parts.scheme, old_parts.netloc) != (new_parts.scheme, new_parts.netloc):
                new.remove_header("Authorization")
        return new


def _opener():
    return urllib.request.build_opener(_SameHostRedirects())


def _user_agent() -> str:

    return f"hlkb/{__version__} (hlkb import)"
