"""`/api/chat-sessions`: the caller's own chat sessions."""

from litestar import Controller, get, post

from adapters.http.caller import ApiRequest, admitted_caller
from adapters.http.dependencies import Context, Limiter
from adapters.http.ids import SessionIdParam
from adapters.http.ids import session_id as parse_session_id
from adapters.http.presenters import chat_session_out
from adapters.http.responses import problems
from adapters.http.schemas import ChatSessionOut
from application.use_cases.chat_sessions import end_chat_session, get_chat_session
from application.use_cases.preflight import Intent


class ChatSessionController(Controller):
    path = "/chat-sessions"
    tags = ["chat sessions"]  # noqa: RUF012

    @get(
        "/{session_id:str}",
        operation_id="getChatSession",
        summary="One of the caller's chat sessions",
        responses=problems(404),
    )
    async def show(
        self,
        *,
        request: ApiRequest,
        context: Context,
        limiter: Limiter,
        session_id: SessionIdParam,
    ) -> ChatSessionOut:
        wanted = parse_session_id(session_id)
        caller = await admitted_caller(request, limiter, context, Intent(chat_session_id=wanted))
        return chat_session_out(await get_chat_session(context, caller, wanted))

    @post(
        "/{session_id:str}/end",
        operation_id="endChatSession",
        summary="End one of the caller's chat sessions (ending an ended one changes nothing)",
        status_code=200,
        responses=problems(404),
    )
    async def end(
        self,
        *,
        request: ApiRequest,
        context: Context,
        limiter: Limiter,
        session_id: SessionIdParam,
    ) -> ChatSessionOut:
        wanted = parse_session_id(session_id)
        caller = await admitted_caller(request, limiter, context, Intent(chat_session_id=wanted))
        return chat_session_out(await end_chat_session(context, caller, wanted))
