"""Fixtures of the security suite: the SMS app wired to a fake Twilio (re-exported from tests/sms)."""

from tests.sms.conftest import fake, sms_app  # noqa: F401  (pytest finds fixtures by name)
