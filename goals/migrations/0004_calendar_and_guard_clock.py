# The goal names its calendar (goals.calendars) and keeps the drawdown guard's clock (fall_at);
# exchange holidays are stored for SQL. Existing goals get their calendar in risk 0006.

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('goals', '0003_sizing_reaches_goals'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CalendarHoliday',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('calendar', models.CharField(max_length=16)),
                ('day', models.DateField()),
            ],
            options={
                'db_table': 'goal_calendar_holiday',
            },
        ),
        migrations.AddField(
            model_name='financialgoal',
            name='calendar',
            field=models.CharField(choices=[('24/7', '24/7 (crypto)'), ('weekdays', 'Weekdays'), ('XNYS', 'XNYS sessions'), ('XLON', 'XLON sessions'), ('XETR', 'XETR sessions'), ('XPAR', 'XPAR sessions'), ('XAMS', 'XAMS sessions'), ('XSWX', 'XSWX sessions'), ('XMIL', 'XMIL sessions'), ('XMAD', 'XMAD sessions'), ('XSTO', 'XSTO sessions'), ('XTSE', 'XTSE sessions'), ('XASX', 'XASX sessions'), ('XHKG', 'XHKG sessions'), ('XTKS', 'XTKS sessions'), ('XKRX', 'XKRX sessions'), ('XJSE', 'XJSE sessions')], default='weekdays', max_length=16),
        ),
        migrations.AddField(
            model_name='financialgoal',
            name='fall_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddConstraint(
            model_name='financialgoal',
            constraint=models.CheckConstraint(condition=models.Q(('calendar__in', ('24/7', 'weekdays', 'XNYS', 'XLON', 'XETR', 'XPAR', 'XAMS', 'XSWX', 'XMIL', 'XMAD', 'XSTO', 'XTSE', 'XASX', 'XHKG', 'XTKS', 'XKRX', 'XJSE'))), name='goal_calendar_valid'),
        ),
        migrations.AddConstraint(
            model_name='calendarholiday',
            constraint=models.UniqueConstraint(fields=('calendar', 'day'), name='calendar_holiday_unique'),
        ),
    ]
