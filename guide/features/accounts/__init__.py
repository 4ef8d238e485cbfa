"""Staff accounts and their sessions (administrators end another person's sessions)."""
