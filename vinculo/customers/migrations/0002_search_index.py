"""Search structures per database: FTS5 on SQLite, pg_trgm GIN indexes on PostgreSQL."""

from django.db import migrations

SQLITE_UP = [
    """CREATE VIRTUAL TABLE customers_search_fts USING fts5(
        text, numbers, content='customers_searchentry', content_rowid='customer_id',
        tokenize="unicode61 remove_diacritics 2", prefix='2 3')""",
    """CREATE TRIGGER customers_search_ai AFTER INSERT ON customers_searchentry BEGIN
        INSERT INTO customers_search_fts(rowid, text, numbers)
        VALUES (new.customer_id, new.text, new.numbers);
    END""",
    """CREATE TRIGGER customers_search_ad AFTER DELETE ON customers_searchentry BEGIN
        INSERT INTO customers_search_fts(customers_search_fts, rowid, text, numbers)
        VALUES ('delete', old.customer_id, old.text, old.numbers);
    END""",
    """CREATE TRIGGER customers_search_au AFTER UPDATE ON customers_searchentry BEGIN
        INSERT INTO customers_search_fts(customers_search_fts, rowid, text, numbers)
        VALUES ('delete', old.customer_id, old.text, old.numbers);
        INSERT INTO customers_search_fts(rowid, text, numbers)
        VALUES (new.customer_id, new.text, new.numbers);
    END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS customers_search_au",
    "DROP TRIGGER IF EXISTS customers_search_ad",
    "DROP TRIGGER IF EXISTS customers_search_ai",
    "DROP TABLE IF EXISTS customers_search_fts",
]
POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX customers_search_text_trgm ON customers_searchentry "
    "USING gin (text gin_trgm_ops)",
    "CREATE INDEX customers_search_numbers_trgm ON customers_searchentry "
    "USING gin (numbers gin_trgm_ops)",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS customers_search_numbers_trgm",
    "DROP INDEX IF EXISTS customers_search_text_trgm",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        )
    ]
