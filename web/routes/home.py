"""The runner's home page: `/r/<secret>` lists every week of theirs, current first, and
makes a new link when the old one may have leaked. The secret is in the path, so these
pages are never cached (web.safety.SecurityHeaders sends no-store) and the access log
never shows it (web.access_log)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from web.deps import EngineDep
from web.home import rotate_home_secret, runner_home, runner_of_home

__all__ = ["router"]

router = APIRouter(prefix="/r", include_in_schema=False)


def _not_found(request: Request) -> Response:
    response: Response = request.app.state.templates.TemplateResponse(
        request, "not_found.html", {}, status_code=404)
    return response


@router.get("/{secret}", response_class=HTMLResponse)
def home_page(secret: str, request: Request, engine: EngineDep) -> Response:
    runner_id = runner_of_home(engine, secret)
    if runner_id is None:
        return _not_found(request)
    home = runner_home(engine, runner_id, datetime.now(UTC))
    response: Response = request.app.state.templates.TemplateResponse(
        request, "home.html", {"home": home, "today": home.today})
    return response


@router.post("/{secret}/new-link")
def new_home_link(secret: str, request: Request, engine: EngineDep) -> Response:
    runner_id = runner_of_home(engine, secret)
    if runner_id is None:
        return _not_found(request)
    return RedirectResponse(f"/r/{rotate_home_secret(engine, runner_id)}", status_code=303)
