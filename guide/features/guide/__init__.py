"""The public guide: the journey, pages, questions (flows), glossary, language choice, page feedback."""
