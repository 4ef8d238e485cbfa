"""Mediation: the staff inbox of mediation requests and each case's follow-up."""
