"""`OPTIONS` answers with every method of its path."""

from litestar import Litestar
from litestar.routes import HTTPRoute


def answer_options_with_every_method(app: Litestar) -> None:
    """Litestar builds a path's automatic OPTIONS handler with the methods of the first
    handler registered on it; rebuild each from the path's final route."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or "OPTIONS" not in route.route_handler_map:
            continue
        handler, _ = route.route_handler_map["OPTIONS"]
        if handler.handler_name == "options_handler":
            handler._fn = route.create_options_handler(route.path).fn
