"""`/api/conversations`: the caller's conversations, their messages and the assistant's replies."""

from typing import Annotated, Literal

from litestar import Controller, Response, get, patch, post
from litestar.openapi import ResponseSpec
from litestar.params import FromQuery, JSONBody, QueryParameter
from msgspec import UNSET

from adapters.http.caller import ApiRequest, admitted_caller
from adapters.http.cursors import UnreadableCursor, decode_cursor, encode_cursor
from adapters.http.dependencies import Context, Limiter
from adapters.http.fields import field_checked
from adapters.http.ids import ConversationIdParam
from adapters.http.ids import conversation_id as parse_conversation_id
from adapters.http.presenters import chat_session_out, conversation_out, message_out
from adapters.http.problems import ProblemException
from adapters.http.responses import problems
from adapters.http.schemas import (
    ConversationOut,
    ConversationPageOut,
    MessagePageOut,
    ReplyOut,
    UpdateConversationIn,
)
from application.ports.repositories import ActivityCursor
from application.use_cases.conversations import (
    ConversationFilter,
    ListConversations,
    NewTitle,
    UpdateConversation,
    get_conversation,
    list_conversations,
    update_conversation,
)
from application.use_cases.messages import ListMessages, list_messages
from application.use_cases.preflight import Intent
from application.use_cases.reply import AskForReply, ask_for_reply
from domain.conversation import ConversationStatus
from domain.text import checked_title


class ConversationController(Controller):
    path = "/conversations"
    tags = ["conversations"]  # noqa: RUF012

    @get(
        "/",
        operation_id="listConversations",
        summary="The caller's conversations",
        responses=problems(),
    )
    async def index(
        self,
        *,
        request: ApiRequest,
        context: Context,
        limiter: Limiter,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
        status: FromQuery[Literal["active", "archived", "all"]] = "active",
    ) -> ConversationPageOut:
        """Most recent activity first; pass `next_cursor` back as `cursor` for the next page."""
        after = _readable(cursor)
        caller = await admitted_caller(request, limiter, context, Intent())
        query = ListConversations(limit, after, ConversationFilter(status))
        page = await list_conversations(context, caller, query)
        return ConversationPageOut(
            items=[conversation_out(view) for view in page.items],
            next_cursor=None if page.next_cursor is None else encode_cursor(page.next_cursor),
        )

    @get(
        "/{conversation_id:str}",
        operation_id="getConversation",
        summary="One conversation",
        responses=problems(404),
    )
    async def show(
        self,
        *,
        request: ApiRequest,
        context: Context,
        limiter: Limiter,
        conversation_id: ConversationIdParam,
    ) -> ConversationOut:
        wanted = parse_conversation_id(conversation_id)
        caller = await admitted_caller(request, limiter, context, Intent(wanted))
        return conversation_out(await get_conversation(context, caller, wanted))

    @patch(
        "/{conversation_id:str}",
        operation_id="updateConversation",
        summary="Rename, archive or unarchive a conversation",
        responses=problems(404, 413),
    )
    async def update(
        self,
        *,
        request: ApiRequest,
        context: Context,
        limiter: Limiter,
        conversation_id: ConversationIdParam,
        data: JSONBody[UpdateConversationIn],
    ) -> ConversationOut:
        if data.title is UNSET and data.status is UNSET:
            raise ProblemException(400, "invalid_request", "give a title, a status or both")
        title = (
            None
            if data.title is UNSET
            else NewTitle(field_checked("title", checked_title, data.title))
        )
        status = None if data.status is UNSET else ConversationStatus(data.status)
        wanted = parse_conversation_id(conversation_id)
        caller = await admitted_caller(request, limiter, context, Intent(wanted))
        command = UpdateConversation(wanted, title, status)
        return conversation_out(await update_conversation(context, caller, command))

    @get(
        "/{conversation_id:str}/messages",
        operation_id="listMessages",
        summary="A page of a conversation's messages, in sequence order",
        responses=problems(404),
    )
    async def messages(
        self,
        *,
        request: ApiRequest,
        context: Context,
        limiter: Limiter,
        conversation_id: ConversationIdParam,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
        before: Annotated[int | None, QueryParameter(ge=1)] = None,
        after: Annotated[int | None, QueryParameter(ge=0)] = None,
    ) -> MessagePageOut:
        """The newest `limit` (below `before`), or the oldest `limit` above `after`."""
        if before is not None and after is not None:
            raise ProblemException(400, "invalid_request", "before and after cannot be combined")
        wanted = parse_conversation_id(conversation_id)
        caller = await admitted_caller(request, limiter, context, Intent(wanted))
        query = ListMessages(wanted, limit, before, after)
        page = await list_messages(context, caller, query)
        return MessagePageOut(items=[message_out(m) for m in page.items], has_more=page.has_more)

    @post(
        "/{conversation_id:str}/reply",
        operation_id="askForReply",
        summary="Ask the assistant (again) to answer the latest message",
        status_code=201,
        responses={
            200: ResponseSpec(ReplyOut, description="The latest message had been answered"),
            **problems(404, 409, 502),
        },
    )
    async def reply(
        self,
        *,
        request: ApiRequest,
        context: Context,
        limiter: Limiter,
        conversation_id: ConversationIdParam,
    ) -> Response[ReplyOut]:
        wanted = parse_conversation_id(conversation_id)
        caller = await admitted_caller(request, limiter, context, Intent(wanted, replies=True))
        given = await ask_for_reply(context, caller, AskForReply(wanted))
        body = ReplyOut(
            assistant_message=message_out(given.assistant_message),
            chat_session=chat_session_out(given.chat_session),
        )
        return Response(body, status_code=201 if given.created else 200)


def _readable(cursor: str | None) -> ActivityCursor | None:
    if cursor is None:
        return None
    try:
        return decode_cursor(cursor)
    except UnreadableCursor as unreadable:
        raise ProblemException(400, "invalid_request", f"cursor: {unreadable}") from None
