"""The `statements` piece against the ORM: the same instance from a read, the same row
from a write; with the piece off, the ORM's own get() and save()."""

from decimal import Decimal

import pytest

from goals.factories import GoalFactory
from goals.models import FinancialGoal
from mastertrade.fastpath import statements
from risk.api.serializers import PositionSizeSerializer
from risk.models import GoalAdjustment

pytestmark = pytest.mark.django_db


def _adjustment(goal, **extra):
    return GoalAdjustment(
        owner_id=goal.owner_id,
        goal=goal,
        base_position_size=Decimal("1000.5"),
        current_value=goal.current_value,
        target_value=goal.target_value,
        progress_pct=Decimal("12.5"),
        drawdown_pct=Decimal("0"),
        adjustment_factor=Decimal("1.1"),
        adjusted_size=Decimal("1100.55"),
        stance="aggressive",
        reason="r",
        mu=0.25,
        sigma=0.4,
        **extra,
    )


def test_precompiled_insert_writes_what_the_orm_writes(user):
    goal = GoalFactory(owner=user)
    fast = statements.insert(_adjustment(goal))
    orm = _adjustment(goal)
    orm.save()
    assert fast.pk and not fast._state.adding
    fields = GoalAdjustment._meta.concrete_fields
    columns = [f.attname for f in fields if not f.primary_key and f.attname != "created_at"]
    stored = GoalAdjustment.objects.values(*columns)
    assert stored.get(pk=fast.pk) == stored.get(pk=orm.pk)
    assert PositionSizeSerializer(fast).data["adjustment_id"] == fast.pk


def test_precompiled_statements_run_on_psycopgs_cursor_unless_statements_are_counted(user, django_assert_num_queries):
    from django.db import IntegrityError, connection, transaction

    goal = GoalFactory(owner=user)
    with django_assert_num_queries(2):  # counted: Django's cursor
        statements.get(FinancialGoal, id=goal.pk, owner_id=user.pk)
        statements.insert(_adjustment(goal))
    assert not connection.queries_logged
    with statements._statement(connection) as cursor:
        assert not hasattr(cursor, "db")  # psycopg's own, not Django's CursorWrapper
    assert statements.get(FinancialGoal, id=goal.pk, owner_id=user.pk) == goal
    broken = _adjustment(goal)
    broken.stance = None
    with pytest.raises(IntegrityError), transaction.atomic():  # django.db's error, as through the ORM
        statements.insert(broken)


def test_values_passed_as_they_are_are_what_the_orm_would_pass(user):
    from django.db import connection

    adjustment = _adjustment(GoalFactory(owner=user))
    _, plan = statements._insert_sql(GoalAdjustment)
    as_is = [(f, v) for f, same in plan if same is not None and type(v := f.pre_save(adjustment, True)) is same]
    assert len(as_is) >= 12  # decimals, texts, the timestamp
    for field, value in as_is:
        prepared = field.get_db_prep_save(value, connection)
        assert prepared == value and type(prepared) is type(value), field.name


def test_the_audit_insert_is_counted_in_the_statement_metrics(user):
    from django_prometheus.db import execute_total

    goal = GoalFactory(owner=user)
    counted = execute_total.labels("default", "postgresql")
    before = counted._value.get()
    statements.insert(_adjustment(goal))
    assert counted._value.get() == before + 1


def test_precompiled_get_reads_what_the_orm_reads(user, other_user):
    goal = GoalFactory(owner=user, reach_probability=Decimal("0.25"))
    fast = statements.get(FinancialGoal, id=goal.pk, owner_id=user.pk)
    orm = FinancialGoal.objects.get(pk=goal.pk)
    fields = [f.attname for f in FinancialGoal._meta.concrete_fields]
    assert [getattr(fast, f) for f in fields] == [getattr(orm, f) for f in fields]
    assert not fast._state.adding
    assert statements.get(FinancialGoal, id=goal.pk, owner_id=other_user.pk) is None


@pytest.mark.parametrize("off", [frozenset(), frozenset({"statements"})])
def test_get_and_insert_give_what_the_orm_gives_on_and_off(user, other_user, settings, off):
    settings.FASTPATH_OFF = off
    goal = GoalFactory(owner=user, reach_probability=Decimal("0.125"))
    read = statements.get(FinancialGoal, id=goal.pk, owner_id=user.pk)
    orm = FinancialGoal.objects.get(pk=goal.pk)
    fields = [f.attname for f in FinancialGoal._meta.concrete_fields]
    assert [getattr(read, f) for f in fields] == [getattr(orm, f) for f in fields]
    assert (read._state.adding, read._state.db) == (orm._state.adding, orm._state.db)
    assert statements.get(FinancialGoal, id=goal.pk, owner_id=other_user.pk) is None
    written = statements.insert(_adjustment(goal))
    saved = _adjustment(goal)
    saved.save()
    assert (written._state.adding, written._state.db) == (saved._state.adding, saved._state.db)
    columns = [f.attname for f in GoalAdjustment._meta.concrete_fields if f.attname not in ("id", "created_at")]
    stored = GoalAdjustment.objects.values(*columns)
    assert stored.get(pk=written.pk) == stored.get(pk=saved.pk)
    assert [getattr(written, c) for c in columns] == [getattr(saved, c) for c in columns]
