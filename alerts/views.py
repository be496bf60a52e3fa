"""The /alerts/ page: server-rendered, session login, each user manages their own
alerts. Thin views: a form, a service, a redirect (or the page again with errors)."""

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from mastertrade.core.errors import ApplicationError

from . import selectors
from .forms import ChannelForm, RuleForm, add_service_errors
from .services import channels, delivery, notifications, rules


class LoginView(auth_views.LoginView):
    template_name = "alerts/login.html"
    redirect_authenticated_user = True


def _page(request, *, channel_form=None, rule_form=None, revealed=None, status=200):
    user = request.user
    owned = list(selectors.channel_list_for_user(user=user))
    for channel in owned:
        channel.masked = channels.channel_secrets_masked(channel)
    context = {
        "channels": owned,
        "rules": selectors.rule_list_for_user(user=user),
        "firing": selectors.notification_list_for_user(user=user, state="firing")[:20],
        "recent": selectors.notification_list_for_user(user=user, state="resolved")[:10],
        "deliveries": selectors.delivery_list_for_user(user=user)[:20],
        "channel_form": channel_form or ChannelForm(),
        "rule_form": rule_form or RuleForm(user=user),
        # (channel, signing secret) right after creating or rotating: rendered in this
        # answer only, never stored (no message, no session), masked on every other view.
        "revealed": revealed,
    }
    return render(request, "alerts/page.html", context, status=status)


@login_required
def page(request):
    return _page(request)


@login_required
@require_POST
def channel_add(request):
    form = ChannelForm(request.POST)
    if form.is_valid():
        try:
            channel = channels.channel_create(owner=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Channel {channel.name!r} added.")
            secret = channels.channel_signing_secret(channel)
            if secret:
                return _page(request, revealed=(channel, secret))
            return redirect("alerts-page")
    return _page(request, channel_form=form, status=400)


@login_required
@require_POST
def channel_rotate_secret(request, pk):
    channel = selectors.channel_get_for_user(user=request.user, channel_id=pk)
    try:
        channel = channels.channel_rotate_secret(channel=channel)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("alerts-page")
    return _page(request, revealed=(channel, channels.channel_signing_secret(channel)))


@login_required
@require_POST
def channel_test(request, pk):
    channel = selectors.channel_get_for_user(user=request.user, channel_id=pk)
    try:
        sent = delivery.channel_send_test(channel=channel)
    except ApplicationError as exc:
        messages.error(request, exc.errors["channel"][0] if exc.errors else exc.message)
        return redirect("alerts-page")
    attempt = sent.attempt_log.first()
    code = f" (HTTP {attempt.status_code})" if attempt and attempt.status_code else ""
    if sent.status == "sent":
        messages.success(request, f"Test sent to {channel.name!r}{code}.")
    else:
        messages.error(request, f"Test to {channel.name!r} failed{code}: {sent.last_error}")
    return redirect("alerts-page")


@login_required
@require_POST
def channel_toggle(request, pk):
    channel = selectors.channel_get_for_user(user=request.user, channel_id=pk)
    channels.channel_update(channel=channel, enabled=not channel.enabled)
    return redirect("alerts-page")


@login_required
@require_POST
def channel_delete(request, pk):
    try:
        channels.channel_delete(channel=selectors.channel_get_for_user(user=request.user, channel_id=pk))
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _page(request, status=exc.status_code)
    messages.success(request, "Channel deleted.")
    return redirect("alerts-page")


@login_required
@require_POST
def rule_add(request):
    form = RuleForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            rule = rules.rule_save(owner=request.user, **form.service_kwargs())
        except ApplicationError as exc:
            add_service_errors(form, exc)
        except forms.ValidationError:
            pass
        else:
            messages.success(request, f"Rule {rule.name!r} created.")
            return redirect("alerts-page")
    return _page(request, rule_form=form, status=400)


@login_required
@require_POST
def rule_toggle(request, pk):
    rule = selectors.rule_get_for_user(user=request.user, rule_id=pk)
    rules.rule_save(owner=request.user, rule=rule, enabled=not rule.enabled)
    return redirect("alerts-page")


@login_required
@require_POST
def rule_delete(request, pk):
    rules.rule_delete(rule=selectors.rule_get_for_user(user=request.user, rule_id=pk))
    messages.success(request, "Rule deleted.")
    return redirect("alerts-page")


@login_required
@require_POST
def notification_ack(request, pk):
    n = selectors.notification_get_for_user(user=request.user, notification_id=pk)
    notifications.notification_ack(notification=n, user=request.user)
    messages.success(request, f"Acknowledged: {n.title}")
    return redirect("alerts-page")


@require_http_methods(["GET", "POST"])
def ack_link(request, token):
    """The signed link in a message: no login needed. GET shows the alert and one
    button; the POST acknowledges (chat link previews fetch with GET and must not)."""
    n = notifications.notification_from_ack_token(token)
    if n is None:
        return render(request, "alerts/ack.html", {"notification": None}, status=404)
    if request.method == "POST":
        n = notifications.notification_ack(notification=n)
    return render(request, "alerts/ack.html", {"notification": n})
