"""A small Hub on 127.0.0.1 that answers what `huggingface_hub` and transformers ask when they download.

It speaks the download protocol of huggingface_hub 1.x/2.x (read from its `file_download.py`,
`hf_api.py` and `utils/_http.py`):

- ``HEAD``/``GET /{repo_id}/resolve/{revision}/{path}``: a small file answers 200 with ``ETag`` (its git
  blob id), ``X-Repo-Commit`` and ``Content-Length``; a large (LFS) file answers 302 with
  ``X-Linked-Etag`` (its sha256), ``X-Linked-Size``, ``X-Repo-Commit`` and a ``Location`` on a second
  port, as the Hub redirects to its CDN; ``Range: bytes=N-`` is honoured (a resumed download).
- a missing file answers 404 with ``X-Error-Code: EntryNotFound`` (and ``X-Repo-Commit``, so the
  client caches the absence), an unknown repository ``RepoNotFound``, an unknown revision
  ``RevisionNotFound``;
- ``GET /api/models/{repo_id}[/revision/{rev}]``: the model info (``sha``, ``siblings``);
  ``GET /api/models/{repo_id}/tree/{rev}``: the file listing.

Every request is recorded (`requests`), the server can be stopped and started again on the same
ports (the Hub going away mid-session), and `cut(path)` makes downloads of one file stop halfway.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse

LFS_SUFFIXES = (".safetensors", ".bin", ".gguf", ".model")  # what the Hub stores with git-lfs
RESOLVE = re.compile(r"^/(?P<repo>[^/]+/[^/]+)/resolve/(?P<rev>[^/]+)/(?P<path>.+)$")
API_MODEL = re.compile(r"^/api/models/(?P<repo>[^/]+/[^/]+)(?:/revision/(?P<rev>[^/]+))?$")
API_TREE = re.compile(r"^/api/models/(?P<repo>[^/]+/[^/]+)/tree/(?P<rev>[^/]+)(?:/(?P<path>.*))?$")
BLOB = re.compile(r"^/blobs/(?P<sha256>[0-9a-f]{64})$")


@dataclass
class RepoFile:
    path: Path
    size: int
    sha256: str
    git_oid: str  # git's blob id: the Hub's ETag for a file kept in git

    @property
    def is_lfs(self) -> bool:
        return self.path.name.endswith(LFS_SUFFIXES)

    @classmethod
    def read(cls, path: Path) -> RepoFile:
        data = path.read_bytes()
        git_oid = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
        return cls(path, len(data), hashlib.sha256(data).hexdigest(), git_oid)


@dataclass
class Repo:
    repo_id: str
    files: dict[str, RepoFile] = field(default_factory=dict)
    commit: str = ""

    @classmethod
    def from_folder(cls, repo_id: str, folder: Path) -> Repo:
        files = {p.relative_to(folder).as_posix(): RepoFile.read(p)
                 for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.startswith(".")}
        digest = hashlib.sha1(repo_id.encode())
        for name, f in files.items():
            digest.update(f"{name}:{f.sha256}".encode())
        return cls(repo_id, files, digest.hexdigest())

    def knows(self, revision: str) -> bool:
        return revision in ("main", self.commit)


class LocalHub:
    """The Hub on 127.0.0.1: `repos` (repo id -> `Repo`), `url` for HF_ENDPOINT, `requests` seen so far."""

    def __init__(self, repos: dict[str, Repo]):
        self.repos = repos
        self.blobs = {f.sha256: f for r in repos.values() for f in r.files.values() if f.is_lfs}
        self.requests: list[tuple[str, str]] = []  # (method, path), in order
        self.cuts: dict[str, int] = {}  # LFS sha256 -> how many bytes of it any GET may still send
        self._lock = threading.Lock()
        self._servers: list[ThreadingHTTPServer] = []
        self._connections: set[socket.socket] = set()  # open keep-alive connections, closed by stop()
        self.hub_port, self.cdn_port = _free_port(), _free_port()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.hub_port}"

    @property
    def cdn_url(self) -> str:
        return f"http://127.0.0.1:{self.cdn_port}"

    # --- life cycle ---------------------------------------------------------------------------
    def start(self) -> LocalHub:
        handler = _handler_for(self)
        for port in (self.hub_port, self.cdn_port):
            server = ThreadingHTTPServer(("127.0.0.1", port), handler)
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, name=f"localhub:{port}", daemon=True).start()
            self._servers.append(server)
        return self

    def stop(self) -> None:
        """Stop answering: new connections are refused, as when the Hub is unreachable."""
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._servers.clear()
        with self._lock:  # a client's pooled keep-alive connection must not outlive the Hub
            for conn in self._connections:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
            self._connections.clear()

    @property
    def running(self) -> bool:
        return bool(self._servers)

    # --- what the tests look at or change -------------------------------------------------------
    def record(self, method: str, path: str) -> None:
        with self._lock:
            self.requests.append((method, path))

    def clear_requests(self) -> None:
        with self._lock:
            self.requests.clear()

    def downloads(self) -> list[str]:
        """Paths of every GET that sent file content (resolve of small files, CDN blobs)."""
        with self._lock:
            return [p for m, p in self.requests if m == "GET" and (RESOLVE.match(p) or BLOB.match(p))]

    def cut(self, repo_id: str, filename: str, keep: float = 0.5) -> RepoFile:
        """From now on every download of this (LFS) file stops after `keep` of its bytes, then the connection closes."""
        f = self.repos[repo_id].files[filename]
        assert f.is_lfs, "cut() is for the large files the Hub redirects to its CDN"
        self.cuts[f.sha256] = int(f.size * keep)
        return f

    def heal(self) -> None:
        self.cuts.clear()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _handler_for(hub: LocalHub):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self):
            super().setup()
            with hub._lock:
                hub._connections.add(self.connection)

        def finish(self):
            with hub._lock:
                hub._connections.discard(self.connection)
            super().finish()

        def log_message(self, *args):  # quiet: the tests read hub.requests instead
            pass

        def do_HEAD(self):
            self._answer(body=False)

        def do_GET(self):
            self._answer(body=True)

        # --- routing --------------------------------------------------------------------------
        def _answer(self, body: bool) -> None:
            path = unquote(urlparse(self.path).path)
            hub.record(self.command, path)
            if self.server.server_port == hub.cdn_port:
                m = BLOB.match(path)
                f = hub.blobs.get(m["sha256"]) if m else None
                return self._send_file(f, body, {}) if f else self._error(404, "EntryNotFound", "no such blob")
            if m := RESOLVE.match(path):
                return self._resolve(m["repo"], m["rev"], m["path"], body)
            if m := API_TREE.match(path):
                return self._tree(m["repo"], m["rev"], m["path"] or "")
            if m := API_MODEL.match(path):
                return self._model_info(m["repo"], m["rev"] or "main")
            return self._error(404, "RepoNotFound", f"{path} is not served by this test Hub")

        def _repo(self, repo_id: str, revision: str) -> Repo | None:
            repo = hub.repos.get(repo_id)
            if repo is None:
                self._error(404, "RepoNotFound", f"Repository {repo_id} not found")
            elif not repo.knows(revision):
                self._error(404, "RevisionNotFound", f"Invalid rev id: {revision}", repo)
                return None
            return repo

        def _resolve(self, repo_id: str, revision: str, filename: str, body: bool) -> None:
            repo = self._repo(repo_id, revision)
            if repo is None:
                return
            f = repo.files.get(filename)
            if f is None:
                return self._error(404, "EntryNotFound", f"{filename} does not exist on {revision}", repo)
            headers = {"X-Repo-Commit": repo.commit, "ETag": f'"{f.git_oid}"'}
            if f.is_lfs:  # the Hub answers with a redirect to its CDN, carrying the file's metadata
                headers.update({"X-Linked-Etag": f'"{f.sha256}"', "X-Linked-Size": str(f.size),
                                "Location": f"{hub.cdn_url}/blobs/{f.sha256}", "Content-Length": "0"})
                self.send_response(302)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                return
            self._send_file(f, body, headers)

        # --- answers --------------------------------------------------------------------------
        def _send_file(self, f: RepoFile, body: bool, headers: dict[str, str]) -> None:
            start = 0
            if m := re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range", "")):
                start = min(int(m[1]), f.size)
            self.send_response(206 if start else 200)
            for k, v in headers.items():
                self.send_header(k, v)
            if start:
                self.send_header("Content-Range", f"bytes {start}-{f.size - 1}/{f.size}")
            self.send_header("Content-Length", str(f.size - start))
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("ETag", headers.get("ETag", f'"{f.sha256}"'))
            self.end_headers()
            if not body:
                return
            data = f.path.read_bytes()
            limit = hub.cuts.get(f.sha256)
            if limit is not None:  # the connection drops halfway: send what is allowed, then hang up
                self.wfile.write(data[start:max(start, limit)])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.wfile.write(data[start:])

        def _model_info(self, repo_id: str, revision: str) -> None:
            repo = self._repo(repo_id, revision)
            if repo is None:
                return
            self._json({
                "id": repo.repo_id, "modelId": repo.repo_id, "sha": repo.commit, "private": False,
                "gated": False, "disabled": False, "library_name": "transformers", "tags": ["transformers"],
                "siblings": [{"rfilename": name, "size": f.size} for name, f in repo.files.items()],
            })

        def _tree(self, repo_id: str, revision: str, under: str) -> None:
            repo = self._repo(repo_id, revision)
            if repo is None:
                return
            prefix = under.strip("/") + "/" if under.strip("/") else ""
            entries = []
            for name, f in repo.files.items():
                if not name.startswith(prefix):
                    continue
                entry = {"type": "file", "path": name, "size": f.size, "oid": f.git_oid}
                if f.is_lfs:
                    entry["lfs"] = {"oid": f.sha256, "size": f.size, "pointerSize": 134}
                entries.append(entry)
            self._json(entries)

        def _json(self, payload) -> None:
            data = json.dumps(payload).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command == "GET":
                self.wfile.write(data)

        def _error(self, status: int, code: str, message: str, repo: Repo | None = None) -> None:
            data = json.dumps({"error": message}).encode()
            self.send_response(status)
            self.send_header("X-Error-Code", code)
            self.send_header("X-Error-Message", message)
            if repo is not None:
                self.send_header("X-Repo-Commit", repo.commit)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command == "GET":
                self.wfile.write(data)

    return Handler
