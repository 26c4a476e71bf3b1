"""The console's forms (POST): the chat box, pause/resume, previewing a file, signing in/out.

Every form but the login is behind ``Console.guarded(..., form=True)``: access and CSRF are
checked before these run. The login form checks its own CSRF token.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bots.console.actions import (
    pause_subscription,
    publish_now,
    reschedule_issue,
    resume_subscription,
    unschedule_issue,
)
from bots.console.app import SECURITY_HEADERS, Console
from bots.console.auth import CSRF_FIELD
from bots.console.chat import converse
from bots.console.pages import chat_page, platform_of
from bots.console.preview import preview_bytes
from bots.inbound import BodyTooLarge, read_body, replay
from core.errors import ContentError, NotFound

MAX_UPLOAD_BYTES = 2_000_000
MAX_LOGIN_BODY = 16 * 1024  # a token, a CSRF token and a page to go back to
FRAGMENT_HEADER = "x-haishin-fragment"


async def chat(console: Console, request: Request) -> Response:
    """Answer the chat box: the new turn only (for the page's script), or the whole page."""
    form = await request.form()
    platform = platform_of(console, _field(form, "platform"))
    exchange = await converse(
        console.services,
        console.renderers[platform],
        text=_field(form, "text"),
        button=_field(form, "button"),
        label=_field(form, "label"),
        conversation=console.guard.conversation(request),
    )
    if request.headers.get(FRAGMENT_HEADER):
        return console.fragment(
            "_exchange.html",
            platform=exchange.platform,
            shown=exchange.shown,
            pressed=exchange.pressed,
            messages=exchange.messages,
            error=exchange.error,
            note=exchange.note,
            intent=exchange.intent,
            args=exchange.args,
        )
    return chat_page(console, request, platform, [exchange])


async def subscription(console: Console, request: Request) -> Response:
    """Pause or resume a subscription, then back to the deliveries page."""
    subscription_id = int(request.path_params["id"])
    action = request.path_params["action"]
    done = "paused"
    try:
        if action == "pause":
            await pause_subscription(console.services, subscription_id)
        elif action == "resume":
            done = f"resumed-{await resume_subscription(console.services, subscription_id)}"
        else:
            return console.message(request, 404, "No such action", f"{action!r} is not one.")
    except NotFound:
        return console.message(
            request, 404, "No such subscription", f"There is no subscription {subscription_id}."
        )
    return RedirectResponse(f"/deliveries?done={done}", status_code=303)


async def unschedule(console: Console, request: Request) -> Response:
    """Cancel a scheduled issue, then back to its page."""
    number = int(request.path_params["number"])
    try:
        await unschedule_issue(console.services, number)
    except NotFound:
        return console.message(request, 404, "No such issue", f"There is no issue #{number}.")
    except ContentError as exc:
        return console.message(request, 409, "Already published", exc.message)
    return RedirectResponse(f"/issues/{number}?done=unscheduled", status_code=303)


async def reschedule(console: Console, request: Request) -> Response:
    """Put a cancelled issue back on its schedule, then back to its page."""
    number = int(request.path_params["number"])
    try:
        await reschedule_issue(console.services, number)
    except NotFound:
        return console.message(request, 404, "No such issue", f"There is no issue #{number}.")
    return RedirectResponse(f"/issues/{number}?done=rescheduled", status_code=303)


async def publish(console: Console, request: Request) -> Response:
    """Publish an issue now, then back to its page."""
    number = int(request.path_params["number"])
    try:
        published = await publish_now(console.services, number)
    except NotFound:
        return console.message(request, 404, "No such issue", f"There is no issue #{number}.")
    done = "published" if published else "was-out"
    return RedirectResponse(f"/issues/{number}?done={done}", status_code=303)


async def preview(console: Console, request: Request) -> Response:
    """Preview an uploaded or pasted issue file (nothing is stored)."""
    form = await request.form()
    upload = form.get("file")
    name = _field(form, "name").strip()
    data = b""
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read(MAX_UPLOAD_BYTES + 1)
        name = name or upload.filename
    elif _field(form, "text").strip():
        data = _field(form, "text").encode("utf-8")
    if not data:
        return console.page(
            request,
            "preview.html",
            nav="preview",
            view=None,
            error={"where": "", "message": "Choose a file or paste its text."},
        )
    if len(data) > MAX_UPLOAD_BYTES:
        return console.page(
            request,
            "preview.html",
            nav="preview",
            view=None,
            error={"where": name, "message": f"is over {MAX_UPLOAD_BYTES:,} bytes."},
        )
    return await preview_bytes(console, request, data, name or "pasted.txt", form=form)


async def login_page(console: Console, request: Request) -> Response:
    """The sign-in form (or straight on, when no token is needed)."""
    target = _local(request.query_params.get("next", "/"))
    if not console.guard.login_required:
        return RedirectResponse(target, status_code=303)
    response = console.page(request, "login.html", next=target)
    response.headers.update(SECURITY_HEADERS)
    return response


async def login(console: Console, request: Request) -> Response:
    """Check the admin token; on success start a session and go on."""
    guard = console.guard
    if not guard.login_required:
        return RedirectResponse(_local(request.query_params.get("next", "/")), status_code=303)
    try:  # unauthenticated: read a bounded body before parsing anything
        request = replay(request, await read_body(request, MAX_LOGIN_BODY))
        form = await request.form()
    except (BodyTooLarge, HTTPException):
        form = None
    target = _local(_field(form, "next") or "/")
    error = None
    status = 401
    if form is None:
        error, status = "That is not a sign-in form.", 400
    elif not guard.csrf_ok(request, _field(form, CSRF_FIELD)):
        error = "The form expired; try again."
    elif not (access := guard.try_token(request, _field(form, "token"))).allowed:
        error, status = access.reason, access.status
    response: Response
    if error is not None:
        response = console.page(request, "login.html", status=status, next=target, error=error)
        if status == 429:
            response.headers["Retry-After"] = str(access.retry_after)
    else:
        response = RedirectResponse(target, status_code=303)
        await guard.start_session(response, request)
    response.headers.update(SECURITY_HEADERS)
    return response


async def logout(console: Console, request: Request) -> Response:
    """End the session, in every process."""
    response = RedirectResponse("/login", status_code=303)
    await console.guard.end_session(response, request)
    return response


def preview_refused(console: Console, request: Request, status: int, text: str) -> Response:
    """The preview page, saying why a form too large (or unreadable) was not previewed."""
    error = {"where": "", "message": text}
    return console.page(
        request, "preview.html", status=status, nav="preview", view=None, error=error
    )


def _field(form: Any, name: str) -> str:
    value = form.get(name) if form is not None else None
    return value if isinstance(value, str) else ""


def _local(target: str) -> str:
    """Only same-site paths: ``next`` must never send a signed-in person elsewhere."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
