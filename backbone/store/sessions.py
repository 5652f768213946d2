"""Signed-in sessions at each page run: the account checked again, the idle timeout, identity-provider sign-ins."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import duckdb

from backbone import config
from backbone.store import database, sign_in_record
from backbone.store.auth import IDENTITY_PROVIDER, PASSWORD, User, account_of
from backbone.store.sign_in_record import REFUSAL, SIGN_IN, SIGN_OUT, TIMEOUT, who

# Why a session is over, and what the sign-in record calls that. A refusal ends a sign-in before it began.
_ENDINGS = {
    "timeout": (TIMEOUT, "no page run within the idle timeout"),
    "removed": (REFUSAL, "the account was removed while signed in"),
    "changed": (SIGN_OUT, "the account's role or organisation changed while signed in"),
    "signed-out": (SIGN_OUT, None),
    "unverified": (REFUSAL, "the identity provider has not verified this email"),
    "unregistered": (REFUSAL, "no account for this email"),
}
# A sign-in through the identity provider writes when a page last ran for it at most this often (an eighth of the idle
# timeout, at most 15 minutes), not at every page run: on a lake every write moves the snapshot that page caches
# hang on. Within one browser tab the timeout is exact; a new tab may find it up to this much early.
_LONGEST_TOUCH_INTERVAL = timedelta(minutes=15)
_COOKIE_LIFETIME = timedelta(days=31)  # Streamlit's identity cookie lasts 30 days


@dataclass(frozen=True)
class Verdict:
    """What a page run may go on as: the user, or why there is none (a key of _ENDINGS) and what to tell them."""

    user: User | None
    ended: str | None = None
    session_key: str | None = None
    email: str | None = None

    @property
    def message(self) -> str:
        """The ending in plain words, for the page that asks to sign in again."""
        email = self.email or "Your email address"
        return {
            "timeout": f"You were signed out after {duration_words(config.idle_timeout())} without activity. Sign in "
                       "again to carry on.",
            "removed": "Your account has been removed from this partnership, so you were signed out. Ask the backbone "
                       "team if you need access.",
            "changed": "The backbone team changed your account (its role or organisation), so you were signed out. "
                       "Sign in again to carry on with the new one.",
            "signed-out": "You signed out. Sign in again to carry on.",
            "unverified": f"Your identity provider has not verified {email}, so Backbone cannot tell that it is yours. "
                          "Verify it with your provider (or ask your IT team), then sign out and in again.",
            "unregistered": f"{email} is not registered with this partnership. Ask the backbone team to add you, then "
                            "sign out and in again.",
        }.get(self.ended or "", "")


def duration_words(span: timedelta) -> str:
    """A timeout in words: '8 hours', '30 minutes', '5 seconds'."""
    seconds = int(span.total_seconds())
    for unit, size in (("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def _ending(user: User, last_active: datetime | None, now: datetime, db: str | None) -> tuple[str | None, User | None]:
    """Why `user`'s session must end now (removed, changed, timeout) or None; and the account as the store holds it."""
    current = account_of(user.email, db)
    if current is None:
        return "removed", None
    if (current.role, current.partner_code) != (user.role, user.partner_code):
        return "changed", current
    if last_active is not None and now - last_active > config.idle_timeout():
        return "timeout", current
    return None, current


def _record_ending(cur: duckdb.DuckDBPyConnection, ended: str, email: str | None, method: str | None,
                   address: str | None, now: datetime) -> None:
    event, detail = _ENDINGS[ended]
    sign_in_record.add(cur, event, email, method, address, detail, now)


# --- password sessions: held by the Streamlit session --------------------------------------------------------------

def check_password_session(user: User, last_active: datetime | None, now: datetime | None = None,
                           db: str | None = None) -> Verdict:
    """At a page run of someone signed in with a password: go on, or end (timeout, account removed or changed)."""
    now = now or datetime.now()
    ended, current = _ending(user, last_active, now, db)
    if ended:
        database.write_aside(lambda cur: _record_ending(cur, ended, user.email, user.via or PASSWORD, user.address, now), db)
        return Verdict(None, ended, email=user.email)
    return Verdict(replace(current, via=user.via or PASSWORD, address=user.address))


# --- identity-provider sessions: a browser cookie that outlives the Streamlit session -------------------------------

def email_is_verified(claims: Mapping[str, object]) -> bool:
    """True when the provider vouches for the email: `email_verified` true, or, where a provider sends no such claim,
    Microsoft Entra ID's `xms_edov` (the email's domain is verified by its owner) true. False or missing refuses."""
    verified = claims.get("email_verified")
    if verified is None:
        verified = claims.get("xms_edov")
    return verified is True or (isinstance(verified, str) and verified.strip().lower() == "true")


def method_of(claims: Mapping[str, object]) -> str:
    """How the record names an identity-provider sign-in: 'identity provider', or with the provider's name."""
    provider = str(claims.get("provider") or "default")
    return IDENTITY_PROVIDER if provider == "default" else f"{IDENTITY_PROVIDER} ({provider})"


def sign_in_key(claims: Mapping[str, object]) -> str:
    """One sign-in's identity: a hash of its ID token's issuer, subject, issue time and nonce (new at every sign-in)."""
    parts = [claims.get(name) for name in ("provider", "iss", "sub", "iat", "nonce", "email")]
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def _issued_at(claims: Mapping[str, object]) -> datetime | None:
    issued = claims.get("iat")
    return datetime.fromtimestamp(issued) if isinstance(issued, int | float) and not isinstance(issued, bool) else None


def check_provider_session(claims: Mapping[str, object], address: str | None = None, last_active: datetime | None = None,
                           now: datetime | None = None, db: str | None = None) -> Verdict:
    """At a page run with an identity-provider cookie (Streamlit's `st.user`): who it is, or why it opens nothing.

    The first page run that sees a sign-in checks the email (verified by the provider, registered here), records the
    sign-in or the refusal, and remembers the sign-in; later runs end it after the idle timeout, or when its account
    was removed or changed. An ended sign-in stays ended: its cookie (kept by the browser for 30 days) opens nothing.
    """
    now = now or datetime.now()
    email = str(claims.get("email") or "").strip().lower()
    method, key = method_of(claims), sign_in_key(claims)
    rows = database.cursor(db).execute(
        "SELECT role, partner_code, last_seen, ended_at, end_reason FROM sign_in_sessions WHERE session_key = ?"
        " ORDER BY started_at", [key]).fetchall()
    if not rows:
        return _first_run(claims, email, method, key, address, now, db)
    role, partner_code, last_seen, ended_at, end_reason = rows[0]
    if ended_at is not None:
        return Verdict(None, end_reason, key, email)
    user = User(email, role, partner_code, via=method, address=address)
    last = max(last_seen, last_active) if last_active else last_seen
    ended, current = _ending(user, last, now, db)
    if ended:
        _end(key, ended, email, method, address, now, db)
        return Verdict(None, ended, key, email)
    if now - last_seen >= min(config.idle_timeout() / 8, _LONGEST_TOUCH_INTERVAL):
        database.write_aside(lambda cur: cur.execute(
            "UPDATE sign_in_sessions SET last_seen = greatest(last_seen, ?) WHERE session_key = ?", [now, key]), db)
    return Verdict(replace(current, via=method, address=address), None, key, email)


def _first_run(claims: Mapping[str, object], email: str, method: str, key: str, address: str | None, now: datetime,
               db: str | None) -> Verdict:
    account = account_of(email, db) if email else None
    issued = _issued_at(claims)
    if not email or not email_is_verified(claims):
        ended = "unverified"
    elif account is None:
        ended = "unregistered"
    elif issued is not None and now - issued > config.idle_timeout():
        ended = "timeout"  # a cookie first seen after the idle time (a store restored, say): sign in afresh
    else:
        ended = None

    def remember(cur: duckdb.DuckDBPyConnection) -> None:
        # Sign-ins older than the cookie's 30 days can come back no more (and one that did would be timed out).
        cur.execute("DELETE FROM sign_in_sessions WHERE started_at < ?", [now - _COOKIE_LIFETIME])
        cur.execute("INSERT INTO sign_in_sessions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [key, email or None, account.role if account else None, account.partner_code if account else None,
                     now, now, now if ended else None, ended])
        if ended:
            _record_ending(cur, ended, who(email), method, address, now)
        else:
            cur.execute("UPDATE accounts SET last_sign_in = ? WHERE email = ?", [now, email])
            sign_in_record.add(cur, SIGN_IN, email, method, address, None, now)

    database.write_aside(remember, db)
    if ended:
        return Verdict(None, ended, key, email)
    return Verdict(replace(account, via=method, address=address), None, key, email)


def _end(key: str, ended: str, email: str | None, method: str | None, address: str | None, now: datetime,
         db: str | None) -> None:
    def end(cur: duckdb.DuckDBPyConnection) -> None:
        cur.execute("UPDATE sign_in_sessions SET ended_at = ?, end_reason = ? WHERE session_key = ? AND ended_at IS NULL",
                    [now, ended, key])
        _record_ending(cur, ended, email, method, address, now)

    database.write_aside(end, db)


def sign_out(user: User, session_key: str | None = None, now: datetime | None = None, db: str | None = None) -> None:
    """Record that `user` signed out; an identity-provider sign-in is ended for good, whatever its cookie says."""
    now = now or datetime.now()
    if session_key is not None:
        _end(session_key, "signed-out", user.email, user.via, user.address, now, db)
    else:
        database.write_aside(lambda cur: _record_ending(cur, "signed-out", user.email, user.via, user.address, now), db)
