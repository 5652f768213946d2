"""Who may do what: accounts, password sign-in, the sign-in switch, and the permission check every read and write passes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import duckdb

from backbone import config
from backbone.errors import BackboneError
from backbone.store import database, lake, sign_in_record
from backbone.store.sign_in_record import REFUSAL, SIGN_IN, who

ROLES = {
    "director": "Director (backbone staff)",
    "partner": "Partner",
    "viewer": "Viewer / presenter",
}
# scrypt with n=2**14, r=8, p=1 costs ~50 ms and 16 MB a guess: slow for an attacker, quick for one sign-in.
SCRYPT = {"n": 2**14, "r": 8, "p": 1}
FREE_ATTEMPTS = 4  # the fifth wrong password in a row (for one email from one address) starts the waiting
FIRST_WAIT_SECONDS = 30
LONGEST_WAIT_SECONDS = 15 * 60
FORGET_FAILURES_AFTER = timedelta(days=1)
MIN_PASSWORD_LENGTH = 10
# How a person signed in, as the sign-in record says it.
PASSWORD, IDENTITY_PROVIDER = "password", "identity provider"
WRITES = {"upload", "undo", "edit"}  # a refused write is written to the sign-in record


class PermissionDenied(BackboneError):
    """The signed-in person's role does not allow this: said politely, checked in the package, not only hidden."""


@dataclass(frozen=True)
class User:
    """A signed-in person: email, role and, for a partner, the organisation they act for."""

    email: str
    role: str
    partner_code: str | None = None
    # How they signed in (PASSWORD or IDENTITY_PROVIDER…) and from which address (None: this computer). A user who
    # signed in is looked up in the store again at every write, so an account removed or changed meanwhile loses its
    # access there too. `via` None is code acting as a given user (the demo, tests), never a visitor.
    via: str | None = field(default=None, compare=False)
    address: str | None = field(default=None, compare=False)

    @property
    def is_director(self) -> bool:
        return self.role == "director"

    def label(self) -> str:
        """How the sidebar names them."""
        suffix = f" for {self.partner_code}" if self.partner_code else ""
        return f"{self.email} ({ROLES.get(self.role, self.role).lower()}{suffix})"


LOCAL_DIRECTOR = User("local director", "director")

# What each role may do. Actions: see_raw (partner-level rows), upload, undo, edit (catalog, milestones, accounts),
# see_unsuppressed (small cells), see_partners (the partners page), plan (a turn-the-curve plan's story, partners and
# every action), plan_actions (a partner's own actions in a plan, and proposing others).
_ALLOWED = {
    "director": {"see_raw", "upload", "undo", "edit", "see_unsuppressed", "see_partners", "plan", "plan_actions"},
    "partner": {"see_raw", "upload", "undo", "plan_actions"},
    "viewer": set(),
}


def can(user: User, action: str, partner_code: str | None = None) -> bool:
    """True when `user` may do `action` (for `partner_code`, when the action concerns one partner's data)."""
    if action not in _ALLOWED.get(user.role, set()):
        return False
    if user.role == "partner" and action in ("see_raw", "upload", "undo", "plan_actions") and partner_code is not None:
        return partner_code == user.partner_code
    return True


def require(user: User | None, action: str, partner_code: str | None = None) -> None:
    """Raise PermissionDenied unless `user` may do it. None is the command line: the operator of the store itself.

    A signed-in user's account is read again from the configured store: one removed since is refused, and one whose
    role or organisation changed may do only what both the old and the new allow. Refused writes are recorded.
    """
    if user is None:
        return
    now_as = user
    if user.via is not None:
        now_as = account_of(user.email)
        if now_as is None:
            _refused(user, action, partner_code, "the account no longer exists")
            raise PermissionDenied("Sorry, your account is no longer registered with this partnership, so nothing was "
                                   "changed. Ask the backbone team if you need access.")
    if can(user, action, partner_code) and can(now_as, action, partner_code):
        return
    what = {
        "upload": f"upload data for {partner_code}" if partner_code else "upload data",
        "undo": f"undo an upload of {partner_code}" if partner_code else "undo uploads",
        "edit": "change the catalog, milestones or accounts",
        "see_raw": "see partner-level data",
        "see_unsuppressed": "see small numbers",
        "see_partners": "see the partners' submissions",
        "plan": "change a turn-the-curve plan's story, partners or other partners' actions",
        "plan_actions": f"change the plan actions of {partner_code}" if partner_code else "change plan actions",
    }.get(action, action)
    _refused(user, action, partner_code, f"may not {what}")
    refused_as = now_as if not can(now_as, action, partner_code) else user
    raise PermissionDenied(f"Sorry, as {ROLES.get(refused_as.role, refused_as.role).lower()} you cannot {what}. "
                           "Ask the backbone team if you need to.")


def _refused(user: User, action: str, partner_code: str | None, why: str) -> None:
    if action in WRITES:
        sign_in_record.record(REFUSAL, user.email, user.via, user.address, why)


def account_of(email: str, db: str | None = None) -> User | None:
    """The account of an email as the store holds it now (role and partner), or None when there is none."""
    email = email.strip().lower()
    row = database.cursor(db).execute("SELECT role, partner_code FROM accounts WHERE email = ?", [email]).fetchall()
    return User(email, row[0][0], row[0][1]) if row else None


# --- passwords ----------------------------------------------------------------------------------------------------

def hash_password(password: str) -> str:
    """A salted scrypt hash, stored with its parameters so they can be raised later."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **SCRYPT)
    return "scrypt${n}${r}${p}${salt}${digest}".format(
        **SCRYPT, salt=base64.b64encode(salt).decode(), digest=base64.b64encode(digest).decode())


def check_password(password: str, stored: str | None) -> bool:
    """True when `password` matches the stored hash; compared in constant time."""
    if not stored or not stored.startswith("scrypt$"):
        # Spend the same time as a real check, so timing does not say whether the account exists.
        hashlib.scrypt(password.encode(), salt=b"0" * 16, **SCRYPT)
        return False
    _, n, r, p, salt, digest = stored.split("$")
    candidate = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p))
    return hmac.compare_digest(candidate, base64.b64decode(digest))


def wait_after(failures: int) -> timedelta:
    """How long the next attempt must wait after this many failures in a row: none, then doubling to a cap."""
    if failures <= FREE_ATTEMPTS:
        return timedelta(0)
    return timedelta(seconds=min(FIRST_WAIT_SECONDS * 2 ** (failures - FREE_ATTEMPTS - 1), LONGEST_WAIT_SECONDS))


def _hashed(*parts: str | None) -> str:
    return hashlib.sha256("\n".join(part or "" for part in parts).encode()).hexdigest()


def sign_in(email: str, password: str, db: str | None = None, now: datetime | None = None,
            address: str | None = None) -> User:
    """The user for a correct email and password; a plain refusal otherwise, slowed down after repeated failures.

    Failures are counted per email *and* visitor address: a stranger guessing elsewhere cannot lock the owner out.
    An email with no account is counted and answered exactly like one with a wrong password, in the same time.
    """
    now = now or datetime.now()
    email = email.strip().lower()
    failure_key, email_key = _hashed(email, address), _hashed(email)
    cur = database.cursor(db)
    waiting = cur.execute("SELECT max(wait_until) FROM sign_in_failures WHERE failure_key = ?", [failure_key]).fetchone()[0]
    if waiting is not None and waiting > now:
        sign_in_record.record(REFUSAL, who(email), PASSWORD, address, "waiting after wrong passwords", now, db)
        raise BackboneError(f"Too many wrong passwords for this email from here. Try again in "
                            f"{math.ceil((waiting - now).total_seconds())} seconds.")
    row = cur.execute("SELECT role, partner_code, password_hash FROM accounts WHERE email = ?", [email]).fetchall()
    # Always one scrypt (a dummy one when there is no account), and outside any transaction: it is slow on purpose.
    matches = check_password(password, row[0][2] if row else None)

    if matches:
        def succeed(cur: duckdb.DuckDBPyConnection) -> None:
            cur.execute("DELETE FROM sign_in_failures WHERE failure_key = ?", [failure_key])
            cur.execute("UPDATE accounts SET last_sign_in = ? WHERE email = ?", [now, email])
            sign_in_record.add(cur, SIGN_IN, email, PASSWORD, address, None, now)

        database.write_aside(succeed, db)
        return User(email, row[0][0], row[0][1], via=PASSWORD, address=address)

    def fail(cur: duckdb.DuckDBPyConnection) -> timedelta:
        # A streak left alone for a day is forgotten (and its row deleted: guesses at many emails do not pile up).
        forget_before = now - FORGET_FAILURES_AFTER
        before = cur.execute("SELECT max(failures) FROM sign_in_failures WHERE failure_key = ? AND updated_at >= ?",
                             [failure_key, forget_before]).fetchone()[0]
        failures = (before or 0) + 1
        wait = wait_after(failures)
        cur.execute("DELETE FROM sign_in_failures WHERE failure_key = ? OR (updated_at < ? AND coalesce(wait_until, updated_at) < ?)",
                    [failure_key, forget_before, now])
        cur.execute("INSERT INTO sign_in_failures VALUES (?, ?, ?, ?, ?)",
                    [failure_key, email_key, failures, now + wait if wait else None, now])
        sign_in_record.add(cur, REFUSAL, who(email), PASSWORD, address, "wrong password" if row else "no account for this email", now)
        return wait

    wait = database.write_aside(fail, db)
    refusal = "That email and password do not match an account."
    if wait:
        refusal += f" Too many wrong passwords for this email from here: try again in {int(wait.total_seconds())} seconds."
    raise BackboneError(refusal)


def local_accounts_exist(db: str | None = None) -> bool:
    """True when at least one account signs in with a password."""
    return database.cursor(db).execute("SELECT count(*) > 0 FROM accounts WHERE password_hash IS NOT NULL").fetchone()[0]


# --- the sign-in switch ---------------------------------------------------------------------------------------------

def sign_in_required(db: str | None = None) -> bool:
    """Whether people must sign in: on from the first account until `users sign-in off` says otherwise.

    Removing the last account leaves it on (nobody gets in), rather than silently opening the app to everyone.
    """
    path = db or config.db_path()
    # Asked at every page run. On a lake, each query reads the catalog in PostgreSQL: the answer is kept for as long as
    # the lake's snapshot stays the same (every commit from any process moves it; database.data_version).
    version = database.data_version(path) if lake.is_lake(path) else None
    if version is not None and _switch_seen.get(path, (None,))[0] == version:
        return _switch_seen[path][1]
    cur = database.cursor(path)
    switch = cur.execute("SELECT value FROM sign_in_settings WHERE key = 'sign_in' ORDER BY changed_at DESC LIMIT 1").fetchall()
    # A store from before the switch: on when there is an account.
    required = switch[0][0] == "on" if switch else cur.execute("SELECT count(*) > 0 FROM accounts").fetchone()[0]
    if version is not None:
        _switch_seen[path] = (version, required)
    return required


_switch_seen: dict[str, tuple[tuple, bool]] = {}


def _set_switch(cur: duckdb.DuckDBPyConnection, on: bool) -> None:
    cur.execute("DELETE FROM sign_in_settings WHERE key = 'sign_in'")
    cur.execute("INSERT INTO sign_in_settings VALUES ('sign_in', ?, ?)", ["on" if on else "off", datetime.now()])


def set_sign_in_required(on: bool, db: str | None = None) -> None:
    """Turn sign-in on or off (the command line: `users sign-in on|off`)."""
    database.write(lambda cur: _set_switch(cur, on), db)


# --- managing accounts (the command line) ---------------------------------------------------------------------------

def add_account(email: str, role: str, partner_code: str | None, password: str | None, db: str | None = None) -> None:
    """Create an account; a password is needed unless sign-in goes through an identity provider."""
    email = email.strip().lower()
    if not sign_in_record.EMAIL.match(email):
        raise BackboneError(f"'{email}' is not an email address.")
    if role not in ROLES:
        raise BackboneError(f"Role must be one of: {', '.join(ROLES)}.")
    if (role == "partner") != bool(partner_code):
        raise BackboneError("A partner account needs --partner CODE; other roles take none.")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise BackboneError(f"Use a password of at least {MIN_PASSWORD_LENGTH} characters.")
    password_hash = hash_password(password) if password else None  # slow on purpose: outside a retried transaction

    def add(cur: duckdb.DuckDBPyConnection) -> None:
        if cur.execute("SELECT count(*) FROM accounts WHERE email = ?", [email]).fetchone()[0]:
            raise BackboneError(f"An account for {email} exists already; use `users reset` to change its password.")
        if partner_code and not cur.execute("SELECT count(*) FROM partners WHERE partner_code = ?", [partner_code.upper()]).fetchone()[0]:
            raise BackboneError(f"Unknown partner code '{partner_code}'.")
        cur.execute("INSERT INTO accounts VALUES (?, ?, ?, ?, 0, NULL, NULL, ?)",
                    [email, role, partner_code.upper() if partner_code else None,
                     password_hash, datetime.now()])
        _set_switch(cur, True)  # the first account turns sign-in on; it stays on until turned off by a command

    database.write(add, db)


def reset_password(email: str, password: str, db: str | None = None) -> None:
    """Give an account a new password and clear its wrong-password waits (from every address)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BackboneError(f"Use a password of at least {MIN_PASSWORD_LENGTH} characters.")
    new_hash = hash_password(password)  # scrypt is slow on purpose: not inside a transaction that may run again

    def reset(cur: duckdb.DuckDBPyConnection) -> None:
        if not cur.execute("SELECT count(*) FROM accounts WHERE email = ?", [email.strip().lower()]).fetchone()[0]:
            raise BackboneError(f"No account for {email}.")
        cur.execute("UPDATE accounts SET password_hash = ? WHERE email = ?", [new_hash, email.strip().lower()])
        cur.execute("DELETE FROM sign_in_failures WHERE email_key = ?", [_hashed(email.strip().lower())])

    database.write(reset, db)


def remove_account(email: str, db: str | None = None) -> None:
    """Delete an account (sign-in stays on even when it was the last one)."""
    def remove(cur: duckdb.DuckDBPyConnection) -> None:
        if not cur.execute("SELECT count(*) FROM accounts WHERE email = ?", [email.strip().lower()]).fetchone()[0]:
            raise BackboneError(f"No account for {email}.")
        cur.execute("DELETE FROM accounts WHERE email = ?", [email.strip().lower()])

    database.write(remove, db)


def list_accounts(db: str | None = None) -> list[tuple]:
    """Every account: email, role, partner, whether it has a password, last sign-in."""
    return database.cursor(db).execute(
        "SELECT email, role, partner_code, password_hash IS NOT NULL, last_sign_in FROM accounts ORDER BY role, email").fetchall()
