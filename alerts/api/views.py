from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from goals.selectors import goal_get_for_user

from .. import selectors
from ..models import Channel
from ..services.channels import channel_create, channel_delete, channel_rotate_secret, channel_update
from ..services.delivery import channel_send_test
from ..services.errors import invalid, unknown
from ..services.evaluation import event_post
from ..services.notifications import notification_ack
from ..services.rules import rule_delete, rule_save
from . import schema
from . import serializers as s


def _owned_channels(user, ids, field: str) -> list[Channel]:
    channels = {c.pk: c for c in selectors.channel_list_for_user(user=user).filter(pk__in=ids)}
    missing = [i for i in ids if i not in channels]
    if missing:
        raise unknown(field, f"No such channel: {', '.join(map(str, missing))}.")
    return [channels[i] for i in ids]


def _rule_args(user, data: dict) -> dict:
    """Turn ids in a rule body into the user's objects (someone else's id: 400 on that field)."""
    data = dict(data)
    if data.get("goal") is not None:
        try:
            data["goal"] = goal_get_for_user(user=user, goal_id=data["goal"])
        except Exception:
            raise unknown("goal", "No such goal.") from None
    if "channels" in data:
        data["channels"] = _owned_channels(user, data["channels"], "channels")
    if "escalation" in data:
        steps = data["escalation"]
        if any("channel" not in step or "delay_seconds" not in step for step in steps):
            # A partial update skips missing fields even inside list items: not here.
            raise invalid("escalation", "Each step needs channel and delay_seconds.")
        channels = _owned_channels(user, [step["channel"] for step in steps], "escalation")
        data["escalation"] = [(c, step["delay_seconds"]) for c, step in zip(channels, steps, strict=True)]
    return data


@extend_schema(tags=schema.TAGS)
class ChannelListCreate(generics.GenericAPIView):
    serializer_class = s.ChannelOutput

    def get_queryset(self):
        return selectors.channel_list_for_user(user=self.request.user)

    @extend_schema(**schema.CHANNEL_LIST)
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.ChannelOutput(page, many=True).data)

    @extend_schema(**schema.CHANNEL_CREATE)
    def post(self, request):
        data = s.ChannelInput(data=request.data)
        data.is_valid(raise_exception=True)
        channel = channel_create(owner=request.user, **data.validated_data)
        return Response(s.ChannelRevealOutput(channel).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=schema.TAGS)
class ChannelDetail(APIView):
    serializer_class = s.ChannelOutput

    def get_object(self):
        return selectors.channel_get_for_user(user=self.request.user, channel_id=self.kwargs["pk"])

    @extend_schema(**schema.CHANNEL_GET)
    def get(self, request, pk):
        return Response(s.ChannelOutput(self.get_object()).data)

    @extend_schema(**schema.CHANNEL_UPDATE)
    def patch(self, request, pk):
        channel = self.get_object()
        data = s.ChannelUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        channel = channel_update(channel=channel, **data.validated_data)
        return Response(s.ChannelOutput(channel).data)

    @extend_schema(**schema.CHANNEL_DELETE)
    def delete(self, request, pk):
        channel_delete(channel=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=schema.TAGS)
class ChannelRotateSecret(APIView):
    serializer_class = s.ChannelRevealOutput

    @extend_schema(**schema.CHANNEL_ROTATE_SECRET)
    def post(self, request, pk):
        channel = selectors.channel_get_for_user(user=request.user, channel_id=pk)
        return Response(s.ChannelRevealOutput(channel_rotate_secret(channel=channel)).data)


@extend_schema(tags=schema.TAGS)
class ChannelTest(APIView):
    serializer_class = s.DeliveryOutput

    @extend_schema(**schema.CHANNEL_TEST)
    def post(self, request, pk):
        channel = selectors.channel_get_for_user(user=request.user, channel_id=pk)
        delivery = channel_send_test(channel=channel)
        delivery = selectors.delivery_list_for_user(user=request.user).get(pk=delivery.pk)
        return Response(s.DeliveryOutput(delivery).data)


@extend_schema(tags=schema.TAGS)
class RuleListCreate(generics.GenericAPIView):
    serializer_class = s.RuleOutput

    def get_queryset(self):
        return selectors.rule_list_for_user(user=self.request.user)

    @extend_schema(**schema.RULE_LIST)
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.RuleOutput(page, many=True).data)

    @extend_schema(**schema.RULE_CREATE)
    def post(self, request):
        data = s.RuleInput(data=request.data)
        data.is_valid(raise_exception=True)
        rule = rule_save(owner=request.user, **_rule_args(request.user, data.validated_data))
        rule = selectors.rule_get_for_user(user=request.user, rule_id=rule.pk)
        return Response(s.RuleOutput(rule).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=schema.TAGS)
class RuleDetail(APIView):
    serializer_class = s.RuleOutput

    def get_object(self):
        return selectors.rule_get_for_user(user=self.request.user, rule_id=self.kwargs["pk"])

    @extend_schema(**schema.RULE_GET)
    def get(self, request, pk):
        return Response(s.RuleOutput(self.get_object()).data)

    @extend_schema(**schema.RULE_UPDATE)
    def patch(self, request, pk):
        rule = self.get_object()
        data = s.RuleInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        rule_save(owner=request.user, rule=rule, **_rule_args(request.user, data.validated_data))
        return Response(s.RuleOutput(self.get_object()).data)

    @extend_schema(**schema.RULE_DELETE)
    def delete(self, request, pk):
        rule_delete(rule=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=schema.TAGS)
class NotificationList(generics.GenericAPIView):
    serializer_class = s.NotificationOutput

    @extend_schema(**schema.NOTIFICATION_LIST)
    def get(self, request):
        state = request.query_params.get("state")
        if state not in (None, "firing", "resolved"):
            raise invalid("state", "Use firing or resolved.")
        page = self.paginate_queryset(selectors.notification_list_for_user(user=request.user, state=state))
        return self.get_paginated_response(s.NotificationOutput(page, many=True).data)


@extend_schema(tags=schema.TAGS)
class NotificationDetail(APIView):
    serializer_class = s.NotificationOutput

    @extend_schema(**schema.NOTIFICATION_GET)
    def get(self, request, pk):
        n = selectors.notification_get_for_user(user=request.user, notification_id=pk)
        return Response(s.NotificationOutput(n).data)


@extend_schema(tags=schema.TAGS)
class NotificationAck(APIView):
    serializer_class = s.NotificationOutput

    @extend_schema(**schema.NOTIFICATION_ACK)
    def post(self, request, pk):
        n = selectors.notification_get_for_user(user=request.user, notification_id=pk)
        notification_ack(notification=n, user=request.user)
        n = selectors.notification_get_for_user(user=request.user, notification_id=pk)
        return Response(s.NotificationOutput(n).data)


@extend_schema(tags=schema.TAGS)
class DeliveryList(generics.GenericAPIView):
    serializer_class = s.DeliveryOutput

    @extend_schema(**schema.DELIVERY_LIST)
    def get(self, request):
        page = self.paginate_queryset(selectors.delivery_list_for_user(user=request.user))
        return self.get_paginated_response(s.DeliveryOutput(page, many=True).data)


@extend_schema(tags=schema.TAGS)
class EventPost(APIView):
    serializer_class = s.EventOutput

    @extend_schema(**schema.EVENT_POST)
    def post(self, request):
        data = s.EventInput(data=request.data)
        data.is_valid(raise_exception=True)
        touched = event_post(owner=request.user, **data.validated_data)
        return Response({"notifications": s.NotificationOutput(touched, many=True).data}, status=202)
