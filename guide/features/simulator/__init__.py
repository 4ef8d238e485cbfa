"""The public cost simulator: what a move would cost under the charter's money rules."""
