"""Every write and decision of the alerts app, one module per concern: channels, rules,
notifications (firing, repeating, resolving, escalating, acknowledging), delivery (one
attempt at a time, with retries) and evaluation (the rule kinds and the periodic tick).
errors holds the refusals they share. None imports alerts.tasks: a task is enqueued by
its registered name (mastertrade.core.dispatch)."""
