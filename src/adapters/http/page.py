"""The chat page: `index.html` at `/`, its script and style under `/static/`, outside the schema.

The page is plain files (an ES module, a style sheet, no build step) that talk to the public API
only. The one thing it cannot learn from that API is how to sign in, so the index carries it:
`data-auth="dev"` when `POST /dev/token` exists, `data-auth="token"` when a token must be given.
"""

from pathlib import Path
from typing import Literal

from litestar import Response, Router, get
from litestar.datastructures import CacheControlHeader
from litestar.handlers import HTTPRouteHandler
from litestar.static_files import create_static_files_router

STATIC_DIR = Path(__file__).parent / "static"
SignIn = Literal["dev", "token"]

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self' data:; base-uri 'none'; form-action 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def page_handlers(sign_in: SignIn) -> list[HTTPRouteHandler | Router]:
    """`GET /` (the page, told how to sign in) and `GET /static/{file}`."""
    html = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    html = html.replace('data-auth="dev"', f'data-auth="{sign_in}"', 1)

    @get("/", include_in_schema=False, sync_to_thread=False, name="chat_page")
    def index() -> Response[str]:
        return Response(html, media_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)

    static = create_static_files_router(
        path="/static",
        directories=[STATIC_DIR],
        include_in_schema=False,
        cache_control=CacheControlHeader(no_cache=True),
    )
    return [index, static]
