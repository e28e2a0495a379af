"""The `vtn` command: serve, worker, db upgrade, client, keys, mqtt, audit, settlement."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

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
    """Remove a client: it gets no new tokens and its unexpired tokens are refused from the next request on."""
    _audited_change(client_id, lambda conn: client_store.remove_client(conn, client_id), "removed")


@client.command("disable")
@click.argument("client_id")
def client_disable(client_id):
    """Disable a client: it gets no new tokens and its unexpired tokens are refused from the next request on."""
    _audited_change(client_id, lambda conn: client_store.set_disabled(conn, client_id, True), "disabled")


@client.command("enable")
@click.argument("client_id")
def client_enable(client_id):
    """Enable a disabled client again (its unexpired tokens are honoured again)."""
    _audited_change(client_id, lambda conn: client_store.set_disabled(conn, client_id, False), "enabled")


def _audited_change(client_id: str, change, done: str) -> None:
    """Run one audited change of a client or signing key; exit 1 with the reason when it is refused."""
    from .errors import Conflict, NotFound

    database = _database(config_module.from_env())
    try:
        with database.transaction() as conn:
            change(conn)
    except (NotFound, Conflict) as exc:
        click.echo(exc.detail, err=True)
        sys.exit(1)
    finally:
        database.close()
    click.echo(f"{done} {client_id}")


@main.group()
def keys():
    """The keys that sign the access tokens of /auth/token (docs/security.md: rotation)."""


@keys.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
def keys_list(as_json):
    """List the signing keys: kid, state (next, current, previous, retired) and times; never a private key."""
    database = _database(config_module.from_env())
    with database.transaction() as conn:
        client_store.signing_key(conn)
        rows = client_store.list_keys(conn)
    database.close()
    if as_json:
        click.echo(
            json.dumps([{k: v.isoformat() if isinstance(v, datetime) else v for k, v in r.items()} for r in rows])
        )
        return
    for r in rows:
        since = r["retired"] or r["deactivated"] or r["activated"] or r["created"]
        click.echo(f"{r['kid']}\t{r['state']}\tsince {since:%Y-%m-%d %H:%M:%S}")


@keys.command("rotate")
def keys_rotate():
    """The next key signs from now on; the current one stays accepted for the token TTL; a new next key is made."""
    config = config_module.from_env()
    database = _database(config)
    with database.transaction() as conn:
        kids = client_store.rotate_keys(conn, config.token_ttl_seconds)
    database.close()
    click.echo(
        f"current {kids['current']}\nnext {kids['next']}\n"
        f"previous {kids['previous']} (accepted for {config.token_ttl_seconds} s more)"
    )


@keys.command("retire")
@click.argument("kid")
def keys_retire(kid):
    """Retire a previous (or next) key: tokens it signed are refused from the next request on."""
    _audited_change(kid, lambda conn: client_store.retire_key(conn, kid), "retired")


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


class _DateTime(click.ParamType):
    """An RFC 3339 date-time with a UTC offset, e.g. 2026-12-01T17:00:00Z."""

    name = "RFC3339"

    def convert(self, value, param, ctx):
        from .wire.fields import NOW_SENTINELS, parse_datetime

        if isinstance(value, datetime):
            return value
        try:
            if value not in NOW_SENTINELS:  # 'now' (0001-01-01) is no time to export from or to
                return parse_datetime(value)
        except ValueError:
            pass
        self.fail(f"{value!r} is not an RFC 3339 date-time with a UTC offset, e.g. 2026-12-01T17:00:00Z", param, ctx)


@main.group()
def settlement():
    """Signed settlement files of load-shed verification."""


@settlement.command("export")
@click.option("--program", "program_id", required=True, help="The program's id.")
@click.option("--since", required=True, type=_DateTime(), help="Events starting at or after (RFC 3339).")
@click.option("--until", required=True, type=_DateTime(), help="Events starting before (RFC 3339).")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--per-resource", is_flag=True, help="One row per resource instead of one per VEN.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="File to write; FILE.sig beside it.")
def settlement_export(program_id, since, until, fmt, per_resource, out):
    """Write a program's settlement rows as CSV or JSON, and its detached Ed25519 signature (FILE.sig)."""
    from .verify import results, signing
    from .verify import settlement as settlement_module
    from .wire.fields import format_datetime

    if until <= since:
        raise click.BadParameter("--until must be later than --since", param_hint="--until")
    database = _database(config_module.from_env())
    with database.transaction() as conn:
        event_ids = results.events_in(conn, program_id, since, until)
        with click.progressbar(results.stale(conn, event_ids), label="verifying events", file=sys.stderr) as bar:
            for event_id in bar:
                results.refresh(conn, event_id, database.transaction)
        read = results.settlement_lines if fmt == "csv" else results.settlement_rows
        total, rows = read(conn, event_ids, per_resource)
        with click.progressbar(rows, length=total, label="settlement rows", file=sys.stderr) as bar:
            if fmt == "csv":
                chunks = settlement_module.render_lines(bar)
            else:
                meta = {
                    "programID": program_id,
                    "since": format_datetime(since),
                    "until": format_datetime(until),
                    "perResource": per_resource,
                    "rowCount": total,
                    "generated": format_datetime(datetime.now(UTC)),
                    "kid": signing.export_key(conn)["kid"],
                    "columns": list(settlement_module.COLUMNS),
                }
                chunks = settlement_module.render_json(bar, meta)
            kid, sig_path = settlement_module.write_signed(conn, out, chunks)
    database.close()
    click.echo(f"file:      {out}\nsignature: {sig_path}\nkid:       {kid}")


@settlement.command("public-key")
@click.option("--out", type=click.Path(dir_okay=False), help="Write the PEM to this file instead of printing it.")
def settlement_public_key(out):
    """Print the current export public key (PEM), which checks settlement files' signatures."""
    from .verify import signing

    database = _database(config_module.from_env())
    with database.transaction() as conn:
        key = signing.export_key(conn)
    database.close()
    if out:
        with open(out, "w", encoding="ascii") as handle:
            handle.write(key["public_pem"])
        click.echo(f"wrote {out} (kid {key['kid']})")
    else:
        click.echo(key["public_pem"], nl=False)
        click.echo(f"kid {key['kid']}", err=True)


@main.group()
def verify():
    """Load-shed verification."""


@verify.command("event")
@click.argument("event_id")
@click.option("--json", "as_json", is_flag=True, help="Print the whole verification as JSON.")
@click.option(
    "--detail",
    type=click.Choice(["slots", "resources", "vens"]),
    default="slots",
    show_default=True,
    help="With --json: per-resource slots, per-resource figures only, or VENs only.",
)
def verify_event(event_id, as_json, detail):
    """Per-VEN (fleet) baseline, measured, shed and export of one event, as the API gives them."""
    from .errors import VTNError
    from .verify.results import answer
    from .wire.fields import format_datetime

    database = _database(config_module.from_env())
    try:
        with database.transaction() as conn:
            result = answer(conn, event_id, detail if as_json else "vens", database.transaction)
    except VTNError as exc:
        click.echo(exc.detail, err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(result, default=lambda v: format_datetime(v) if hasattr(v, "tzinfo") else str(v)))
        return
    click.echo(f"event {result['eventID']} ({result['settings']['baseline']} baseline)")
    click.echo("clientID\tvenName\tbaselineKWh\tmeasuredKWh\tshedKWh\texportedKWh\tmaxShedKW\tcompliant\tcompleteness")
    for ven in [*result["vens"], {"clientID": "TOTAL", "venName": "", **result}]:
        figures = [ven[k] for k in ("baselineKWh", "measuredKWh", "shedKWh", "exportedKWh", "maxShedKW")]
        cells = [
            ven["clientID"],
            ven["venName"] or "",
            *(_fmt(v) for v in figures),
            _fmt(ven["compliant"]),
            _fmt(ven["completeness"]),
        ]
        click.echo("\t".join(cells))


def _fmt(value) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


if __name__ == "__main__":
    main()
