"""`sophia invite`: ask a Sophia server for an invitation link (`POST /ui/api/invitations`)."""

from __future__ import annotations

from typing import Any

import httpx

from graph.invites import CANDIDATE_ID, MODES, TARGET_LEVELS, parse_duration

# Sophia greets the candidate before the link is made: one run through the server's queue.
INVITE_TIMEOUT = 120.0


class InvitationFailed(Exception):
    """An invitation the server could not make, or a server that could not be reached."""


def check_choices(fields: dict[str, Any]) -> None:
    """Refuse what the server would refuse, before asking it."""
    for option, name, choices in (
        ("--mode", "mode", MODES),
        ("--target-level", "target_level", TARGET_LEVELS),
    ):
        if fields[name] not in choices:
            raise InvitationFailed(
                f"{option} must be one of {', '.join(choices)}, not '{fields[name]}'"
            )
    try:
        parse_duration(fields["expires"])
    except ValueError as exc:
        raise InvitationFailed(f"--expires: {exc}") from None
    if fields.get("candidate_id") and not CANDIDATE_ID.match(fields["candidate_id"]):
        raise InvitationFailed("--candidate-id: use up to 100 letters, digits and . _ @ + -")


def request_invitation(server: str, api_key: str | None, fields: dict[str, Any]) -> dict[str, Any]:
    """The invitation the server made, with `link`: the server's URL plus the page's path."""
    check_choices(fields)
    base = server.rstrip("/")
    headers = {"x-api-key": api_key} if api_key else {}
    body = {k: v for k, v in fields.items() if v is not None}
    try:
        response = httpx.post(
            f"{base}/ui/api/invitations", json=body, headers=headers, timeout=INVITE_TIMEOUT
        )
    except httpx.HTTPError as exc:
        raise InvitationFailed(f"cannot reach {base}: {exc}") from None
    if response.status_code != 201:
        try:
            detail = response.json().get("detail", response.text)
        except ValueError:
            detail = response.text.strip()[:200]
        hint = " (send an interviewer key with --api-key)" if response.status_code == 401 else ""
        raise InvitationFailed(f"the server refused ({response.status_code}): {detail}{hint}")
    invited = response.json()
    return {**invited, "link": base + invited["path"]}
