"""Sophia in a browser: the candidate page, the hiring-team view, and the invitation route.

`langgraph.json` mounts this Starlette app into the LangGraph server (`http.app`), so
`langgraph dev` and a LangGraph Platform deployment serve it with no extra process:

- `GET /ui/` is the candidate page, `GET /ui/team/` the hiring-team view: static files (plain
  HTML, CSS and JavaScript modules, no build step). They talk to the server's own API.
- `GET /ui/api/scale` is the scoring scale the pages draw with (criteria, weights, labels),
  taken from `graph/scoring.py` so no number is typed twice.
- `POST /ui/api/invitations` (interviewer key) invites a candidate: it stores their profile,
  creates the thread they will own, starts the interview with its mode and target level, waits
  until Sophia has greeted them, and returns a signed link (`graph/invites.py`).

`http.enable_custom_route_auth` puts these routes behind the server's auth handler
(`graph/auth.py`); the server lets `GET /ui...` through without credentials (page assets), so
every route that needs a key is a POST.
"""

import dataclasses
import re
import secrets
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from langgraph_sdk import get_client
from langgraph_sdk.client import LangGraphClient
from pydantic import BaseModel, Field, ValidationError, ValidationInfo, field_validator
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from graph.config import DEFAULT_ROLE, Context
from graph.invites import (
    CANDIDATE_ID,
    DEFAULT_EXPIRY,
    MODES,
    TARGET_LEVELS,
    Invite,
    parse_duration,
    sign_invite,
    signing_secret,
)
from graph.scoring import CRITERIA, CRITERIA_WEIGHTS, LEVELS, RECOMMENDATION_BARS
from graph.store import PROFILES
from nodes.report import CRITERION_NAMES
from rubric.role_pack import load_role_pack

STATIC = Path(__file__).parent / "static"
GRAPH_ID = "interview"
UI_PATH = "/ui/"
# The pages load nothing from elsewhere, and the link's token must not leak through a Referer
# header to a page the candidate opens from the interview (a learning resource, say).
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
# The settings an invitation fixes for the whole interview, with their choices.
INVITATION_SETTINGS = {"mode": MODES, "target_level": TARGET_LEVELS}

# Titles from the default role pack: phases (the candidate page shows one when a pause does not
# carry its own `progress`) and topics (the report page's question headings).
_PACK = load_role_pack(DEFAULT_ROLE)
PHASE_TITLES = {phase.id: phase.title for phase in _PACK.phases}
TOPIC_TITLES = {topic_id: topic.title for topic_id, topic in _PACK.topics.items()}


def label(identifier: str) -> str:
    """A label for people from an identifier: `lean_no_hire` -> `Lean no hire`."""
    return identifier.replace("_", " ").capitalize()


def scoring_scale() -> dict[str, Any]:
    """The scale the pages draw with: criteria and weights, recommendation bars, levels."""
    return {
        "criteria": [
            {"id": c, "label": CRITERION_NAMES[c], "weight": CRITERIA_WEIGHTS[c]} for c in CRITERIA
        ],
        "recommendations": [
            {"id": r, "label": label(r), "min_overall": bar} for bar, r in RECOMMENDATION_BARS
        ],
        "levels": list(LEVELS),
        "phases": [{"id": pid, "title": title} for pid, title in PHASE_TITLES.items()],
        "topics": [{"id": tid, "title": title} for tid, title in TOPIC_TITLES.items()],
    }


class InvitationRequest(BaseModel):
    """What the hiring team fills in to invite a candidate."""

    name: str = Field(min_length=1, max_length=200)
    years_experience: float = Field(ge=0, le=60)
    summary: str = Field(default="", max_length=2000)
    mode: str = MODES[0]
    target_level: str = TARGET_LEVELS[0]
    expires: str = DEFAULT_EXPIRY
    candidate_id: str | None = Field(
        default=None, description="A stored profile's id; default: made from the name."
    )
    assistant_id: str = Field(default=GRAPH_ID, max_length=200)

    @field_validator("name", "summary")
    @classmethod
    def _stripped(cls, value: str) -> str:
        return " ".join(value.split())

    @field_validator("mode", "target_level")
    @classmethod
    def _one_of_the_choices(cls, value: str, info: ValidationInfo) -> str:
        choices = INVITATION_SETTINGS[info.field_name]
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return value

    @field_validator("expires")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)
        return value

    @field_validator("candidate_id")
    @classmethod
    def _plain_id(cls, value: str | None) -> str | None:
        if value is not None and not CANDIDATE_ID.match(value):
            raise ValueError("use up to 100 letters, digits and . _ @ + -")
        return value


def new_candidate_id(name: str) -> str:
    """A fresh candidate id from a name: `ada-lovelace-3f9c1e`."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "candidate"
    return f"{slug}-{secrets.token_hex(3)}"


def interview_context(invitation: InvitationRequest) -> dict[str, Any]:
    """The run context that fixes the interview's mode and target level.

    Only settings this server's `Context` has are sent; choosing a value other than the default
    for one it lacks is an error, not a silent hiring interview.
    """
    known = {f.name for f in dataclasses.fields(Context)}
    context: dict[str, Any] = {}
    for name, choices in INVITATION_SETTINGS.items():
        value = getattr(invitation, name)
        if name in known:
            context[name] = value
        elif value != choices[0]:  # not the default
            raise InvitationError(400, f"this server's interview has no '{name}' setting")
    return context


class InvitationError(Exception):
    """An invitation that cannot be made, with the HTTP status to answer."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def error(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


def detail_of(response: httpx.Response) -> str:
    """The `detail` of an API error, else its text."""
    try:
        return str(response.json().get("detail", response.text))
    except ValueError:
        return response.text


def caller_is_interviewer(request: Request) -> bool:
    """Whether the server's auth handler resolved the caller to an interviewer.

    Without `enable_custom_route_auth` no handler ran: nobody is an interviewer then.
    """
    auth = request.scope.get("auth")
    return auth is not None and "interviewer" in auth.scopes


async def check_assistant(sdk: LangGraphClient, assistant_id: str) -> None:
    """404 before anything is stored when the assistant (or graph) does not exist."""
    if assistant_id == GRAPH_ID:  # the graph's default assistant
        return
    try:
        await sdk.assistants.get(assistant_id)
    except httpx.HTTPStatusError as exc:
        if exc.response.status_code in (404, 422):  # 422: not even an assistant id
            raise InvitationError(404, f"there is no assistant '{assistant_id}'") from None
        raise


async def start_interview(invitation: InvitationRequest, inviter: str) -> dict[str, Any]:
    """Store the profile, create the candidate's thread, run it to Sophia's greeting."""
    context = interview_context(invitation)
    seconds = parse_duration(invitation.expires)
    # In process, through the server's own API (the SDK's loopback transport).
    sdk = get_client(url=None)
    await check_assistant(sdk, invitation.assistant_id)
    candidate_id = invitation.candidate_id or new_candidate_id(invitation.name)
    stored = await sdk.store.get_item(list(PROFILES), candidate_id)
    profile = {
        **(stored["value"] if stored else {}),
        "id": candidate_id,
        "name": invitation.name,
        "years_experience": invitation.years_experience,
        "summary": invitation.summary,
    }
    await sdk.store.put_item(list(PROFILES), candidate_id, profile)
    expires_at = int(time.time()) + seconds
    thread = await sdk.threads.create(
        metadata={
            "owner": candidate_id,
            "candidate_name": invitation.name,
            "invited_by": inviter,
            "mode": invitation.mode,
            "target_level": invitation.target_level,
            "invite_expires_at": expires_at,
        }
    )
    thread_id = thread["thread_id"]
    try:
        await sdk.runs.wait(
            thread_id,
            invitation.assistant_id,
            input={"candidate_id": candidate_id},
            context=context or None,
            raise_error=True,
        )
    except httpx.HTTPStatusError as exc:
        raise InvitationError(
            exc.response.status_code, f"could not start the interview: {detail_of(exc.response)}"
        ) from None
    except Exception as exc:  # the SDK raises a plain Exception for a run that failed
        raise InvitationError(500, f"the interview failed to start: {exc}") from None
    state = await sdk.threads.get_state(thread_id)
    if not state.get("interrupts"):
        raise InvitationError(500, "the interview did not pause at the greeting")
    token = sign_invite(
        Invite(candidate_id=candidate_id, thread_id=thread_id, expires_at=expires_at),
        signing_secret(),
    )
    return {
        "thread_id": thread_id,
        "candidate_id": candidate_id,
        "name": invitation.name,
        "mode": invitation.mode,
        "target_level": invitation.target_level,
        "expires_at": datetime.fromtimestamp(expires_at, UTC).isoformat(),
        "token": token,
        "path": f"{UI_PATH}?invite={token}",
    }


async def create_invitation(request: Request) -> Response:
    """Invite a candidate (interviewer key); answers 201 with the link.

    ---
    summary: Invite a candidate to an interview
    description: >-
      Stores the candidate's profile, creates the thread they own, starts the interview with
      its mode and target level, waits for Sophia's greeting and returns a signed link
      (path /ui/?invite=TOKEN). Body - name, years_experience, summary, mode (hiring or
      practice), target_level (pack, junior, mid or senior), expires (7d, 12h, ...),
      candidate_id (a stored profile), assistant_id.
    responses:
      201: {description: "thread_id, candidate_id, token, path, url, expires_at"}
      401: {description: "no valid key"}
      403: {description: "not an interviewer key"}
      422: {description: "a field is invalid"}
    """
    if not caller_is_interviewer(request):
        return error(403, "only an interviewer key can invite candidates")
    try:
        invitation = InvitationRequest.model_validate(await request.json())
    except ValueError as exc:  # ValidationError, or a body that is not JSON
        if isinstance(exc, ValidationError):
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "body"
            return error(422, f"{where}: {first['msg']}")
        return error(400, "send the invitation as a JSON object")
    try:
        invited = await start_interview(invitation, request.user.identity)
    except InvitationError as exc:
        return error(exc.status, exc.detail)
    base = str(request.base_url).rstrip("/")
    return JSONResponse({**invited, "url": base + invited["path"]}, status_code=201)


async def scale(request: Request) -> Response:
    """The scoring scale the pages draw with (public: the same for every interview).

    ---
    summary: The scoring scale
    description: Criteria with their labels and weights, recommendation bars, levels, phase and
      topic titles.
    responses:
      200: {description: "criteria, recommendations, levels, phases"}
    """
    return JSONResponse(scoring_scale())


async def to_candidate_page(request: Request) -> Response:
    """`/ui` -> `/ui/`, keeping the query (an invitation link typed without its slash)."""
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(UI_PATH + query)


class PageFiles(StaticFiles):
    """The pages' static files, with the security headers above."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(SECURITY_HEADERS)
        return response


app = Starlette(
    routes=[
        Route("/ui/api/invitations", create_invitation, methods=["POST"]),
        Route("/ui/api/scale", scale, methods=["GET"]),
        Route("/ui", to_candidate_page, methods=["GET"], include_in_schema=False),
        Mount("/ui", app=PageFiles(directory=STATIC, html=True), name="ui"),
    ]
)
