"""Households imported from the landlord's CSV file."""
