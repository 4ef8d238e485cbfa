"""The SMS channel. For now: the outbox table and the `log` backend (printed and stored)."""
