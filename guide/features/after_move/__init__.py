"""After the move: expenses refunded, the courtesy visit, and the satisfaction survey."""
