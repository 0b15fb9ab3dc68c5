"""What the generated OpenAPI document cannot know by itself about Parley's requests."""

from litestar.openapi.spec import OpenAPI, Operation, Parameter, Reference, Schema

REQUEST_SCHEMAS = ("InitChatIn", "SendMessageIn", "UpdateConversationIn")
MESSAGES_PATH = "/api/conversations/{conversation_id}/messages"


def refine(document: OpenAPI, *, max_message_chars: int) -> None:
    """Add the rules the handlers enforce: no unknown fields, a PATCH names something, the
    init body is optional, the configured message length, and `after` >= 0."""
    schemas = document.components.schemas if document.components else {}
    for name in REQUEST_SCHEMAS:
        if name in schemas:
            schemas[name].additional_properties = False
    if "UpdateConversationIn" in schemas:
        schemas["UpdateConversationIn"].min_properties = 1
    message = _property(schemas.get("SendMessageIn"), "message")
    if message is not None:
        message.max_length = max_message_chars
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
