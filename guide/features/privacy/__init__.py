"""Privacy: a household's data (see, download), erasure, consents and the staff access log."""
