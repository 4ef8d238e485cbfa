"""Where the household stands: its home page, its proposals, whether an offer is affordable."""
