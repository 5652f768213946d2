"""Who may do what: accounts, password checks, and the permission check every read and write goes through."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb

from backbone.errors import BackboneError
from backbone.store import database

ROLES = {
    "director": "Director (backbone staff)",
    "partner": "Partner",
    "viewer": "Viewer / presenter",
}
# scrypt with n=2**14, r=8, p=1 costs ~50 ms and 16 MB a guess: slow for an attacker, quick for one sign-in.
SCRYPT = {"n": 2**14, "r": 8, "p": 1}
FREE_ATTEMPTS = 4  # the fifth wrong password in a row starts the waiting
FIRST_WAIT_SECONDS = 30
LONGEST_WAIT_SECONDS = 15 * 60
MIN_PASSWORD_LENGTH = 10
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class PermissionDenied(BackboneError):
    """The signed-in person's role does not allow this: said politely, checked in the package, not only hidden."""


@dataclass(frozen=True)
class User:
    """A signed-in person: email, role and, for a partner, the organisation they act for."""

    email: str
    role: str
    partner_code: str | None = None

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
    """Raise PermissionDenied unless `user` may do it. None is the command line: the operator of the store itself."""
    if user is None or can(user, action, partner_code):
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
    raise PermissionDenied(f"Sorry, as {ROLES.get(user.role, user.role).lower()} you cannot {what}. "
                           "Ask the backbone team if you need to.")


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


def sign_in(email: str, password: str, db: str | None = None, now: datetime | None = None) -> User:
    """The user for a correct email and password; a plain refusal otherwise, slowed down after repeated failures."""
    now = now or datetime.now()
    email = email.strip().lower()

    def attempt(cur: duckdb.DuckDBPyConnection) -> tuple[str | None, tuple | None]:
        refusal = None
        row = cur.execute("SELECT role, partner_code, password_hash, coalesce(failed_attempts, 0), locked_until FROM accounts"
                          " WHERE email = ?", [email]).fetchone()
        if row and row[4] and row[4] > now:
            refusal = f"Too many wrong passwords. Try again in {int((row[4] - now).total_seconds()) + 1} seconds."
        elif row is None or not check_password(password, row[2]):
            refusal = "That email and password do not match an account."
            if row is not None:
                failures = row[3] + 1
                wait = wait_after(failures)
                cur.execute("UPDATE accounts SET failed_attempts = ?, locked_until = ? WHERE email = ?",
                            [failures, now + wait if wait else None, email])
                if wait:
                    refusal += f" Too many wrong passwords: try again in {int(wait.total_seconds())} seconds."
        else:
            cur.execute("UPDATE accounts SET failed_attempts = 0, locked_until = NULL, last_sign_in = ? WHERE email = ?",
                        [now, email])
        return refusal, row

    # The refusal is raised after the transaction commits: a failed attempt must be counted, not rolled back.
    refusal, row = database.write(attempt, db)
    if refusal:
        raise BackboneError(refusal)
    return User(email, row[0], row[1])


def user_for_email(email: str, db: str | None = None) -> User | None:
    """The account of a verified email (from an identity provider), or None when it has none."""
    row = database.cursor(db).execute("SELECT role, partner_code FROM accounts WHERE email = ?", [email.strip().lower()]).fetchone()
    return User(email.strip().lower(), row[0], row[1]) if row else None


def local_accounts_exist(db: str | None = None) -> bool:
    """True when at least one account signs in with a password (so the app asks for one)."""
    return database.cursor(db).execute("SELECT count(*) > 0 FROM accounts WHERE password_hash IS NOT NULL").fetchone()[0]


# --- managing accounts (the command line) ---------------------------------------------------------------------------

def add_account(email: str, role: str, partner_code: str | None, password: str | None, db: str | None = None) -> None:
    """Create an account; a password is needed unless sign-in goes through an identity provider."""
    email = email.strip().lower()
    if not EMAIL.match(email):
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

    database.write(add, db)


def reset_password(email: str, password: str, db: str | None = None) -> None:
    """Give an account a new password and clear its failed attempts."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BackboneError(f"Use a password of at least {MIN_PASSWORD_LENGTH} characters.")
    new_hash = hash_password(password)  # scrypt is slow on purpose: not inside a transaction that may run again

    def reset(cur: duckdb.DuckDBPyConnection) -> None:
        if not cur.execute("SELECT count(*) FROM accounts WHERE email = ?", [email.strip().lower()]).fetchone()[0]:
            raise BackboneError(f"No account for {email}.")
        cur.execute("UPDATE accounts SET password_hash = ?, failed_attempts = 0, locked_until = NULL WHERE email = ?",
                    [new_hash, email.strip().lower()])

    database.write(reset, db)


def remove_account(email: str, db: str | None = None) -> None:
    """Delete an account."""
    def remove(cur: duckdb.DuckDBPyConnection) -> None:
        if not cur.execute("SELECT count(*) FROM accounts WHERE email = ?", [email.strip().lower()]).fetchone()[0]:
            raise BackboneError(f"No account for {email}.")
        cur.execute("DELETE FROM accounts WHERE email = ?", [email.strip().lower()])

    database.write(remove, db)


def list_accounts(db: str | None = None) -> list[tuple]:
    """Every account: email, role, partner, whether it has a password, last sign-in."""
    return database.cursor(db).execute(
        "SELECT email, role, partner_code, password_hash IS NOT NULL, last_sign_in FROM accounts ORDER BY role, email").fetchall()
