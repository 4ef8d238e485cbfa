"""Appointments: the household confirms or asks to change one, and takes it into a calendar."""
