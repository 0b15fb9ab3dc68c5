-- The conversation in focus: a unit of work that reads a conversation names it with
-- set_config('app.conversation_id', <uuid>, true), beside the acting agent. Whether the acting
-- agent takes part in it is then asked once per statement (an uncorrelated sub-select, which
-- PostgreSQL runs once as an InitPlan), and each row of that conversation needs only a
-- comparison: a history page of 50 messages made 50 membership probes. Rows of any other
-- conversation are checked one by one as before. The focus grants nothing by itself: its
-- branch holds only where the acting agent is an active participant of the conversation.

CREATE FUNCTION parley_focus() RETURNS uuid
LANGUAGE sql STABLE
RETURN nullif(current_setting('app.conversation_id', true), '')::uuid;

REVOKE EXECUTE ON FUNCTION parley_focus() FROM PUBLIC;

-- Each policy below reads: the row is of the conversation in focus and the acting agent takes
-- part in it, or (as in 0002) a probe of conversation_members for the row's conversation.
ALTER POLICY conversations_visible ON conversations
    USING ((conversations.id = parley_focus() AND (SELECT EXISTS (
            SELECT 1 FROM conversation_members f
            WHERE f.conversation_id = parley_focus() AND f.agent_id = parley_acting_agent())))
        OR EXISTS (
            SELECT 1 FROM conversation_members m WHERE m.conversation_id = conversations.id
                AND m.agent_id = parley_acting_agent() OFFSET 0)
        OR parley_in_membership_lookup());
ALTER POLICY conversations_changed ON conversations
    USING ((conversations.id = parley_focus() AND (SELECT EXISTS (
            SELECT 1 FROM conversation_members f
            WHERE f.conversation_id = parley_focus() AND f.agent_id = parley_acting_agent())))
        OR EXISTS (
            SELECT 1 FROM conversation_members m WHERE m.conversation_id = conversations.id
                AND m.agent_id = parley_acting_agent() OFFSET 0))
    WITH CHECK ((conversations.id = parley_focus() AND (SELECT EXISTS (
            SELECT 1 FROM conversation_members f
            WHERE f.conversation_id = parley_focus() AND f.agent_id = parley_acting_agent())))
        OR EXISTS (
            SELECT 1 FROM conversation_members m WHERE m.conversation_id = conversations.id
                AND m.agent_id = parley_acting_agent() OFFSET 0));

ALTER POLICY participants_visible ON conversation_participants
    USING ((agent_id = parley_acting_agent() AND is_active)
        OR (conversation_participants.conversation_id = parley_focus() AND (SELECT EXISTS (
            SELECT 1 FROM conversation_members f
            WHERE f.conversation_id = parley_focus() AND f.agent_id = parley_acting_agent())))
        OR EXISTS (
            SELECT 1 FROM conversation_members m
            WHERE m.conversation_id = conversation_participants.conversation_id
                AND m.agent_id = parley_acting_agent() OFFSET 0)
        OR parley_in_membership_lookup());
ALTER POLICY participants_changed ON conversation_participants
    USING ((conversation_participants.conversation_id = parley_focus() AND (SELECT EXISTS (
            SELECT 1 FROM conversation_members f
            WHERE f.conversation_id = parley_focus() AND f.agent_id = parley_acting_agent())))
        OR EXISTS (
            SELECT 1 FROM conversation_members m
            WHERE m.conversation_id = conversation_participants.conversation_id
                AND m.agent_id = parley_acting_agent() OFFSET 0));

ALTER POLICY chat_sessions_visible ON chat_sessions
    USING ((chat_sessions.conversation_id = parley_focus() AND (SELECT EXISTS (
            SELECT 1 FROM conversation_members f
            WHERE f.conversation_id = parley_focus() AND f.agent_id = parley_acting_agent())))
        OR EXISTS (
            SELECT 1 FROM conversation_members m
            WHERE m.conversation_id = chat_sessions.conversation_id
                AND m.agent_id = parley_acting_agent() OFFSET 0));
ALTER POLICY chat_sessions_started ON chat_sessions
    WITH CHECK ((chat_sessions.conversation_id = parley_focus() AND (SELECT EXISTS (
            SELECT 1 FROM conversation_members f
            WHERE f.conversation_id = parley_focus() AND f.agent_id = parley_acting_agent())))
        OR EXISTS (
            SELECT 1 FROM conversation_members m
            WHERE m.conversation_id = chat_sessions.conversation_id
                AND m.agent_id = parley_acting_agent() OFFSET 0)
        OR parley_starts(conversation_id));
ALTER POLICY chat_sessions_changed ON chat_sessions
    USING ((chat_sessions.conversation_id = parley_focus() AND (SELECT EXISTS (
            SELECT 1 FROM conversation_members f
            WHERE f.conversation_id = parley_focus() AND f.agent_id = parley_acting_agent())))
        OR EXISTS (
            SELECT 1 FROM conversation_members m
            WHERE m.conversation_id = chat_sessions.conversation_id
                AND m.agent_id = parley_acting_agent() OFFSET 0))
    WITH CHECK ((chat_sessions.conversation_id = parley_focus() AND (SELECT EXISTS (
            SELECT 1 FROM conversation_members f
            WHERE f.conversation_id = parley_focus() AND f.agent_id = parley_acting_agent())))
        OR EXISTS (
            SELECT 1 FROM conversation_members m
            WHERE m.conversation_id = chat_sessions.conversation_id
                AND m.agent_id = parley_acting_agent() OFFSET 0));

ALTER POLICY messages_visible ON messages
    USING ((messages.conversation_id = parley_focus() AND (SELECT EXISTS (
            SELECT 1 FROM conversation_members f
            WHERE f.conversation_id = parley_focus() AND f.agent_id = parley_acting_agent())))
        OR EXISTS (
            SELECT 1 FROM conversation_members m
            WHERE m.conversation_id = messages.conversation_id
                AND m.agent_id = parley_acting_agent() OFFSET 0));
ALTER POLICY messages_posted ON messages
    WITH CHECK ((messages.conversation_id = parley_focus() AND (SELECT EXISTS (
            SELECT 1 FROM conversation_members f
            WHERE f.conversation_id = parley_focus() AND f.agent_id = parley_acting_agent())))
        OR EXISTS (
            SELECT 1 FROM conversation_members m
            WHERE m.conversation_id = messages.conversation_id
                AND m.agent_id = parley_acting_agent() OFFSET 0)
        OR parley_starts(conversation_id));
