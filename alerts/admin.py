"""Alerts in the admin (staff see everyone's). Secrets are never shown: channels show
them masked; writes of secrets go through the /alerts/ page or the API (encrypted)."""

from django.contrib import admin

from mastertrade.core.admin import ReadOnlyAdminMixin

from .models import Channel, Delivery, DeliveryAttempt, EscalationStep, Notification, Rule
from .services.channels import channel_secrets_masked


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "kind", "enabled", "masked_secrets", "disabled_reason")
    list_filter = ("kind", "enabled")
    search_fields = ("name", "owner__username")
    list_select_related = ("owner",)
    fields = ("owner", "name", "kind", "address", "enabled", "disabled_reason", "masked_secrets", "created_at")
    readonly_fields = ("owner", "kind", "masked_secrets", "created_at")

    @admin.display(description="secrets (masked)")
    def masked_secrets(self, channel):
        return ", ".join(f"{k}: {v}" for k, v in channel_secrets_masked(channel).items()) or "—"

    def has_add_permission(self, request):
        return False  # secrets are entered (and encrypted) through /alerts/ or the API


class EscalationInline(admin.TabularInline):
    model = EscalationStep
    extra = 0
    raw_id_fields = ("channel",)


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "kind", "severity", "enabled", "repeat_interval_seconds")
    list_filter = ("kind", "severity", "enabled")
    search_fields = ("name", "owner__username")
    list_select_related = ("owner",)
    raw_id_fields = ("owner", "goal")
    filter_horizontal = ("channels",)
    inlines = [EscalationInline]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("title", "owner", "severity", "state", "fired_at", "acknowledged_at", "escalation_level")
    list_filter = ("state", "severity", "rule__kind")
    search_fields = ("title", "subject", "owner__username")
    list_select_related = ("owner",)
    date_hierarchy = "fired_at"


class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = ("at", "outcome", "status_code", "latency_ms", "error")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "channel", "event", "status", "attempts", "sent_at", "last_error")
    list_filter = ("status", "event", "channel__kind")
    list_select_related = ("channel",)
    date_hierarchy = "created_at"
    inlines = [AttemptInline]
