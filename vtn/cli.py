"""The `vtn` command: serve, db upgrade, client add/list/remove."""

from __future__ import annotations

import json
import logging
import sys

import click

from . import config as config_module
from . import db as db_module
from .auth.scopes import ROLES
from .store import clients as client_store


def _database(config: config_module.Config) -> db_module.Database:
    url = db_module.database_url(config)
    db_module.upgrade(url)
    return db_module.Database(url, 1, 2)


@click.group()
def main():
    """An OpenADR 3.1.0 VTN. Settings come from VTN_* environment variables (see the README)."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=int, help="Port to listen on.")
@click.option("--workers", default=2, show_default=True, type=int, help="gunicorn worker processes.")
@click.option("--threads", default=4, show_default=True, type=int, help="Threads per worker.")
def serve(host, port, workers, threads):
    """Run the VTN under gunicorn (embedded PostgreSQL unless VTN_DATABASE_URL is set)."""
    from .server import run

    config = config_module.from_env()
    url = db_module.database_url(config)
    db_module.upgrade(url)
    config = config.with_overrides(database_url=url)
    if config.bootstrap_bl_client:
        _bootstrap(config)
    run(config, host=host, port=port, workers=workers, threads=threads)


def _bootstrap(config: config_module.Config) -> None:
    """On an empty database, create one BL client and print its credentials once."""
    database = db_module.Database(config.database_url, 1, 1)
    with database.transaction() as conn:
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('vtn.bootstrap'))")
        if client_store.count_clients(conn):
            database.close()
            return
        client_id, secret = client_store.add_client(conn, "bootstrap BL client", "bl")
    database.close()
    click.echo("Created a BL client (shown only this once):")
    click.echo(f"  client_id:     {client_id}")
    click.echo(f"  client_secret: {secret}")


@main.command()
def worker():
    """Deliver notifications (webhooks, MQTT) until stopped; run as many as you like, anywhere."""
    import signal

    from .notify.worker import DeliveryWorker

    config = config_module.from_env()
    logging.basicConfig(level=config.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    url = db_module.database_url(config)
    db_module.upgrade(url)
    config = config.with_overrides(database_url=url)
    database = db_module.Database(url, 1, config.delivery_threads + 2)
    delivery = DeliveryWorker(config, database)
    signal.signal(signal.SIGTERM, lambda *_: delivery.request_stop())
    click.echo(
        f"delivering notifications ({config.delivery_threads} webhook threads{', MQTT' if config.mqtt_uri else ''})"
    )
    delivery.run_forever()
    database.close()


@main.group()
def db():
    """Database maintenance."""


@db.command("upgrade")
def db_upgrade():
    """Apply the database migrations this database lacks."""
    config = config_module.from_env()
    applied = db_module.upgrade(db_module.database_url(config))
    click.echo("applied: " + (", ".join(applied) if applied else "nothing (up to date)"))


@main.group()
def client():
    """Manage the OAuth2 clients of /auth/token."""


@client.command("add")
@click.option("--role", type=click.Choice(ROLES), required=True, help="bl, ven or auditor.")
@click.option("--name", required=True, help="A name for people (the utility's DR system, an automaker).")
@click.option("--json", "as_json", is_flag=True, help="Print {client_id, client_secret} as JSON.")
def client_add(role, name, as_json):
    """Create a client and print its id and secret (the secret is shown only this once)."""
    database = _database(config_module.from_env())
    with database.transaction() as conn:
        client_id, secret = client_store.add_client(conn, name, role)
    if as_json:
        click.echo(json.dumps({"client_id": client_id, "client_secret": secret, "role": role, "name": name}))
    else:
        click.echo(f"client_id:     {client_id}\nclient_secret: {secret}\nrole:          {role}")


@client.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
def client_list(as_json):
    """List the clients (never their secrets)."""
    database = _database(config_module.from_env())
    with database.transaction() as conn:
        rows = client_store.list_clients(conn)
    if as_json:
        click.echo(json.dumps([{**r, "created": r["created"].isoformat()} for r in rows]))
        return
    for r in rows:
        state = " (disabled)" if r["disabled"] else ""
        click.echo(f"{r['client_id']}\t{r['role']}\t{r['created']:%Y-%m-%d %H:%M}\t{r['name']}{state}")


@client.command("remove")
@click.argument("client_id")
def client_remove(client_id):
    """Remove a client: it can get no new tokens."""
    from .errors import NotFound

    database = _database(config_module.from_env())
    try:
        with database.transaction() as conn:
            client_store.remove_client(conn, client_id)
    except NotFound as exc:
        click.echo(exc.detail, err=True)
        sys.exit(1)
    click.echo(f"removed {client_id}")


@main.group()
def mqtt():
    """The MQTT broker the VTN publishes notifications to."""


@mqtt.command("broker-config")
@click.option("--dir", "directory", required=True, type=click.Path(file_okay=False), help="Folder to write into.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address the broker listens on.")
@click.option("--port", type=int, help="Port the broker listens on (default: VTN_MQTT_URI's, else 8883 or 1883).")
@click.option("--san", multiple=True, help="Another name or IP address for the broker's certificate (repeatable).")
def mqtt_broker_config(directory, host, port, san):
    """Write a Mosquitto configuration: mTLS with the VTN's CA and a per-client ACL (or anonymous, dev only)."""
    from .notify import broker

    config = config_module.from_env()
    mode = broker.auth_mode(config)
    if port is None:
        port = broker.parse_uri(config.mqtt_uri)[2] if config.mqtt_uri else (8883 if mode == "certificate" else 1883)
    database = _database(config)
    with database.transaction() as conn:
        path = broker.write_broker_config(conn, config, directory, host, port, sans=san)
    database.close()
    click.echo(f"wrote {path} ({mode}, listener {host}:{port}); run: mosquitto -c {path}")


@main.group()
def audit():
    """The hash-chained audit trail."""


@audit.command("verify")
def audit_verify():
    """Check every link of the audit chain; exit 1 and name the first broken one."""
    from . import audit as audit_module

    database = _database(config_module.from_env())
    with database.transaction() as conn:
        checked, broken = audit_module.verify(conn)
    if broken is not None:
        click.echo(f"BROKEN: audit row {broken} does not follow from the {checked} rows before it", err=True)
        sys.exit(1)
    click.echo(f"ok: {checked} audit rows, chain intact")


if __name__ == "__main__":
    main()
