"""Invitation tokens: a signed, expiring credential for one candidate on one interview.

An invitation link (`<server>/ui/?invite=TOKEN`) is how a candidate reaches their interview in a
browser. The token is a compact JSON claim set, `{"v", "sub", "thr", "exp"}` (version, candidate
id, thread id, expiry in Unix seconds), base64url-encoded and signed with HMAC-SHA256 under
`SOPHIA_INVITE_SECRET`: `<claims>.<signature>`. It is not encrypted: it names the thread and the
candidate, which its holder may know; it cannot be forged or altered without the secret.

The server (`graph/auth.py`) accepts it as a candidate credential for that one thread:
an expired token is refused with 401 ("expired"), an altered or malformed one with 401, and a
valid one used on another thread with 403.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import time
from dataclasses import dataclass

logger = logging.getLogger(__name__)

INVITE_SECRET_ENV = "SOPHIA_INVITE_SECRET"
# HMAC-SHA256 wants a key of at least its output size: 32 bytes.
MIN_SECRET_CHARS = 32
TOKEN_VERSION = 1
DEFAULT_EXPIRY = "7d"
# What an invitation fixes for the whole interview: the run context's `mode` and
# `target_level` (graph/config.py), first value the default.
MODES = ("hiring", "practice")
TARGET_LEVELS = ("pack", "junior", "mid", "senior")
MAX_EXPIRY_SECONDS = 90 * 24 * 3600
# Candidate ids become Store keys and auth identities: keep them plain.
CANDIDATE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,99}$")
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


class InviteError(ValueError):
    """An invitation token that cannot be accepted; `expired` says whether it was only late."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


@dataclass(frozen=True)
class Invite:
    """What a valid token says: who is invited, to which interview, until when."""

    candidate_id: str
    thread_id: str
    expires_at: int
    version: int = TOKEN_VERSION


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: bytes, claims_part: str) -> str:
    return _b64encode(hmac.new(secret, claims_part.encode("ascii"), hashlib.sha256).digest())


def sign_invite(invite: Invite, secret: bytes) -> str:
    """The token for an invitation, signed with `secret`."""
    claims = {
        "v": invite.version,
        "sub": invite.candidate_id,
        "thr": invite.thread_id,
        "exp": int(invite.expires_at),
    }
    claims_part = _b64encode(json.dumps(claims, separators=(",", ":")).encode("utf-8"))
    return f"{claims_part}.{_signature(secret, claims_part)}"


def verify_invite(token: str | bytes, secret: bytes, now: float | None = None) -> Invite:
    """The invitation a token carries; `InviteError` when it is altered, malformed or expired.

    The signature is checked (in constant time) before anything in the claims is trusted.
    """
    if isinstance(token, bytes):
        try:
            token = token.decode("ascii")
        except UnicodeDecodeError:
            raise InviteError("malformed invitation token") from None
    claims_part, dot, signature = token.strip().partition(".")
    if not dot or not claims_part or not signature:
        raise InviteError("malformed invitation token")
    try:
        expected = _signature(secret, claims_part)
    except UnicodeEncodeError:
        raise InviteError("malformed invitation token") from None
    if not hmac.compare_digest(expected.encode("ascii"), signature.encode("ascii", "replace")):
        raise InviteError("invalid invitation token (it was altered, or signed with another key)")
    try:
        claims = json.loads(_b64decode(claims_part))
        invite = Invite(
            candidate_id=str(claims["sub"]),
            thread_id=str(claims["thr"]),
            expires_at=int(claims["exp"]),
            version=int(claims["v"]),
        )
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise InviteError("malformed invitation token") from None
    if invite.version != TOKEN_VERSION:
        raise InviteError(f"invitation token version {invite.version} is not supported")
    if invite.expires_at <= (time.time() if now is None else now):
        raise InviteError(
            "this invitation link has expired; ask the hiring team for a new one", expired=True
        )
    return invite


def parse_duration(text: str | int) -> int:
    """Seconds in a duration such as `7d`, `12h`, `30m`, `90s` or `3600` (up to 90 days)."""
    match = _DURATION.match(str(text))
    if not match:
        raise ValueError(f"'{text}' is not a duration: use a number with s, m, h, d or w (7d)")
    seconds = int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if not 0 < seconds <= MAX_EXPIRY_SECONDS:
        raise ValueError(f"an invitation lasts from 1 second to 90 days, not '{text}'")
    return seconds


def secret_from_env(auth_on: bool, environ: dict[str, str] | None = None) -> bytes:
    """The signing secret from `SOPHIA_INVITE_SECRET`; refuses to go on without a usable one.

    With auth on (`SOPHIA_API_KEYS` set), invitations are real credentials: the secret must be
    set, and long enough. With auth off (a developer's own machine) a random secret is made for
    this process, so links work until the server restarts.
    """
    raw = (os.environ if environ is None else environ).get(INVITE_SECRET_ENV, "").strip()
    if raw and len(raw) < MIN_SECRET_CHARS:
        raise ValueError(
            f"{INVITE_SECRET_ENV} is {len(raw)} characters; invitation links need at least "
            f"{MIN_SECRET_CHARS} (make one with: python -c 'import secrets; "
            "print(secrets.token_urlsafe(32))')"
        )
    if raw:
        return raw.encode("utf-8")
    if auth_on:
        raise ValueError(
            f"SOPHIA_API_KEYS is set but {INVITE_SECRET_ENV} is not: invitation links are "
            f"signed with it. Set it to a random string of at least {MIN_SECRET_CHARS} "
            "characters (python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    logger.warning(
        "%s is not set: invitation links are signed with a random key and stop working when "
        "the server restarts",
        INVITE_SECRET_ENV,
    )
    return _PROCESS_SECRET


# One random key per process, for a server with auth off (see `secret_from_env`).
_PROCESS_SECRET = secrets.token_bytes(32)
_configured: list[bytes] = []


def configure_secret(auth_on: bool) -> bytes:
    """Read the signing secret once, at server start (`graph/auth.py` calls this on import).

    Raises (so the server refuses to start) when auth is on and the secret is missing or short.
    """
    secret = secret_from_env(auth_on)
    _configured[:] = [secret]
    return secret


def signing_secret() -> bytes:
    """The secret the server signs and checks invitation tokens with."""
    if not _configured:
        raise RuntimeError(
            "the invitation secret is not configured: graph/auth.py reads it at server start"
        )
    return _configured[0]
