# ApiToken moves here from the core app: its table (api_tokens) and its rows stay as
# they are, so every issued token keeps working. State only: core's 0002 forgets it.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("core", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ApiToken",
                    fields=[
                        ("token_key", models.CharField(db_index=True, max_length=25)),
                        ("created", models.DateTimeField(auto_now_add=True)),
                        ("expiry", models.DateTimeField(blank=True, null=True)),
                        ("id", models.BigAutoField(primary_key=True, serialize=False)),
                        ("digest", models.CharField(editable=False, max_length=128, unique=True)),
                        (
                            "name",
                            models.CharField(
                                default="default",
                                help_text="The device or program that uses this token.",
                                max_length=64,
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="auth_token_set",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "API token",
                        "db_table": "api_tokens",
                        "ordering": ["-created", "-id"],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
