"""Command-line tools: users, catalog, demo data, audit, backup."""
from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from .domain.chain import Checkpoint
from .extensions import db
from .models import ROLES, utcnow
from .services import accounts, audit, catalog
from .services.actor import Actor

users_cli = AppGroup("users", help="Manage user accounts.")
catalog_cli = AppGroup("catalog", help="The drug and reaction catalog.")
demo_cli = AppGroup("demo", help="Demo data.")
audit_cli = AppGroup("audit", help="The audit log.")


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--name", "full_name", required=True, help="The person's full name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user(username: str, role: str, full_name: str, password_stdin: bool) -> None:
    """Create a user account."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = accounts.create_user(Actor.system(), username, full_name, role, password)
    except accounts.AccountError as exc:
        db.session.rollback()
        _fail(f"{exc.field}: {exc.message}")
    db.session.commit()
    click.echo(f"Created {role} {user.username}.")


@users_cli.command("token")
@click.argument("username")
@click.option("--name", default="cli", help="A name to recognise the token by.")
@click.option("--days", default=accounts.DEFAULT_TOKEN_DAYS, show_default=True, type=int,
              help=f"Days until the token expires (1 to {accounts.MAX_TOKEN_DAYS}).")
def create_token(username: str, name: str, days: int) -> None:
    """Print a new API token for USERNAME (shown once, stored hashed)."""
    user = accounts.find_user(username)
    if user is None or not user.active:
        _fail(f"no active user {username!r}")
    try:
        token = accounts.issue_token(Actor.system(), user, name, days)
    except accounts.AccountError as exc:
        _fail(f"--days: {exc.message}")
    db.session.commit()
    click.echo(token)


@catalog_cli.command("load")
def load_catalog() -> None:
    """Load or refresh the catalog from the package data (idempotent)."""
    report = catalog.load(Actor.system())
    db.session.commit()
    click.echo(f"Catalog: {len(report.created)} created, {len(report.updated)} updated, "
               f"{len(report.unchanged)} unchanged.")
    for name in report.kept_admin_edit:
        click.echo(f"Kept the admin's edit of {name}: the package data differs; review it in the catalog screen.")


@demo_cli.command("seed")
def seed_demo() -> None:
    """Create demo accounts (printing their logins once) and demo patients and sessions."""
    from .services import demo

    from .web import local_today

    logins = demo.seed(Actor.system(), progress=click.progressbar, today=local_today())
    db.session.commit()
    if logins:
        click.echo("Demo logins (shown once):")
        for username, role, password in logins:
            click.echo(f"  {role:<10} {username:<12} {password}")
    click.echo("Demo data ready.")


@audit_cli.command("verify")
@click.option("--checkpoint", "checkpoint_file", type=click.File("r"),
              help="A file of checkpoints (`flask audit checkpoint`): the chain must still hold what the last one "
                   "counted.")
def verify_audit(checkpoint_file) -> None:
    """Prove the audit chain: no event changed, forged or removed (since the checkpoint, when given)."""
    if checkpoint_file is None:
        result, lost = audit.verify(), None
    else:
        lines = [line for line in checkpoint_file.read().splitlines() if line.strip()]
        if not lines:
            _fail("the checkpoint file is empty")
        try:
            kept = Checkpoint.from_json(lines[-1])
        except (ValueError, KeyError, TypeError):
            _fail("the checkpoint file's last line is not a checkpoint")
        result, lost = audit.verify_against(kept)
    if not result.ok:
        _fail(f"audit chain broken at event {result.first_broken_id}: {result.problem} "
              f"({result.checked} events before it verified).")
    if lost:
        _fail(f"audit chain not as checkpointed: {lost}.")
    click.echo(f"Audit chain intact: {result.checked} events verified"
               + (", and all the checkpoint counted are there." if checkpoint_file else "."))


@audit_cli.command("checkpoint")
@click.option("--output", type=click.File("a"), default="-",
              help="Append the checkpoint to this file (default: print it).")
def checkpoint_audit(output) -> None:
    """Write the chain's length and head, signed with AUDIT_KEY, for keeping where the database's users cannot
    change it (a line of JSON; a cron job appends one to a file elsewhere)."""
    try:
        kept = audit.checkpoint(utcnow())
    except ValueError as exc:
        _fail(str(exc))
    output.write(kept.to_json() + "\n")


@click.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def backup(path: str) -> None:
    """Write a consistent copy of the SQLite database to PATH while the app runs."""
    from .services.backup import backup_sqlite

    try:
        pages = backup_sqlite(db.engine, path)
    except ValueError as exc:
        _fail(str(exc))
    click.echo(f"Backup written to {path} ({pages} pages).")


def register(app: Flask) -> None:
    for command in (users_cli, catalog_cli, demo_cli, audit_cli, backup):
        app.cli.add_command(command)
