"""The staff caseload: the households a person follows, with what needs doing first."""
