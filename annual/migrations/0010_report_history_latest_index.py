"""An index for "the latest change of each report" (the round board's 最后修改 column).

Without it PostgreSQL walks the whole history by date and filters by report, which grows with
every save of every report: 15 ms a board view after a few thousand saves. The historical model
is simple_history's, which declares no such index, so it is SQL of its own (valid on SQLite too)
and does not touch the migration state.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("annual", "0009_jobs")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX annual_historicalreport_latest "
            "ON annual_historicalreport (id, history_date DESC, history_id DESC)",
            "DROP INDEX annual_historicalreport_latest",
        )
    ]
