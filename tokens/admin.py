from django.contrib import admin

from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """API tokens: staff see who holds which and revoke them (delete). They are issued
    through the API or `manage.py create_api_token`, never here: only a hash is stored."""

    list_display = ["name", "user", "token_key", "created", "expiry"]
    list_filter = ["created"]
    search_fields = ["name", "token_key", "user__username"]
    list_select_related = ["user"]
    fields = ["name", "user", "token_key", "created", "expiry"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
