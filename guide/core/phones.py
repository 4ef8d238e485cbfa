"""Phone numbers: parsed and validated with `phonenumbers`, stored in E.164, shown in the national format."""

from __future__ import annotations

import phonenumbers


def normalize(raw: str, region: str = "FR") -> str | None:
    """E.164 ("+33612345678") for a valid number typed in any usual way, else None."""
    try:
        parsed = phonenumbers.parse(raw.strip(), region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def is_mobile(e164: str) -> bool:
    kind = phonenumbers.number_type(phonenumbers.parse(e164))
    return kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def display(e164: str | None, region: str = "FR") -> str:
    """"06 12 34 56 78" for a French number, the international format otherwise."""
    if not e164:
        return ""
    parsed = phonenumbers.parse(e164)
    if phonenumbers.region_code_for_number(parsed) == region:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
