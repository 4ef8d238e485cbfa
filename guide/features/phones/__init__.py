"""Phone numbers on files: one number, one household (no routes; used by sign-in, the file, the import)."""
