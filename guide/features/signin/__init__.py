"""Signing in: households by SMS code or personal link, staff by password; signing out."""
