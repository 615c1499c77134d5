"""Passwords (argon2), CSRF tokens, login rate limiting, request body limits."""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from collections import OrderedDict, deque
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def csrf_token(session: dict) -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def csrf_ok(session: dict, submitted: str | None) -> bool:
    expected = session.get("csrf")
    return bool(expected and submitted and hmac.compare_digest(expected, submitted))


def secret_key() -> str:
    """VOICEQA_SECRET, else a random key kept in ~/.config/voiceqa/secret, created private
    (mode 600 from the first byte: opened with O_CREAT|O_EXCL and that mode, then written)."""
    if os.environ.get("VOICEQA_SECRET"):
        return os.environ["VOICEQA_SECRET"]
    path = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "voiceqa" / "secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first
            return path.read_text().strip()
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def new_session_token() -> tuple[str, str]:
    """(token for the cookie, its sha256 for the sessions table)."""
    token = secrets.token_urlsafe(32)
    return token, session_digest(token)


def session_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class LoginLimiter:
    """At most ``attempts`` failed logins per user name and per client address in ``window`` s.
    Memory is bounded: at most ``max_keys`` names/addresses are tracked (expired ones are
    dropped first, then the least recently failed)."""

    def __init__(self, attempts: int = 5, window: float = 300.0, max_keys: int = 10_000):
        self.attempts, self.window, self.max_keys = attempts, window, max_keys
        self.failures: OrderedDict[str, deque] = OrderedDict()

    def _recent(self, key: str) -> deque:
        q = self.failures.get(key)
        if q is None:
            return deque()
        now = time.monotonic()
        while q and now - q[0] > self.window:
            q.popleft()
        if not q:
            del self.failures[key]
        return q

    def blocked(self, *keys: str) -> bool:
        return any(len(self._recent(k)) >= self.attempts for k in keys)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        for k in keys:
            q = self._recent(k)
            q.append(now)
            while len(q) > self.attempts:  # older failures add nothing to the decision
                q.popleft()
            self.failures[k] = q
            self.failures.move_to_end(k)
        if len(self.failures) > self.max_keys:
            for k in [k for k, q in self.failures.items() if not q or now - q[-1] > self.window]:
                del self.failures[k]
            while len(self.failures) > self.max_keys:
                self.failures.popitem(last=False)


class BodyLimit:
    """ASGI middleware: requests with a body over ``limit`` bytes get 413 before any handler runs."""

    def __init__(self, app, limit: int = 64 * 1024):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            return await _too_large(send)
        seen = 0

        async def limited():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge()
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await _too_large(send)


class _TooLarge(Exception):
    pass


async def _too_large(send) -> None:
    await send({"type": "http.response.start", "status": 413, "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
    await send({"type": "http.response.body", "body": "请求体过大".encode()})
