"""SMS conversations: the language menu and the public guided questions, one numbered answer per SMS.

Where a number stands is one `SmsSession` row ("language", "guide", or "flow:<id>" with the answers so far,
URL-encoded). `answer` reads a bare number (or a typed date) as the next answer and says what to send back; it never
touches a household: the caller (guide/features/sms_replies/service.py) changes the language or sends the help
menu when asked. The guided questions reuse the public guide's channel-neutral engine
(`guide.rules.flows.walk`), and a result points to the same public result page, its answers carried in
the link.

A conversation left alone for more than a day starts again from its beginning rather than taking a late "1" as an
answer to an old question. Any keyword leaves a conversation; a sentence nobody understands (for staff) leaves it
where it was.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from urllib.parse import parse_qsl, urlencode

from flask import current_app

from guide.core.extensions import db
from guide.core.i18n import language
from guide.core.timeutil import as_utc
from guide.features.sms_replies.keywords import Parsed
from guide.messaging import texts
from guide.messaging.encoding import prepare
from guide.models import SmsSession
from guide.rules.flows import Flow, FlowState, walk

SESSION_TTL = timedelta(hours=24)  # a conversation untouched this long starts again
LANGUAGE_MENU, GUIDE_MENU, FLOW = "language", "guide", "flow:"


@dataclass(frozen=True)
class Outcome:
    """What an SMS did to the conversation under way, and what to send back."""

    handled: bool  # False: not an answer (a keyword, a sentence): the caller deals with it
    body: str | None = None  # the next message of the conversation
    kind: str = "reply_guide"  # the outbox kind ("reply_language_menu" is sent as written, with Arabic script)
    language: str | None = None  # the person chose this language (the conversation is over)
    leave: bool = False  # "0" at the guide menu: the conversation is over, send the help menu
    state: str = ""  # the state the SMS answered


# --- sessions ------------------------------------------------------------------------------------------------------

def session_of(number: str) -> SmsSession | None:
    return db.session.get(SmsSession, number)


def start(number: str, state: str, now: datetime, data: str = "") -> None:
    session = session_of(number)
    if session is None:
        session = SmsSession(number=number)
        db.session.add(session)
    session.state, session.data, session.updated_at = state, data, now


def end(number: str) -> None:
    session = session_of(number)
    if session is not None:
        db.session.delete(session)
        db.session.flush()  # gone from the identity map: a conversation started next begins afresh


# --- texts ---------------------------------------------------------------------------------------------------------

def _base() -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/")


def flows() -> list[Flow]:
    return sorted(current_app.extensions["content"].flows.values(), key=lambda f: (f.order, f.id))


def language_menu_text(lang: str) -> str:
    """Every configured language named in itself, numbered (sent as UCS-2: it holds Arabic script)."""
    codes = current_app.config["LANGUAGES"]
    return texts.fill("reply_language_menu", lang,
                      choices="\n".join(f"{n} {language(code).name}" for n, code in enumerate(codes, 1)))


def guide_menu_text(lang: str, retry: bool = False) -> str:
    """The list of guided questions, numbered, and how to leave."""
    content = current_app.extensions["content"]
    lines = [f"{n} {content.flow_words(lang, flow.id).get('title', flow.id)}" for n, flow in enumerate(flows(), 1)]
    text = texts.fill("guide_menu", lang, choices="\n" + "\n".join(lines)) + "\n" + texts.fill("flow_back", lang)
    return f"{texts.fill('flow_retry', lang)} {text}" if retry else text


def flow_url(flow: Flow, state: FlowState, lang: str) -> str:
    """The public page of this step or result: the answers so far are in the link, nothing personal."""
    return f"{_base()}/flows/{flow.id}?{urlencode({**state.answers, 'lang': lang})}"


def flow_step_text(state: FlowState, lang: str, retry: bool = False) -> str:
    """A question by SMS: its words, its numbered answers and "0 = back", within FLOW_MAX_SEGMENTS.

    Too long with its hint: without the hint; still too long: the link to the question on the guide instead.
    """
    words = current_app.extensions["content"].flow_words(lang, state.flow.id).get("steps", {}).get(state.step.id, {})
    question, hint = str(words.get("question", "")), str(words.get("hint", "") or "")
    if state.step.kind == "choice":
        labels = words.get("choices", {})
        lines = [f"{n} {labels.get(choice.id, choice.id)}" for n, choice in enumerate(state.step.choices, 1)]
    else:
        lines = [texts.fill("flow_date", lang)]
    lines.append(texts.fill("flow_back", lang))
    prefix = texts.fill("flow_retry", lang) + " " if retry else ""
    for head in ([question, hint] if hint else [question]), [question]:
        text = prefix + " ".join(head) + "\n" + "\n".join(lines)
        if prepare(text, lang)[1].segments <= texts.FLOW_MAX_SEGMENTS:
            return text
    return prefix + texts.fill("flow_step_long", lang, number=str(state.number),
                               link=flow_url(state.flow, state, lang))


def flow_result_text(flow: Flow, state: FlowState, lang: str) -> str:
    """The result's title and the link to the whole result page."""
    words = current_app.extensions["content"].flow_words(lang, flow.id)
    title = words.get("steps", {}).get(state.step.id, {}).get("heading") or words.get("title", flow.id)
    return texts.fill("flow_result", lang, title=str(title).rstrip("."), link=flow_url(flow, state, lang))


# --- answers -------------------------------------------------------------------------------------------------------

def answer(number: str, parsed: Parsed, lang: str, now: datetime, today: date) -> Outcome:
    """Take the SMS as the next answer of this number's conversation, if it is one (see the module docstring)."""
    session = session_of(number)
    if session is None or not session.state:
        return Outcome(False)
    stale = now - as_utc(session.updated_at) > SESSION_TTL
    state = session.state
    if state == LANGUAGE_MENU:
        outcome = _language_answer(parsed, lang, stale)
    elif state == GUIDE_MENU:
        outcome = _guide_menu_answer(number, parsed, lang, stale, now, today)
    elif state.startswith(FLOW):
        outcome = _flow_answer(session, parsed, lang, stale, now, today)
    else:
        outcome = Outcome(False)
    if outcome.handled:
        if outcome.language or outcome.leave:
            end(number)
        elif (current := session_of(number)) is not None:
            current.updated_at = now
        return replace(outcome, state=state)
    return outcome


def _language_answer(parsed: Parsed, lang: str, stale: bool) -> Outcome:
    if parsed.number is None:
        return Outcome(False)
    codes = current_app.config["LANGUAGES"]
    if not stale and 1 <= parsed.number <= len(codes):
        return Outcome(True, language=codes[parsed.number - 1])
    return Outcome(True, language_menu_text(lang), kind="reply_language_menu")


def _guide_menu_answer(number: str, parsed: Parsed, lang: str, stale: bool, now: datetime,
                       today: date) -> Outcome:
    if parsed.number is None:
        return Outcome(False)
    listed = flows()
    if stale:
        return Outcome(True, guide_menu_text(lang))
    if parsed.number == 0:
        return Outcome(True, leave=True)
    if 1 <= parsed.number <= len(listed):
        flow = listed[parsed.number - 1]
        start(number, FLOW + flow.id, now)
        return Outcome(True, flow_step_text(walk(flow, {}, today), lang))
    return Outcome(True, guide_menu_text(lang, retry=True))


def _flow_answer(session: SmsSession, parsed: Parsed, lang: str, stale: bool, now: datetime,
                 today: date) -> Outcome:
    flow = current_app.extensions["content"].flows.get(session.state[len(FLOW):])
    if flow is None:  # the flow left the guide since
        end(session.number)
        return Outcome(False)
    state = walk(flow, dict(parse_qsl(session.data)), today)
    step, number = state.step, parsed.number
    typed_date = step.kind == "date" and any(ch.isdigit() for ch in parsed.normalized)
    if number is None and not typed_date:
        return Outcome(False)
    if stale:  # an answer to a question asked more than a day ago: ask again from the start
        session.data = ""
        return Outcome(True, flow_step_text(walk(flow, {}, today), lang))
    answers = dict(state.answers)
    if number == 0:
        if not state.path:
            start(session.number, GUIDE_MENU, now)
            return Outcome(True, guide_menu_text(lang))
        answers.pop(state.path[-1])
    elif step.kind == "choice":
        if number is None or not 1 <= number <= len(step.choices):
            return Outcome(True, flow_step_text(state, lang, retry=True))
        answers[step.id] = step.choices[number - 1].id
    else:
        answers[step.id] = parsed.normalized  # "20 11 2026", any digits: the flows read it as a date
    reached = walk(flow, answers, today)
    if reached.step.kind == "result":
        end(session.number)
        return Outcome(True, flow_result_text(flow, reached, lang))
    session.data = urlencode(reached.answers)
    return Outcome(True, flow_step_text(reached, lang, retry=reached.error is not None))
