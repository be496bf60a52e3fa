# The content type core.apitoken becomes tokens.apitoken (the same row, the same id), so
# the permissions on it (view/delete API tokens) and the admin's log entries follow the
# model to its new app.

from django.db import migrations


def _relabel(apps, schema_editor, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    moving = ContentType.objects.using(db).filter(app_label=old, model="apitoken").first()
    if moving is None:  # a fresh database: post_migrate creates tokens.apitoken afterwards
        return
    # One made for the new label meanwhile (an earlier post_migrate) only holds the default
    # permissions, made again for the moved one: the moved row wins.
    ContentType.objects.using(db).filter(app_label=new, model="apitoken").delete()
    moving.app_label = new
    moving.save(update_fields=["app_label"])


def forwards(apps, schema_editor):
    _relabel(apps, schema_editor, "core", "tokens")


def backwards(apps, schema_editor):
    _relabel(apps, schema_editor, "tokens", "core")


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0002_apitoken_moves_to_tokens"),
        ("tokens", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
