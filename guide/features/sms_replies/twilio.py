"""Twilio webhooks: delivery status callbacks (signed, idempotent, a final state never goes back) and incoming SMS."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, request
from flask.typing import ResponseReturnValue
from twilio.request_validator import RequestValidator

from guide.core.extensions import csrf
from guide.features.sms_replies import service

bp = Blueprint("twilio", __name__, url_prefix="/sms")


def signature_valid() -> bool:
    """Twilio signs the public URL it called: rebuild it from our configured base URL (we may sit behind a proxy)."""

    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    if not token:
        return False
    url = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + request.full_path.rstrip("?")
    return RequestValidator(token).validate(url, request.form.to_dict(), request.headers.get("X-Twilio-Signature",
                                                                                             ""))


@bp.post("/status")
@csrf.exempt
def status_callback() -> ResponseReturnValue:
    if not signature_valid():
        abort(403)
    service.record_delivery_status(request.form.get("MessageSid", ""),
                                   (request.form.get("MessageStatus") or "").lower(), request.form.get("ErrorCode", ""))
    return "", 204


EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


@bp.post("/inbound")
@csrf.exempt
def inbound() -> ResponseReturnValue:
    """An SMS sent to our number: stored once per MessageSid and answered through the outbox (tracked, retried).

    The TwiML answer is empty on purpose: a reply written here would bypass the outbox and its delivery tracking.
    """

    if not signature_valid():
        abort(403)

    def text(name: str) -> str:  # NUL: no phone sends it, and PostgreSQL cannot store it in text (a 500)
        return request.form.get(name, "").replace("\x00", "")

    sid = text("MessageSid") or text("SmsSid")
    if not sid:
        abort(400)
    service.receive(sid[:64], text("From"), text("To"), text("Body"), opt_out_type=text("OptOutType"))
    return Response(EMPTY_TWIML, mimetype="text/xml")
