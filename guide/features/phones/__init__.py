"""Phone numbers on files: one number, one household, and each number's SMS consent (no routes; used by sign-in,
the file, the import, the SMS replies and the outbox)."""
