-- The conversation in focus (0003) now serves the one read it pays for: a page of messages.
-- Its branch costs a statement one sub-select for each policy applied, set up and run whether
-- or not a row needs it. An UPDATE applies its table's SELECT and UPDATE policies both to the
-- row it reads and to the row it writes, so the write of a send, which changes a row or two
-- of each table, ran eleven of them beside the per-row probes they were to spare. On a replay
-- of the send (pgbench as the service's role, five alternating rounds) the policies of 0003
-- gave 0.94 of the throughput with row-level security disabled; these gave 1.03, within the
-- noise. Few rows of conversations, participants and chat sessions are checked by any of
-- Parley's statements: one conversation, its participants, an agent's sessions.
--
-- Every policy but messages_visible checks membership again as 0002 did. PostgreSQL applies
-- an expression once where several policies of a statement give the same one (compared as a
-- tree), so each table's UPDATE policy reads exactly as its SELECT policy: an UPDATE, which
-- must pass both, and a read FOR UPDATE check the row once. The branches this adds grant
-- nothing new: the membership lookup counts for the owner alone, and an agent's own active
-- participant row is one of a conversation it takes part in (the WITH CHECK of
-- participants_changed still asks for the membership itself, so that no row moves into
-- another conversation). On Parley's own send load (8 clients, six rounds alternating with
-- the policies written as 0002 wrote them and with row-level security disabled), PostgreSQL's
-- CPU per send went from 1.28 to 1.16 ms (0.94 disabled), medians.
DO $$
DECLARE
    member constant text := $member$EXISTS (
            SELECT 1 FROM conversation_members m
            WHERE m.conversation_id = %1$s AND m.agent_id = parley_acting_agent() OFFSET 0)$member$;
    conversation_seen constant text :=
        format(member, 'conversations.id') || ' OR parley_in_membership_lookup()';
    participant constant text := format(member, 'conversation_participants.conversation_id');
    participant_seen constant text := '(agent_id = parley_acting_agent() AND is_active) OR '
        || participant || ' OR parley_in_membership_lookup()';
    session constant text := format(member, 'chat_sessions.conversation_id');
    message constant text := format(member, 'messages.conversation_id');
BEGIN
    EXECUTE format('ALTER POLICY conversations_visible ON conversations USING (%s)',
        conversation_seen);
    EXECUTE format('ALTER POLICY conversations_changed ON conversations'
        ' USING (%s) WITH CHECK (%s)', conversation_seen, conversation_seen);
    EXECUTE format('ALTER POLICY participants_visible ON conversation_participants'
        ' USING (%s)', participant_seen);
    EXECUTE format('ALTER POLICY participants_changed ON conversation_participants'
        ' USING (%s) WITH CHECK (%s)', participant_seen, participant);
    EXECUTE format('ALTER POLICY chat_sessions_visible ON chat_sessions USING (%s)', session);
    EXECUTE format('ALTER POLICY chat_sessions_started ON chat_sessions'
        ' WITH CHECK (%s OR parley_starts(conversation_id))', session);
    EXECUTE format('ALTER POLICY chat_sessions_changed ON chat_sessions'
        ' USING (%s) WITH CHECK (%s)', session, session);
    EXECUTE format('ALTER POLICY messages_posted ON messages'
        ' WITH CHECK (%s OR parley_starts(conversation_id))', message);
END;
$$;
