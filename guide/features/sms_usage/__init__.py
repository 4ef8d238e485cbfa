"""SMS usage: segments and cost, for staff."""
