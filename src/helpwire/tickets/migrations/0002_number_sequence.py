from django.db import migrations

SEQUENCE = "tickets_ticket_number_seq"


def create_sequence(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE} START WITH 1001")
    # Continue after any numbers a counter row already handed out.
    schema_editor.execute(
        f"SELECT setval('{SEQUENCE}', GREATEST(1000, "
        "(SELECT COALESCE(MAX(number), 1000) FROM tickets_ticket)))"
    )


def drop_sequence(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP SEQUENCE IF EXISTS {SEQUENCE}")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [migrations.RunPython(create_sequence, drop_sequence)]
