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

-- Each policy keeps what 0002 gave it, its membership check now reading: the row is of the
-- conversation in focus and the acting agent takes part in it, or (as in 0002) a probe of
-- conversation_members for the row's conversation.
DO $$
DECLARE
    member constant text := $member$(
        (%1$s = parley_focus() AND (SELECT EXISTS (
            SELECT 1 FROM conversation_members f
            WHERE f.conversation_id = parley_focus() AND f.agent_id = parley_acting_agent())))
        OR EXISTS (
            SELECT 1 FROM conversation_members m
            WHERE m.conversation_id = %1$s AND m.agent_id = parley_acting_agent() OFFSET 0))$member$;
    conversation constant text := format(member, 'conversations.id');
    participant constant text := format(member, 'conversation_participants.conversation_id');
    session constant text := format(member, 'chat_sessions.conversation_id');
    message constant text := format(member, 'messages.conversation_id');
BEGIN
    EXECUTE format('ALTER POLICY conversations_visible ON conversations'
        ' USING (%s OR parley_in_membership_lookup())', conversation);
    EXECUTE format('ALTER POLICY conversations_changed ON conversations'
        ' USING (%s) WITH CHECK (%s)', conversation, conversation);
    EXECUTE format('ALTER POLICY participants_visible ON conversation_participants'
        ' USING ((agent_id = parley_acting_agent() AND is_active) OR %s'
        ' OR parley_in_membership_lookup())', participant);
    EXECUTE format('ALTER POLICY participants_changed ON conversation_participants'
        ' USING (%s)', participant);
    EXECUTE format('ALTER POLICY chat_sessions_visible ON chat_sessions USING (%s)', session);
    EXECUTE format('ALTER POLICY chat_sessions_started ON chat_sessions'
        ' WITH CHECK (%s OR parley_starts(conversation_id))', session);
    EXECUTE format('ALTER POLICY chat_sessions_changed ON chat_sessions'
        ' USING (%s) WITH CHECK (%s)', session, session);
    EXECUTE format('ALTER POLICY messages_visible ON messages USING (%s)', message);
    EXECUTE format('ALTER POLICY messages_posted ON messages'
        ' WITH CHECK (%s OR parley_starts(conversation_id))', message);
END;
$$;
