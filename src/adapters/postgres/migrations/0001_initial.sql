-- Parley's schema. The database defends the shape of the data on its own: every conversation
-- has its members, sequences never repeat, one AI, one active session, one reply per message.

CREATE TABLE iso_agents (
    id uuid PRIMARY KEY,
    external_user_id text NOT NULL UNIQUE
        CHECK (char_length(external_user_id) BETWEEN 1 AND 255),
    email text,
    name text,
    created_at timestamptz NOT NULL
);

CREATE TABLE conversations (
    id uuid PRIMARY KEY,
    title text CHECK (title IS NULL OR char_length(title) BETWEEN 1 AND 200),
    status text NOT NULL CHECK (status IN ('active', 'archived')),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    last_message_at timestamptz,
    last_sequence bigint NOT NULL CHECK (last_sequence >= 0),
    version bigint NOT NULL CHECK (version >= 1),
    CHECK ((last_sequence = 0) = (last_message_at IS NULL))
);

-- last_activity_at and conversation_status copy the conversation's own, so that listing an
-- agent's conversations is one keyset scan of one index, whatever their number.
CREATE TABLE conversation_participants (
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    id uuid NOT NULL,
    position integer NOT NULL CHECK (position >= 0),
    role text NOT NULL CHECK (role IN ('iso_agent', 'ai_assistant', 'operator')),
    agent_id uuid REFERENCES iso_agents (id),
    is_active boolean NOT NULL,
    can_reply boolean NOT NULL,
    can_invite boolean NOT NULL,
    notifications_enabled boolean NOT NULL,
    joined_at timestamptz NOT NULL,
    last_activity_at timestamptz NOT NULL,
    conversation_status text NOT NULL CHECK (conversation_status IN ('active', 'archived')),
    PRIMARY KEY (conversation_id, id),
    UNIQUE (conversation_id, position),
    UNIQUE (conversation_id, agent_id),
    CHECK ((role = 'ai_assistant') = (agent_id IS NULL))
);

CREATE UNIQUE INDEX conversation_participants_one_ai
    ON conversation_participants (conversation_id) WHERE role = 'ai_assistant';

CREATE INDEX conversation_participants_by_agent_activity
    ON conversation_participants (agent_id, last_activity_at DESC, conversation_id DESC)
    WHERE is_active;

CREATE TABLE messages (
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    id uuid NOT NULL,
    sequence bigint NOT NULL CHECK (sequence >= 1),
    role text NOT NULL CHECK (role IN ('iso_agent', 'ai_assistant', 'operator')),
    sender_agent_id uuid REFERENCES iso_agents (id),
    -- Not blank: some character outside Python's whitespace, whatever the server's locale.
    content text NOT NULL CHECK (
        char_length(content) BETWEEN 1 AND 100000
        AND content ~ '[^\t\n\v\f\r\x1c-\x1f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]'
    ),
    client_message_id text CHECK (client_message_id ~ '^[A-Za-z0-9._:-]{1,64}$'),
    reply_to uuid,
    created_at timestamptz NOT NULL,
    -- How the assistant made a reply; kept, never shown in the message.
    model text,
    prompt_tokens integer CHECK (prompt_tokens >= 0),
    completion_tokens integer CHECK (completion_tokens >= 0),
    latency_ms integer CHECK (latency_ms >= 0),
    finish_reason text,
    PRIMARY KEY (conversation_id, sequence),
    UNIQUE (conversation_id, id),
    FOREIGN KEY (conversation_id, reply_to) REFERENCES messages (conversation_id, id),
    CHECK ((role = 'ai_assistant') = (sender_agent_id IS NULL)),
    CHECK (reply_to IS NULL OR role = 'ai_assistant')
);

CREATE UNIQUE INDEX messages_one_reply
    ON messages (conversation_id, reply_to) WHERE reply_to IS NOT NULL;

CREATE TABLE chat_sessions (
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    id uuid NOT NULL,
    agent_id uuid NOT NULL REFERENCES iso_agents (id),
    status text NOT NULL CHECK (status IN ('active', 'ended')),
    started_at timestamptz NOT NULL,
    last_activity_at timestamptz NOT NULL,
    ended_at timestamptz,
    message_count integer NOT NULL CHECK (message_count >= 0),
    PRIMARY KEY (conversation_id, id),
    CHECK ((status = 'ended') = (ended_at IS NOT NULL)),
    CHECK (last_activity_at >= started_at)
);

CREATE UNIQUE INDEX chat_sessions_one_active
    ON chat_sessions (conversation_id, agent_id) WHERE status = 'active';

CREATE INDEX chat_sessions_by_id ON chat_sessions (id);

CREATE INDEX chat_sessions_by_member
    ON chat_sessions (conversation_id, agent_id, started_at DESC);

CREATE TABLE idempotency_keys (
    agent_id uuid NOT NULL REFERENCES iso_agents (id),
    client_message_id text NOT NULL CHECK (client_message_id ~ '^[A-Za-z0-9._:-]{1,64}$'),
    conversation_id uuid NOT NULL,
    user_message_id uuid NOT NULL,
    message_digest text NOT NULL,
    created_at timestamptz NOT NULL,
    claimed_at timestamptz,
    assistant_message_id uuid,
    PRIMARY KEY (agent_id, client_message_id),
    FOREIGN KEY (conversation_id, user_message_id) REFERENCES messages (conversation_id, id)
        ON DELETE CASCADE,
    FOREIGN KEY (conversation_id, assistant_message_id) REFERENCES messages (conversation_id, id)
);

CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);

-- A conversation is never committed without an active iso_agent and its one ai_assistant.
CREATE FUNCTION parley_check_conversation_members() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    checked uuid;
    touched uuid[];
BEGIN
    IF TG_TABLE_NAME = 'conversations' THEN
        touched := ARRAY[NEW.id];
    ELSIF TG_OP = 'DELETE' THEN
        touched := ARRAY[OLD.conversation_id];
    ELSE
        touched := ARRAY[OLD.conversation_id, NEW.conversation_id];
    END IF;
    FOREACH checked IN ARRAY touched LOOP
        PERFORM parley_require_members(checked);
    END LOOP;
    RETURN NULL;
END;
$$;

CREATE FUNCTION parley_require_members(checked uuid) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM conversations WHERE id = checked) THEN
        RETURN;
    END IF;
    IF NOT EXISTS (
        SELECT 1 FROM conversation_participants
        WHERE conversation_id = checked AND role = 'iso_agent' AND is_active
    ) THEN
        RAISE EXCEPTION 'conversation % has no active iso_agent participant', checked
            USING ERRCODE = 'check_violation', CONSTRAINT = 'conversation_has_active_agent';
    END IF;
    IF NOT EXISTS (
        SELECT 1 FROM conversation_participants
        WHERE conversation_id = checked AND role = 'ai_assistant'
    ) THEN
        RAISE EXCEPTION 'conversation % has no ai_assistant participant', checked
            USING ERRCODE = 'check_violation', CONSTRAINT = 'conversation_has_ai';
    END IF;
END;
$$;

CREATE CONSTRAINT TRIGGER conversations_have_members
    AFTER INSERT ON conversations
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION parley_check_conversation_members();

CREATE CONSTRAINT TRIGGER participants_keep_members
    AFTER UPDATE OF is_active, role, conversation_id OR DELETE ON conversation_participants
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION parley_check_conversation_members();

-- Fails a write that changed fewer rows than it had to: a concurrent change won.
CREATE FUNCTION parley_expect_rows(changed bigint, expected integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF changed < expected THEN
        RAISE EXCEPTION 'expected % changed rows, found %', expected, changed
            USING ERRCODE = 'serialization_failure';
    END IF;
END;
$$;
