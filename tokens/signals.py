"""Revocation on every path. Each deletion of a token row (the API's revoke, the admin's
delete, one or "delete selected", a user's deletion by cascade) forgets the token in this
process's memo at once; a user deactivated, or whose password changes, loses every token.
Connected when the app is ready (TokensConfig.ready)."""

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save

from mastertrade.fastpath import token_memo

from .models import ApiToken
from .services import api_tokens_revoke_for_user


def _forget_deleted(sender, instance: ApiToken, **kwargs) -> None:
    """Connecting it makes Django delete tokens row by row, sending this signal for each."""
    token_memo.forget(instance.digest)


def _revoke_on_user_change(sender, instance, created: bool, **kwargs) -> None:
    """A user deactivated, or whose password was just set (set_password() keeps the new
    one in `_password` until save() has run), loses every token. Their other browser
    sessions end by themselves: Django's session hash follows the password."""
    if created:
        return
    if not instance.is_active or getattr(instance, "_password", None) is not None:
        api_tokens_revoke_for_user(user=instance)


post_delete.connect(_forget_deleted, sender=ApiToken, dispatch_uid="tokens.forget_deleted")
post_save.connect(_revoke_on_user_change, sender=get_user_model(), dispatch_uid="tokens.revoke_on_user_change")
