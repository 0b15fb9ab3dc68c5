"""The PostgreSQL adapter: psycopg 3, plain SQL, one transaction per unit of work."""
