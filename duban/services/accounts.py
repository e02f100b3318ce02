"""Console accounts: passwords (argon2), login with throttling, sessions.

Who may do what stays in ``duban.permissions``; an account only proves that the person
at the browser is that person. Every password change, login, failed login and logout is
an event on the security chain (a digest of the hash, never the password or the hash).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, delete, select, update

from duban import clock, permissions
from duban.errors import BadInput, RuleViolation
from duban.services.common import actor
from storage.models import Account, Person, WebSession, utcnow
from storage.uow import SECURITY_CHAIN, UnitOfWork

PASSWORD_MIN = 8
PASSWORD_MAX = 128
FAILURES_BEFORE_LOCK = 5
LOCK_MINUTES = 15
SESSION_TOUCH_SECONDS = 60  # last_seen is written at most once a minute per session

_hasher = PasswordHasher()
# Verified when the login is unknown, so a wrong login costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class LoginRefused(RuleViolation):
    """Wrong login or password, or too many failures: one message that reveals neither."""


def _digest(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()


def _check_password(password: str) -> str:
    if len(password) < PASSWORD_MIN:
        raise BadInput(f"密码过短：至少 {PASSWORD_MIN} 个字符")
    if len(password) > PASSWORD_MAX:
        raise BadInput(f"密码过长：最多 {PASSWORD_MAX} 个字符")
    if password.strip() != password or not password.isprintable():
        raise BadInput("密码不能以空格开头或结尾，也不能含有不可见字符")
    return password


def _record(uow: UnitOfWork, who: str, trigger: str, **payload) -> None:
    uow.lock(SECURITY_CHAIN)
    uow.record(chain=SECURITY_CHAIN, actor=who[:64], today=clock.today(), trigger=trigger, payload=payload)


def _store(uow: UnitOfWork, by: str, person: Person, password: str, *, must_change: bool, trigger: str) -> dict:
    account = uow.session.scalar(select(Account).where(Account.person_id == person.id))
    if account is None:
        account = Account(person_id=person.id, password_hash="")
        uow.session.add(account)
    account.password_hash = _hasher.hash(_check_password(password))
    account.must_change = must_change
    account.failed_logins, account.locked_until = 0, None
    account.password_set_at = utcnow()
    uow.flush()
    _record(uow, by, trigger, login=person.login, must_change=must_change,
            hash_sha256=_digest(account.password_hash))
    return {"login": person.login, "name": person.name, "must_change": must_change}


def set_password(uow: UnitOfWork, login: str, target: str, password: str, *,
                 must_change: bool | None = None) -> dict:
    """The office sets a person's password; the person changes it at first login (unless
    ``must_change`` says otherwise, as for the demo's accounts)."""
    who = actor(uow, login)
    permissions.require(who, "account.manage")
    person = uow.org.person(target)
    if permissions.is_system(person):
        raise RuleViolation(f"{person.name}（{person.login}）是系统自动化，不能登录控制台（职责分离）")
    if must_change is None:
        must_change = person.id != who.id
    result = _store(uow, who.login, person, password, must_change=must_change, trigger="password_set")
    uow.commit()
    return result


def change_own_password(uow: UnitOfWork, login: str, old: str, new: str) -> dict:
    person = actor(uow, login)
    account = uow.session.scalar(select(Account).where(Account.person_id == person.id))
    if account is None or not _verifies(account.password_hash, old):
        raise BadInput("原密码不正确")
    if old == new:
        raise BadInput("新密码不能与原密码相同")
    result = _store(uow, person.login, person, new, must_change=False, trigger="password_changed")
    uow.commit()
    return result


def _verifies(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(uow: UnitOfWork, login: str, password: str, *, source: str = "") -> dict:
    """The person behind login/password, or LoginRefused (the failure is committed and logged)."""
    now = utcnow()
    person = uow.org.find_person(login)
    account = person and uow.session.scalar(select(Account).where(Account.person_id == person.id))
    if account is not None and account.locked_until is not None and account.locked_until > now:
        minutes = max(1, int((account.locked_until - now).total_seconds() // 60) + 1)
        _record(uow, login, "login_throttled", source=source)
        uow.commit()
        raise LoginRefused(f"登录失败次数过多，该账号已暂时锁定，请 {minutes} 分钟后再试")
    ok = _verifies(account.password_hash if account is not None else _DUMMY_HASH, password)
    if not ok or account is None or not person.active:
        if account is not None:
            account.failed_logins += 1
            if account.failed_logins >= FAILURES_BEFORE_LOCK:
                account.locked_until = now + dt.timedelta(minutes=LOCK_MINUTES)
        _record(uow, login, "login_failed", source=source)
        uow.commit()
        raise LoginRefused("登录名或密码错误（或账号已停用）")
    account.failed_logins, account.locked_until, account.last_login_at = 0, None, now
    _record(uow, person.login, "login", source=source)
    uow.commit()
    return {"login": person.login, "name": person.name, "must_change": account.must_change}


def open_session(uow: UnitOfWork, login: str) -> tuple[str, str]:
    """A new session for an authenticated person: (cookie token, CSRF token)."""
    person = actor(uow, login)
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    uow.session.add(WebSession(token_sha256=hashlib.sha256(token.encode()).hexdigest(),
                               person_id=person.id, csrf_token=csrf))
    uow.commit()
    return token, csrf


@lru_cache(maxsize=1)
def _session_select():
    """The session behind a token digest with what a request needs of its person and account:
    one statement, built once (every request of the console asks)."""
    return (select(WebSession.created_at, WebSession.last_seen_at, WebSession.csrf_token, Person.login, Person.name,
                   Person.roles, Person.active, Account.must_change, Account.password_set_at)
            .join(Person, Person.id == WebSession.person_id)
            .outerjoin(Account, Account.person_id == WebSession.person_id)
            .where(WebSession.token_sha256 == bindparam("digest")))


@lru_cache(maxsize=256)
def _may(roles: str, system: bool, active: bool) -> tuple[str, ...]:
    """The actions ``permissions.allowed`` grants without scope to a person with these roles:
    the answer depends on nothing else, so it is computed once per kind of person."""
    person = Person(login=permissions.SYSTEM_LOGIN if system else "", name="", roles=roles, active=active)
    return tuple(sorted(action for action in permissions.POLICY if permissions.allowed(person, action)))


def session_for(uow: UnitOfWork, token: str, idle_minutes: int) -> dict | None:
    """The live session behind a cookie token (touching it), or None when unknown or idle too long."""
    if not token:
        return None
    digest = hashlib.sha256(token.encode()).hexdigest()
    uow.autocommit()  # one read, at most one write by key: no transaction needed around them
    connection = uow.session.connection()
    row = connection.execute(_session_select(), {"digest": digest}).first()
    if row is None:
        return None
    now = utcnow()
    this = WebSession.token_sha256 == digest
    if (now - row.last_seen_at > dt.timedelta(minutes=idle_minutes) or not row.active
            or row.password_set_at is None or row.password_set_at > row.created_at):
        # idle too long, person deactivated, no account, or a password set since: the session ends
        connection.execute(delete(WebSession).where(this))
        uow.commit()
        return None
    if (now - row.last_seen_at).total_seconds() > SESSION_TOUCH_SECONDS:
        connection.execute(update(WebSession).where(this).values(last_seen_at=now))
        uow.commit()
    roles = Person.roles_in(row.roles)
    return {"login": row.login, "name": row.name, "csrf": row.csrf_token,
            "must_change": row.must_change, "roles": sorted(roles),
            # what the menus may offer (the use case still decides): actions allowed without scope
            "may": list(_may(row.roles, row.login == permissions.SYSTEM_LOGIN, row.active))}


def close_session(uow: UnitOfWork, token: str) -> None:
    row = uow.session.get(WebSession, hashlib.sha256(token.encode()).hexdigest())
    if row is None:
        return
    login = row.person.login
    uow.session.execute(delete(WebSession).where(WebSession.token_sha256 == row.token_sha256))
    _record(uow, login, "logout")
    uow.commit()


def list_users(uow: UnitOfWork, login: str) -> list[dict]:
    permissions.require(actor(uow, login), "account.manage")
    accounts = {a.person_id: a for a in uow.session.scalars(select(Account))}
    rows = []
    for person in uow.org.persons():
        account = accounts.get(person.id)
        rows.append({
            "login": person.login, "name": person.name, "unit": person.unit.name if person.unit else None,
            "roles": sorted(person.role_set), "active": person.active, "has_password": account is not None,
            "must_change": bool(account and account.must_change),
            "locked": bool(account and account.locked_until and account.locked_until > utcnow()),
            "last_login": account.last_login_at.isoformat(timespec="seconds") + "Z"
            if account and account.last_login_at else None,
        })
    return rows
