"""The SMS route in France, checked before a web or dispatcher process starts (`flask --app guide sms check-route`).

Since 2023 the French telecom regulator's numbering plan bars business and automated SMS from mobile numbers
(06, 07: +336, +337); operators filter them. So:
- one-way (the recommended default, GUIDE_SMS_TWO_WAY=false): an alphanumeric sender ("METROPOLE", 3 to 11
  characters, at least one letter) that nobody can answer; the texts point to the site and the phone number of the
  household's officer instead of asking for a reply;
- two-way (GUIDE_SMS_TWO_WAY=true, the replies understood at /sms/inbound): a short code (5 or 6 digits) or a
  "conversational" 09 3x number (+339 3x...) where the provider offers it, or a Twilio Messaging Service that holds
  such a sender. A French mobile number as sender is refused: the replies would work in a test and the messages
  would be filtered in production.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_FRENCH_MOBILE = re.compile(r"^(?:\+33|0033|0)[67]\d{8}$")
_ALPHANUMERIC = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ._-]{3,11}$")


def is_french_mobile(sender: str) -> bool:
    return bool(_FRENCH_MOBILE.match(re.sub(r"[\s.()-]", "", sender)))


def route_problem(config: Mapping[str, Any]) -> str | None:
    """Why this SMS configuration must not start, in one sentence for the operator; None when it may."""
    if config.get("SMS_BACKEND") != "twilio":
        return None
    sender = (config.get("TWILIO_FROM") or "").strip()
    service = config.get("TWILIO_MESSAGING_SERVICE_SID")
    if not config.get("SMS_TWO_WAY"):
        if sender and is_french_mobile(sender):
            return (f"GUIDE_TWILIO_FROM={sender} is a French mobile number: business SMS from 06/07 numbers are "
                    "barred in France; use an alphanumeric sender (e.g. METROPOLE) for one-way SMS")
        return None
    if not sender:
        return None if service else ("two-way SMS (GUIDE_SMS_TWO_WAY=true) needs GUIDE_TWILIO_FROM (a short code or a "
                                     "09 3x conversational number) or GUIDE_TWILIO_MESSAGING_SERVICE_SID")
    if is_french_mobile(sender):
        return (f"two-way SMS cannot use the French mobile number {sender} as sender: since 2023 business SMS from "
                "06/07 numbers are barred in France; use a short code or a 09 3x conversational number, or one-way "
                "SMS (GUIDE_SMS_TWO_WAY=false) with an alphanumeric sender")
    if _ALPHANUMERIC.match(sender):
        return (f"two-way SMS cannot use the alphanumeric sender {sender!r}: nobody can reply to it; set "
                "GUIDE_SMS_TWO_WAY=false, or use a short code or a 09 3x conversational number")
    return None


def describe(config: Mapping[str, Any]) -> str:
    if config.get("SMS_BACKEND") != "twilio":
        return f"SMS backend {config.get('SMS_BACKEND')!r}: nothing leaves this machine"
    sender = config.get("TWILIO_FROM") or f"Messaging Service {config.get('TWILIO_MESSAGING_SERVICE_SID')}"
    return f"SMS route: {'two-way' if config.get('SMS_TWO_WAY') else 'one-way'}, sender {sender}"
