"""The staff household file: what staff record in it (proposals, appointments, notes, facts, budget,
consents, phones), each change saved over the version the person saw."""
