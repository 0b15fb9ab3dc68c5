"""How queued writes become statements: one per run of writes to different tables."""

import pytest

from adapters.postgres.writes import Write, statements_for

UPDATE_CONVERSATION = Write.of(
    "UPDATE conversations SET title = %(title)s WHERE id = %(id)s",
    {"id": 1, "title": "t"},
    expect_rows=1,
)
INSERT_MESSAGE = Write.of("INSERT INTO messages (id) VALUES (%s)", (2,))
INSERT_OTHER_MESSAGE = Write.of("INSERT INTO messages (id) VALUES (%s)", (3,))
UPDATE_SESSION = Write.of("UPDATE chat_sessions SET n = %s WHERE id = %s", (4, 5), expect_rows=1)
UPDATE_OTHER_SESSION = Write.of("UPDATE chat_sessions SET n = %s WHERE id = %s", (6, 7))


def test_named_parameters_become_positional_in_the_order_they_appear() -> None:
    assert UPDATE_CONVERSATION.sql == "UPDATE conversations SET title = %s WHERE id = %s"
    assert UPDATE_CONVERSATION.params == ("t", 1)


def test_a_lone_write_without_expectation_is_sent_as_it_is() -> None:
    assert statements_for([INSERT_MESSAGE]) == [(INSERT_MESSAGE.sql, (2,))]


def test_a_lone_write_with_an_expectation_checks_the_rows_it_changed() -> None:
    [(sql, params)] = statements_for([UPDATE_SESSION])
    assert sql == (
        f"WITH w0 AS ({UPDATE_SESSION.sql} RETURNING 1)"
        " SELECT parley_expect_rows((SELECT count(*) FROM w0), 1)"
    )
    assert params == (4, 5)


def test_writes_to_different_tables_share_one_statement_with_their_parameters_in_order() -> None:
    [(sql, params)] = statements_for([UPDATE_CONVERSATION, INSERT_MESSAGE, UPDATE_SESSION])
    assert sql.startswith(
        f"WITH w0 AS ({UPDATE_CONVERSATION.sql} RETURNING 1),"
        f" w1 AS ({INSERT_MESSAGE.sql}), w2 AS ({UPDATE_SESSION.sql} RETURNING 1)"
    )
    assert "FROM w0), 1)" in sql
    assert "FROM w2), 1)" in sql
    assert "FROM w1)" not in sql
    assert params == ("t", 1, 2, 4, 5)


def test_inserts_into_one_table_share_a_statement() -> None:
    assert len(statements_for([INSERT_MESSAGE, INSERT_OTHER_MESSAGE])) == 1


@pytest.mark.parametrize(
    "writes",
    [
        [UPDATE_SESSION, UPDATE_OTHER_SESSION],
        [Write.of("INSERT INTO chat_sessions (id) VALUES (%s)", (8,)), UPDATE_SESSION],
        [UPDATE_SESSION, Write.of("INSERT INTO chat_sessions (id) VALUES (%s)", (8,))],
    ],
)
def test_a_write_to_a_table_already_changed_by_an_update_starts_a_new_statement(
    writes: list[Write],
) -> None:
    statements = statements_for(writes)
    assert len(statements) == 2
    assert [params for _, params in statements] == [w.params for w in writes]


def test_the_order_of_writes_is_kept_across_statements() -> None:
    statements = statements_for([UPDATE_SESSION, INSERT_MESSAGE, UPDATE_OTHER_SESSION])
    assert [params for _, params in statements] == [(4, 5, 2), (6, 7)]


def test_anything_but_an_insert_or_update_is_refused() -> None:
    with pytest.raises(ValueError, match="not a single INSERT or UPDATE"):
        Write.of("DELETE FROM messages", ())
