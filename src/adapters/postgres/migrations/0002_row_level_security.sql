-- Row-level security: the service's role sees and changes only the rows of conversations in
-- which the acting agent is an active participant. Each unit of work names that agent with
-- set_config('app.agent_id', <uuid>, true), for its transaction alone; with none named, these
-- four tables look empty. The service's role is granted what it needs by the migration runner
-- (migrations.py), which knows its name.
--
-- The policies find the acting agent's memberships in conversation_members (below). What must
-- see more (whether a conversation has participants yet, who may invite, the deferred check
-- that every conversation keeps its members) is done by SECURITY DEFINER helpers, run as the
-- tables' owner. FORCE makes the owner subject to the policies too (unless it is a superuser
-- or has BYPASSRLS), so a helper marks its own reads with `parley.membership_lookup`: a SELECT
-- made by the owner while the mark is on sees every row of conversations and participants. The mark counts only for the owner: any role may set the variable, none
-- but the owner gains from it. (A function's SET clause cannot carry the mark: PostgreSQL
-- allows an unregistered variable there to superusers only.)

CREATE FUNCTION parley_acting_agent() RETURNS uuid
LANGUAGE sql STABLE
RETURN nullif(current_setting('app.agent_id', true), '')::uuid;

-- The role this function belongs to: the owner of the schema's objects.
CREATE FUNCTION parley_owner() RETURNS name
LANGUAGE sql STABLE SECURITY DEFINER
RETURN current_user;

CREATE FUNCTION parley_in_membership_lookup() RETURNS boolean
LANGUAGE sql STABLE
RETURN current_setting('parley.membership_lookup', true) = 'on'
    AND current_user = parley_owner();

-- Whether the acting agent may add the participant `agent` to the conversation: itself and
-- the AI (no agent) to a conversation it starts, anyone once it may invite there. A statement
-- sees none of its own rows: the rows that start a conversation may all come in one.
CREATE FUNCTION parley_may_add(conversation uuid, agent uuid) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER AS $$
DECLARE
    mark text := current_setting('parley.membership_lookup', true);
    answer boolean;
BEGIN
    PERFORM set_config('parley.membership_lookup', 'on', true);
    IF EXISTS (SELECT 1 FROM conversation_participants p WHERE p.conversation_id = conversation)
    THEN
        answer := EXISTS (
            SELECT 1 FROM conversation_participants p
            WHERE p.conversation_id = conversation AND p.agent_id = parley_acting_agent()
                AND p.is_active AND p.can_invite
        );
    ELSE
        answer := parley_acting_agent() IS NOT NULL
            AND (agent IS NULL OR agent = parley_acting_agent());
    END IF;
    PERFORM set_config('parley.membership_lookup', coalesce(mark, ''), true);
    RETURN answer;
END;
$$;

-- Whether the conversation is one the acting agent starts in this very statement: none is
-- stored under its id yet (the foreign keys see it stored by the end of the statement).
CREATE FUNCTION parley_starts(conversation uuid) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER AS $$
DECLARE
    mark text := current_setting('parley.membership_lookup', true);
    answer boolean;
BEGIN
    PERFORM set_config('parley.membership_lookup', 'on', true);
    answer := parley_acting_agent() IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM conversations c WHERE c.id = conversation);
    PERFORM set_config('parley.membership_lookup', coalesce(mark, ''), true);
    RETURN answer;
END;
$$;


-- The deferred check of every conversation's members must see them all, whoever acts.
CREATE OR REPLACE FUNCTION parley_require_members(checked uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    mark text := current_setting('parley.membership_lookup', true);
BEGIN
    PERFORM set_config('parley.membership_lookup', 'on', true);
    IF NOT EXISTS (SELECT 1 FROM conversations WHERE id = checked) THEN
        PERFORM set_config('parley.membership_lookup', coalesce(mark, ''), true);
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
    PERFORM set_config('parley.membership_lookup', coalesce(mark, ''), true);
END;
$$;

ALTER FUNCTION parley_check_conversation_members() SECURITY DEFINER;

-- Who takes part where, kept by a trigger from conversation_participants: a row for each active
-- participation of an agent. The policies probe it by (conversation_id, agent_id) instead of
-- asking a helper, because a policy on conversation_participants may not query that table.
-- Its own policy needs nothing else: an agent sees its own memberships. The service's role
-- only reads it; the trigger writes it as the owner (its row-level security is not forced).
CREATE TABLE conversation_members (
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    agent_id uuid NOT NULL REFERENCES iso_agents (id),
    PRIMARY KEY (conversation_id, agent_id)
);
-- No other index: given one on agent_id, the planner would probe it and filter the agent's
-- every membership for the conversation at hand.

INSERT INTO conversation_members (conversation_id, agent_id)
SELECT conversation_id, agent_id FROM conversation_participants
WHERE is_active AND agent_id IS NOT NULL;

CREATE FUNCTION parley_keep_members() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.agent_id IS NOT NULL AND OLD.is_active THEN
        DELETE FROM conversation_members
        WHERE conversation_id = OLD.conversation_id AND agent_id = OLD.agent_id;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.agent_id IS NOT NULL AND NEW.is_active THEN
        INSERT INTO conversation_members (conversation_id, agent_id)
        VALUES (NEW.conversation_id, NEW.agent_id) ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER participants_keep_member_index
    AFTER INSERT OR DELETE OR UPDATE OF is_active, agent_id, conversation_id
    ON conversation_participants
    FOR EACH ROW EXECUTE FUNCTION parley_keep_members();

ALTER TABLE conversation_members ENABLE ROW LEVEL SECURITY;
CREATE POLICY members_own ON conversation_members FOR SELECT
    USING (agent_id = parley_acting_agent());

-- The definers resolve names in this schema only.
DO $$
DECLARE
    definer text;
BEGIN
    FOREACH definer IN ARRAY ARRAY[
        'parley_owner()', 'parley_may_add(uuid, uuid)',
        'parley_starts(uuid)', 'parley_keep_members()',
        'parley_require_members(uuid)', 'parley_check_conversation_members()'
    ] LOOP
        EXECUTE format(
            'ALTER FUNCTION %s SET search_path = %I, pg_temp', definer, current_schema()
        );
    END LOOP;
END;
$$;

-- Nobody runs these but the roles granted them (migrations.py grants the service's).
REVOKE EXECUTE ON FUNCTION
    parley_acting_agent(), parley_owner(), parley_in_membership_lookup(),
    parley_may_add(uuid, uuid), parley_starts(uuid),
    parley_require_members(uuid), parley_check_conversation_members(), parley_keep_members(),
    parley_expect_rows(bigint, integer)
FROM PUBLIC;

ALTER TABLE conversations ENABLE ROW LEVEL SECURITY;
ALTER TABLE conversations FORCE ROW LEVEL SECURITY;
ALTER TABLE conversation_participants ENABLE ROW LEVEL SECURITY;
ALTER TABLE conversation_participants FORCE ROW LEVEL SECURITY;
ALTER TABLE chat_sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE chat_sessions FORCE ROW LEVEL SECURITY;
ALTER TABLE messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE messages FORCE ROW LEVEL SECURITY;

-- "The acting agent is an active participant" is written out in each policy as an EXISTS on
-- conversation_members (a function holding a sub-select would not be inlined): one probe of
-- its primary key per row checked. OFFSET 0 keeps it so: without it the planner may turn the
-- EXISTS into a hash of every membership of the agent, built by each statement.
CREATE POLICY conversations_visible ON conversations FOR SELECT
    USING (EXISTS (
        SELECT 1 FROM conversation_members m WHERE m.conversation_id = conversations.id
            AND m.agent_id = parley_acting_agent() OFFSET 0) OR parley_in_membership_lookup());
-- A brand-new conversation: it is kept only if the acting agent and its AI are added as its
-- participants before commit (participants_added, and the deferred members check).
CREATE POLICY conversations_started ON conversations FOR INSERT
    WITH CHECK (parley_acting_agent() IS NOT NULL);
CREATE POLICY conversations_changed ON conversations FOR UPDATE
    USING (EXISTS (
        SELECT 1 FROM conversation_members m WHERE m.conversation_id = conversations.id
            AND m.agent_id = parley_acting_agent() OFFSET 0))
    WITH CHECK (EXISTS (
        SELECT 1 FROM conversation_members m WHERE m.conversation_id = conversations.id
            AND m.agent_id = parley_acting_agent() OFFSET 0));

-- The acting agent's own rows answer at once (an agent's list of conversations reads only
-- those); inside a helper's membership lookup the owner sees every participant (see above).
CREATE POLICY participants_visible ON conversation_participants FOR SELECT
    USING ((agent_id = parley_acting_agent() AND is_active)
        OR EXISTS (
            SELECT 1 FROM conversation_members m
            WHERE m.conversation_id = conversation_participants.conversation_id
                AND m.agent_id = parley_acting_agent() OFFSET 0)
        OR parley_in_membership_lookup());
CREATE POLICY participants_added ON conversation_participants FOR INSERT
    WITH CHECK (parley_may_add(conversation_id, agent_id));
CREATE POLICY participants_changed ON conversation_participants FOR UPDATE
    USING (EXISTS (
        SELECT 1 FROM conversation_members m
        WHERE m.conversation_id = conversation_participants.conversation_id
            AND m.agent_id = parley_acting_agent() OFFSET 0));

CREATE POLICY chat_sessions_visible ON chat_sessions FOR SELECT
    USING (EXISTS (
        SELECT 1 FROM conversation_members m WHERE m.conversation_id = chat_sessions.conversation_id
            AND m.agent_id = parley_acting_agent() OFFSET 0));
CREATE POLICY chat_sessions_started ON chat_sessions FOR INSERT
    WITH CHECK (EXISTS (
        SELECT 1 FROM conversation_members m WHERE m.conversation_id = chat_sessions.conversation_id
            AND m.agent_id = parley_acting_agent() OFFSET 0) OR parley_starts(conversation_id));
CREATE POLICY chat_sessions_changed ON chat_sessions FOR UPDATE
    USING (EXISTS (
        SELECT 1 FROM conversation_members m WHERE m.conversation_id = chat_sessions.conversation_id
            AND m.agent_id = parley_acting_agent() OFFSET 0))
    WITH CHECK (EXISTS (
        SELECT 1 FROM conversation_members m WHERE m.conversation_id = chat_sessions.conversation_id
            AND m.agent_id = parley_acting_agent() OFFSET 0));

CREATE POLICY messages_visible ON messages FOR SELECT
    USING (EXISTS (
        SELECT 1 FROM conversation_members m WHERE m.conversation_id = messages.conversation_id
            AND m.agent_id = parley_acting_agent() OFFSET 0));
CREATE POLICY messages_posted ON messages FOR INSERT
    WITH CHECK (EXISTS (
        SELECT 1 FROM conversation_members m WHERE m.conversation_id = messages.conversation_id
            AND m.agent_id = parley_acting_agent() OFFSET 0) OR parley_starts(conversation_id));
