"""Two gunicorn workers serve one database: tokens, writes and reads agree across workers."""

from concurrent.futures import ThreadPoolExecutor

import requests

from .served import add_client


def test_two_workers_share_tokens_and_data(served, database_url):
    bl = {"Authorization": f"Bearer {served.token(add_client(database_url, 'bl', 'utility'))}"}
    venc = add_client(database_url, "ven", "fleet")
    ven = {"Authorization": f"Bearer {served.token(venc)}"}
    program = requests.post(f"{served.api}/programs", json={"programName": "peak"}, headers=bl, timeout=10).json()
    requests.post(
        f"{served.api}/vens",
        json={"venName": "fleet", "clientID": venc["client_id"], "targets": ["region-1"]},
        headers=bl,
        timeout=10,
    ).raise_for_status()

    def create(i):
        body = {"programID": program["id"], "eventName": f"e{i}", "targets": ["region-1"]}
        return requests.post(f"{served.api}/events", json=body, headers=bl, timeout=10).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(create, range(40)))
        reads = list(pool.map(lambda _: requests.get(f"{served.api}/events", headers=ven, timeout=10), range(20)))
    assert statuses == [201] * 40
    assert all(r.status_code == 200 for r in reads)
    seen = requests.get(f"{served.api}/events", headers=ven, params={"limit": 50}, timeout=10).json()
    assert sorted(e["eventName"] for e in seen) == sorted(f"e{i}" for i in range(40))


def test_concurrent_duplicate_names_conflict_not_fail(served, database_url):
    bl = {"Authorization": f"Bearer {served.token(add_client(database_url, 'bl', 'utility'))}"}

    def create(_):
        return requests.post(f"{served.api}/programs", json={"programName": "same"}, headers=bl, timeout=10)

    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(r.status_code for r in pool.map(create, range(16)))
    assert statuses == [201] + [409] * 15
