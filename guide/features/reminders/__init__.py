"""SMS reminders: written and withdrawn in the transaction that changes their cause (no routes)."""
