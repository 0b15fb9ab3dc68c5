"""`/api/chat`: start a chat, send a message and get the assistant's reply."""

from litestar import Controller, Response, post
from litestar.openapi import ResponseSpec
from litestar.params import JSONBody
from litestar.response import ServerSentEvent

from adapters.http.caller import ApiRequest, admitted_caller
from adapters.http.dependencies import Context, Limiter
from adapters.http.fields import field_checked
from adapters.http.presenters import chat_session_out, conversation_with, message_out
from adapters.http.responses import problems
from adapters.http.schemas import ChatStartedOut, ChatTurnOut, InitChatIn, SendMessageIn
from adapters.http.streaming import turn_events, wants_event_stream
from application.use_cases.init_chat import InitChat, init_chat
from application.use_cases.preflight import Intent
from application.use_cases.send_message import ChatTurn, SendMessage, send_message
from application.use_cases.stream_message import stream_message
from domain.text import checked_content, checked_title


class ChatController(Controller):
    path = "/chat"
    tags = ["chat"]  # noqa: RUF012

    @post(
        "/init",
        operation_id="initChat",
        summary="Start a new, empty chat",
        status_code=201,
        responses=problems(413),
    )
    async def init(
        self,
        *,
        request: ApiRequest,
        context: Context,
        limiter: Limiter,
        data: JSONBody[InitChatIn | None] = None,
    ) -> ChatStartedOut:
        """Create the conversation, both its participants and the caller's chat session."""
        title = field_checked("title", checked_title, data.title) if data else None
        caller = await admitted_caller(request, limiter, context, Intent())
        started = await init_chat(context, caller, InitChat(title))
        return ChatStartedOut(
            conversation=conversation_with(started.conversation, started.chat_session),
            chat_session=chat_session_out(started.chat_session),
        )

    @post(
        "/",
        operation_id="sendMessage",
        summary="Send a message and get the assistant's reply",
        status_code=201,
        responses={
            200: ResponseSpec(ChatTurnOut, description="A retry: the turn stored before"),
            **problems(404, 409, 413, 502),
        },
    )
    async def send(
        self,
        *,
        request: ApiRequest,
        context: Context,
        limiter: Limiter,
        data: JSONBody[SendMessageIn],
    ) -> Response[ChatTurnOut] | ServerSentEvent:
        """Store the message, ask the assistant, store its reply; idempotent per
        `client_message_id`. With `Accept: text/event-stream` the reply is streamed as
        server-sent events: `user_message`, `delta`s, then `assistant_message` or `error`."""
        message = field_checked(
            "message", checked_content, data.message, context.policy.max_message_chars
        )
        intent = Intent(data.conversation_id, posts=True)
        caller = await admitted_caller(request, limiter, context, intent)
        command = SendMessage(message, data.conversation_id, data.client_message_id)
        if wants_event_stream(request.headers.get("accept")):
            events = await stream_message(context, caller, command)
            return ServerSentEvent(turn_events(events), status_code=200)
        turn = await send_message(context, caller, command)
        return Response(turn_out(turn), status_code=201 if turn.created else 200)


def turn_out(turn: ChatTurn) -> ChatTurnOut:
    return ChatTurnOut(
        conversation=conversation_with(turn.conversation, turn.chat_session),
        chat_session=chat_session_out(turn.chat_session),
        user_message=message_out(turn.user_message),
        assistant_message=message_out(turn.assistant_message),
    )
