"""Staff accounts: ending a person's sessions, with its access-log entry, as one change."""

from __future__ import annotations

from guide.core import audit, sessions
from guide.core.transaction import atomic
from guide.models import StaffUser


@atomic
def end_sessions(admin: StaffUser, member: StaffUser) -> int:
    """End every open session of `member` (a lost laptop, someone who leaves); how many were open."""
    count = sessions.end_all(staff_id=member.id)
    audit.record("staff", admin.id, "end_staff_sessions", entity="staff_user", entity_id=member.id, sessions=count)
    return count
