"""The staff side of the SMS channel: a household's reply box (sent, counted live, filled from a template) and the
inbox of messages waiting for a person. What the household page shows of SMS is guide/features/sms_replies/panel.py;
the writes are guide/features/sms_replies/inbox.py (one unit of work each)."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from jinja2_fragments.flask import render_block
from sqlalchemy import select

from guide.core import phones as phone_numbers
from guide.core.auth import household_for_staff, safe_next, staff_required
from guide.core.extensions import db, htmx
from guide.core.forms import ConfirmForm, add_error
from guide.core.permissions import HANDLE_SMS, Reach, can, reach
from guide.features.household_file.page import render_household
from guide.features.sms_replies import inbox
from guide.features.sms_replies.panel import MAX_SEGMENTS, ReplyForm, count, phone_choices, send_language, sms_panel
from guide.messaging.encoding import prepare
from guide.models import Household, SmsInbound

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.post("/households/<int:household_id>/sms")
@staff_required()
def sms_reply(household_id: int) -> ResponseReturnValue:
    """Send a reply (kind staff_reply) to a consenting number; the household's open messages are then done.

    The "count" button (no JavaScript) shows the page again with the count, sending nothing."""
    found = household_for_staff(household_id)
    form = ReplyForm(prefix="sms")
    consenting = [p for p in found.phones if p.sms_consent]
    form.to.choices = phone_choices(consenting)
    g.sms_reply_form = form
    if not form.validate_on_submit():
        return render_household(found)[0], 422
    if request.form.get("action") == "count":
        return render_household(found)[0], 200
    text = (form.text.data or "").strip()
    phone = next((p for p in consenting if str(p.id) == form.to.data), None)
    refused = False
    if not consenting:
        add_error(form.to, _("Aucun téléphone de ce ménage n'a l'accord pour les SMS : appelez le ménage."))
        refused = True
    elif phone is None:
        add_error(form.to, _("Choisissez un numéro."))
        refused = True
    language = send_language(text, found.language)
    segments = prepare(text, language)[1].segments
    if not text:
        add_error(form.text, _("Écrivez le message."))
        refused = True
    elif segments > MAX_SEGMENTS:
        add_error(form.text, _("Ce message prend %(num)s SMS : raccourcissez-le, %(max)s SMS au plus.",
                                  num=segments, max=MAX_SEGMENTS))
        refused = True
    if refused or phone is None:
        return render_household(found)[0], 422
    inbox.send_reply(found, g.staff, phone, text, language)
    return redirect(url_for("household_file.staff.household", household_id=found.id, _anchor="sms"), code=303)


@bp.post("/households/<int:household_id>/sms/count")
@staff_required()
def sms_count(household_id: int) -> ResponseReturnValue:
    """The live counter (htmx, as the text is typed). Not in the access log: it returns only a count."""
    found = household_for_staff(household_id)
    text = (request.form.get("sms-text") or "").strip()
    return render_block("staff/_sms_reply.html", "counter", count=count(text, found.language),
                        max_segments=MAX_SEGMENTS)


@bp.get("/households/<int:household_id>/sms/template")
@staff_required()
def sms_template(household_id: int) -> ResponseReturnValue:
    """The reply box filled with a template (htmx); without htmx, the household page with the template in it."""
    found = household_for_staff(household_id)
    key = request.args.get("sms_template", "")
    if not htmx:
        return redirect(url_for("household_file.staff.household", household_id=found.id, sms_template=key or None,
                                _anchor="sms-reply"), code=303)
    panel = sms_panel(found)
    return render_block("staff/_sms_reply.html", "text_field", sms=panel, household=found, count=panel.count,
                        max_segments=MAX_SEGMENTS)


# --- the inbox ------------------------------------------------------------------------------------------

@bp.before_app_request
def _count_open() -> None:
    """The staff navigation (base.html) shows how many SMS wait: counted here, once per request to a staff page of
    any feature (blueprints "<feature>.staff"), before the view runs (a template never reads the database)."""
    if (request.blueprint or "").endswith(".staff"):
        g.sms_open_count = inbox.open_count()


def _safe_number(number: str) -> str:
    try:
        return phone_numbers.display(number)
    except Exception:  # noqa: BLE001 - an odd sender (a short code, text) is shown as it came
        return number


@bp.get("/sms/inbox")
@staff_required()
def sms_inbox() -> ResponseReturnValue:
    items = inbox.waiting(g.staff)
    ids = {i.household_id for i in items if i.household_id}
    households = {h.id: h for h in db.session.scalars(select(Household).where(Household.id.in_(ids)))} if ids else {}
    rows = [{"item": i, "household": households.get(i.household_id or 0), "number": _safe_number(i.from_number)}
            for i in items]
    page = render_template("staff/sms_inbox.html", rows=rows)
    inbox.log_inbox_read(g.staff, len(rows))
    return page


@bp.post("/sms/inbox/<int:inbound_id>/done")
@staff_required()
def sms_done(inbound_id: int) -> ResponseReturnValue:
    """Mark an inbound message handled ("traité"); 404 for a message this person may not see."""
    item = db.session.get(SmsInbound, inbound_id)
    household = db.session.get(Household, item.household_id) if item and item.household_id else None
    if item is None or not (can(g.staff, HANDLE_SMS, household) if household is not None
                            else reach(g.staff, HANDLE_SMS) is Reach.ALL):  # an unknown number: the inbox above
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    inbox.mark_done(item, g.staff)
    if htmx:
        return ""  # the row goes away
    return redirect(safe_next(request.form.get("next"), url_for("sms_replies.staff.sms_inbox")), code=303)
