"""Written requests: a refusal with reasons, a mediation request, their receipts, letters and photos."""
