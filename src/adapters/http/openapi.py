"""What the generated OpenAPI document cannot know by itself about Parley's requests."""

from litestar.openapi.spec import OpenAPI, Operation, Parameter, Reference, Schema

REQUEST_SCHEMAS = ("InitChatIn", "SendMessageIn", "UpdateConversationIn")
TITLED_SCHEMAS = ("InitChatIn", "UpdateConversationIn")
MESSAGES_PATH = "/api/conversations/{conversation_id}/messages"

NO_NUL = r"^[^\x00]*$"
WHITE_SPACE = r"\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
"""What `str.isspace` calls white space (a character class's body): a message of it alone is
empty."""
SOME_TEXT = rf"^[^\x00]*[^\x00{WHITE_SPACE}][^\x00]*$"
"""No U+0000, and something other than white space."""


def refine(document: OpenAPI, *, max_message_chars: int) -> None:
    """Add the rules the handlers enforce: no unknown fields, a PATCH names something, the
    init body is optional, the configured message length, no U+0000 in text and no message of
    white space alone, and `after` >= 0."""
    schemas = document.components.schemas if document.components else {}
    for name in REQUEST_SCHEMAS:
        if name in schemas:
            schemas[name].additional_properties = False
    if "UpdateConversationIn" in schemas:
        schemas["UpdateConversationIn"].min_properties = 1
    message = _property(schemas.get("SendMessageIn"), "message")
    if message is not None:
        message.max_length = max_message_chars
        message.pattern = SOME_TEXT
    for name in TITLED_SCHEMAS:
        title = _property(schemas.get(name), "title")
        if title is not None:
            title.pattern = NO_NUL
    init = _operation(document, "/api/chat/init", "post")
    if init is not None and init.request_body is not None:
        init.request_body.required = False  # type: ignore[union-attr]
    after = _parameter(_operation(document, MESSAGES_PATH, "get"), "after")
    if after is not None:
        after.minimum = 0


def _operation(document: OpenAPI, path: str, method: str) -> Operation | None:
    item = (document.paths or {}).get(path)
    operation = getattr(item, method, None) if item is not None else None
    return operation if isinstance(operation, Operation) else None


def _parameter(operation: Operation | None, name: str) -> Schema | None:
    for parameter in (operation.parameters or []) if operation else []:
        if isinstance(parameter, Parameter) and parameter.name == name:
            return parameter.schema if isinstance(parameter.schema, Schema) else None
    return None


def _property(schema: Schema | Reference | None, name: str) -> Schema | None:
    if not isinstance(schema, Schema) or not schema.properties:
        return None
    found = schema.properties.get(name)
    return found if isinstance(found, Schema) else None
