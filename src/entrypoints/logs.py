"""structlog, set up once per process: JSON lines, or console lines on a terminal."""

import logging
import sys
from typing import Literal

import structlog


def configure_logging(log_format: Literal["console", "json"], level: int = logging.INFO) -> None:
    """Every log line carries the bound context (request id, agent id, ...); lines below
    `level` are dropped before any processing, so filtered logging costs next to nothing."""
    renderer: structlog.typing.Processor = (
        structlog.dev.ConsoleRenderer()
        if log_format == "console"
        else structlog.processors.JSONRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(name)s: %(message)s")
