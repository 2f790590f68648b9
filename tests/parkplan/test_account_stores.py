"""Accounts and sessions of a study (SQLite in its folder, or its PostGIS schema: every test of
the stores runs against both), argon2 hashing, and ``parkplan users``."""

from __future__ import annotations

import io
import sqlite3
import stat
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner
from postgis_support import tables

from parkplan.accounts import Accounts, Passwords, SessionPolicy, open_accounts, token_hash
from parkplan.accounts.sqlite import ACCOUNTS_DIR, ACCOUNTS_FILE, SqliteAccountStore
from parkplan.cli import main
from parkplan.errors import AccountError
from parkplan.study import Study, save_study
from parkplan.workspace import Workspace
from parkplan.workspace.factory import store_settings

PASSWORD = "correct horse battery"
ACCOUNT_TABLES = ("parkplan_accounts", "parkplan_sessions")
#: Cheap argon2 parameters, so that the tests hash quickly (the app uses the library's defaults).
CHEAP = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def new_study(root: Path, workspace: str | None) -> Path:
    root.mkdir(parents=True)
    save_study(Study(name="Accounts", workspace=workspace), root)
    Workspace.create(root)
    return root


@pytest.fixture
def study(tmp_path, account_workspace) -> Path:
    return new_study(tmp_path / "study", account_workspace)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def accounts(study, clock) -> Accounts:
    policy = SessionPolicy(idle_s=600, max_s=3600, touch_every_s=60)
    return Accounts(
        open_accounts(study).store, passwords=Passwords(CHEAP), policy=policy, clock=clock
    )


def stored_tables(study: Path) -> list[str]:
    """The account tables the study's store holds."""
    database = store_settings(study).database
    if database is None:
        path = study / ACCOUNTS_DIR / ACCOUNTS_FILE
        if not path.exists():
            return []
        with sqlite3.connect(path) as conn:
            rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        return sorted(row[0] for row in rows)
    return [name for name in tables(database.schema) if name in ACCOUNT_TABLES]


# -- passwords ------------------------------------------------------------------------------


def test_passwords_are_hashed_with_argon2id_and_verified():
    passwords = Passwords(CHEAP)
    first, second = passwords.hash(PASSWORD), passwords.hash(PASSWORD)
    assert first.startswith("$argon2id$") and PASSWORD not in first
    assert first != second  # salted
    assert passwords.verify(first, PASSWORD) and passwords.verify(second, PASSWORD)
    assert not passwords.verify(first, PASSWORD + "!")
    assert not passwords.verify("not a hash", PASSWORD)
    assert not passwords.needs_rehash(first)
    assert Passwords().needs_rehash(first)  # the default parameters are stronger


def test_an_unknown_name_costs_one_verification_like_a_wrong_password(study):
    class Counting(Passwords):
        verified = 0

        def verify(self, password_hash: str, password: str) -> bool:
            Counting.verified += 1
            return super().verify(password_hash, password)

    accounts = Accounts(open_accounts(study).store, passwords=Counting(CHEAP))
    accounts.add("eva", "viewer", PASSWORD)
    assert accounts.sign_in("eva", "wrong password here") is None
    assert Counting.verified == 1
    assert accounts.sign_in("nobody", PASSWORD) is None
    assert accounts.sign_in("NOT A NAME", PASSWORD) is None
    assert Counting.verified == 3


# -- the stores (SQLite and PostgreSQL) -------------------------------------------------------


def test_accounts_are_added_listed_and_removed(accounts, study):
    assert not accounts.exist() and accounts.list() == []
    assert stored_tables(study) == []  # reading creates nothing
    accounts.add("eva.peeters", "planner", PASSWORD)
    accounts.add("bert", "admin", PASSWORD)
    assert [(a.name, a.role) for a in accounts.list()] == [
        ("bert", "admin"),
        ("eva.peeters", "planner"),
    ]
    assert stored_tables(study) == list(ACCOUNT_TABLES)
    with pytest.raises(AccountError, match="already an account 'bert'"):
        accounts.add("bert", "viewer", PASSWORD)
    accounts.remove("bert")
    assert [a.name for a in accounts.list()] == ["eva.peeters"]
    with pytest.raises(AccountError, match="no account 'bert'"):
        accounts.remove("bert")


@pytest.mark.parametrize(
    ("name", "role", "password", "message"),
    [
        ("Eva", "viewer", PASSWORD, "account name 'Eva' is not allowed"),
        ("eva/../x", "viewer", PASSWORD, "is not allowed"),
        ("eva", "root", PASSWORD, "role 'root' is not known"),
        ("eva", "viewer", "short", "at least 12"),
    ],
)
def test_bad_names_roles_and_passwords_are_refused(accounts, name, role, password, message):
    with pytest.raises(AccountError, match=message):
        accounts.add(name, role, password)
    assert accounts.list() == []


def test_a_session_is_stored_only_as_a_hash(accounts):
    accounts.add("eva", "operator", PASSWORD)
    assert accounts.sign_in("eva", "not the password") is None
    session = accounts.sign_in("eva", PASSWORD)
    assert session is not None and len(session.token) >= 43  # 256 bits, URL-safe base64
    found = accounts.session(session.token)
    assert (found.name, found.role, found.csrf_token) == ("eva", "operator", session.csrf_token)
    assert accounts.store.session(token_hash(session.token)) is not None
    assert accounts.store.session(session.token) is None
    assert accounts.session("x" * 43) is None and accounts.session(None) is None


def test_sessions_expire_when_idle_and_after_their_lifetime(accounts, clock):
    accounts.add("eva", "viewer", PASSWORD)
    idle = accounts.sign_in("eva", PASSWORD)
    clock.now += 601
    assert accounts.session(idle.token) is None
    assert accounts.store.session(token_hash(idle.token)) is None  # removed, not just refused
    busy = accounts.sign_in("eva", PASSWORD)
    for _ in range(6):  # used every 9 minutes: never idle, but past 3600 s in all
        clock.now += 540
        assert accounts.session(busy.token) is not None
    clock.now += 540
    assert accounts.session(busy.token) is None


def test_use_is_written_at_most_once_a_minute(accounts, clock):
    accounts.add("eva", "viewer", PASSWORD)
    session = accounts.sign_in("eva", PASSWORD)
    began = clock.now
    clock.now += 30
    accounts.session(session.token)
    assert accounts.store.session(token_hash(session.token))[0].seen_at == began
    clock.now += 30
    accounts.session(session.token)
    assert accounts.store.session(token_hash(session.token))[0].seen_at == began + 60


def test_removing_an_account_or_changing_its_password_ends_its_sessions(accounts):
    accounts.add("eva", "planner", PASSWORD)
    accounts.add("bert", "viewer", PASSWORD)
    eva, bert = accounts.sign_in("eva", PASSWORD), accounts.sign_in("bert", PASSWORD)
    accounts.change_password("eva", "a new long password")
    assert accounts.session(eva.token) is None and accounts.session(bert.token) is not None
    assert accounts.sign_in("eva", PASSWORD) is None
    eva = accounts.sign_in("eva", "a new long password")
    accounts.remove("eva")
    accounts.add("eva", "admin", PASSWORD)  # the same name again: the old session stays dead
    assert accounts.session(eva.token) is None and accounts.session(bert.token) is not None
    with pytest.raises(AccountError, match="no account 'nobody'"):
        accounts.change_password("nobody", "a new long password")


def test_signing_in_again_ends_the_session_the_browser_held(accounts):
    accounts.add("eva", "viewer", PASSWORD)
    first = accounts.sign_in("eva", PASSWORD)
    second = accounts.sign_in("eva", PASSWORD, replacing=first.token)
    assert second.token != first.token and second.csrf_token != first.csrf_token
    assert accounts.session(first.token) is None and accounts.session(second.token) is not None
    accounts.sign_out(second.token)
    assert accounts.session(second.token) is None


def test_an_outdated_hash_is_renewed_at_sign_in_without_ending_sessions(accounts, study):
    accounts.add("eva", "viewer", PASSWORD)
    kept = accounts.sign_in("eva", PASSWORD)
    stronger = PasswordHasher(time_cost=2, memory_cost=16 * 1024, parallelism=1)
    renewed = Accounts(accounts.store, passwords=Passwords(stronger))
    assert renewed.sign_in("eva", PASSWORD) is not None
    new_hash = renewed.get("eva").password_hash
    assert "m=16384,t=2,p=1" in new_hash and not renewed.passwords.needs_rehash(new_hash)
    assert renewed.session(kept.token) is not None
    assert renewed.sign_in("eva", PASSWORD) is not None


def test_accounts_once_seen_count_until_the_server_stops(accounts, study):
    accounts.add("eva", "viewer", PASSWORD)
    assert accounts.exist()
    accounts.remove("eva")
    assert accounts.exist()  # a running server stays closed
    assert not open_accounts(study).exist()


def test_the_sqlite_file_is_private_and_in_wal_mode(tmp_path):
    study = new_study(tmp_path / "study", None)
    open_accounts(study).add("eva", "viewer", PASSWORD)
    path = study / ACCOUNTS_DIR / ACCOUNTS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert isinstance(open_accounts(study).store, SqliteAccountStore)


def test_a_broken_sqlite_file_is_a_one_line_error(tmp_path):
    study = new_study(tmp_path / "study", None)
    path = study / ACCOUNTS_DIR / ACCOUNTS_FILE
    path.parent.mkdir()
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(AccountError, match=r"accounts database accounts/accounts\.sqlite cannot"):
        open_accounts(study).list()


# -- parkplan users -------------------------------------------------------------------------


def run_cli(capsys, monkeypatch, *args: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_users_add_list_passwd_and_remove(capsys, monkeypatch, study):
    root = str(study)
    code, out, _ = run_cli(
        capsys, monkeypatch, "users", "add", root, "eva", "--role", "planner", "--password-stdin",
        stdin=f"{PASSWORD}\n",
    )  # fmt: skip
    assert (code, out) == (0, "added eva (planner)\n")
    code, out, _ = run_cli(capsys, monkeypatch, "users", "list", root)
    assert code == 0 and out.splitlines()[1].split()[:2] == ["eva", "planner"]
    session = open_accounts(study).sign_in("eva", PASSWORD)
    code, out, _ = run_cli(
        capsys, monkeypatch, "users", "passwd", root, "eva", "--password-stdin",
        stdin="another long password\n",
    )  # fmt: skip
    assert code == 0 and "sessions have ended" in out
    assert open_accounts(study).session(session.token) is None
    assert open_accounts(study).sign_in("eva", "another long password") is not None
    assert run_cli(capsys, monkeypatch, "users", "remove", root, "eva")[:2] == (0, "removed eva\n")
    code, out, _ = run_cli(capsys, monkeypatch, "users", "list", root)
    assert code == 0 and out.startswith("no accounts")


def test_users_add_asks_for_the_password_twice(study):
    from parkplan.cli.users import users

    result = CliRunner().invoke(
        users, ["add", str(study), "eva", "--role", "viewer"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert open_accounts(study).sign_in("eva", PASSWORD) is not None


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["add", "{s}", "eva", "--role", "viewer", "--password", PASSWORD], "", "No such option"),
        (["add", "{s}", "eva", "--role", "root", "--password-stdin"], PASSWORD, "'root' is not"),
        (["add", "{s}", "eva", "--role", "viewer", "--password-stdin"], "short\n", "at least 12"),
        (["remove", "{s}", "nobody"], "", "no account 'nobody'"),
        (["passwd", "{s}", "nobody", "--password-stdin"], PASSWORD, "no account 'nobody'"),
        (["list", "{s}/nowhere"], "", "nowhere"),
    ],
)
def test_users_errors_are_one_line_and_exit_2(capsys, monkeypatch, tmp_path, args, stdin, message):
    study = new_study(tmp_path / "study", None)
    args = [arg.replace("{s}", str(study)) for arg in args]
    code, _, err = run_cli(capsys, monkeypatch, "users", *args, stdin=stdin)
    assert code == 2 and message in err and err.count("\n") == 1, err
    assert open_accounts(study).list() == []
