"""The satisfaction survey (§4 step 14): the household's questionnaire and the staff's anonymous results."""
