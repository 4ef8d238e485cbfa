"""Pure domain rules from the relocation charter: no Flask, no database; today's date is always an argument."""
