"""One use case per operation of the HTTP contract; each a plain async function."""
