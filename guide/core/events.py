"""Domain events: what happened, told to whoever listens, without the sender knowing who.

Blinker signals (Flask ships blinker). Receivers run at once, in the sender's thread and transaction: what they
write commits or rolls back with the change that caused it.
"""

from __future__ import annotations

from blinker import Namespace

_events = Namespace()

# A row was changed by a plain UPDATE (guide/core/versioned.py), so no ORM object shows the change to the
# session's hooks. Sender: the model class; keyword `row_id`: the row's id.
# Reminders listen (guide/features/reminders/service.py).
record_changed = _events.signal("record-changed")
