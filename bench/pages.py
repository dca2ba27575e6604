"""Routing tabs at scale: server time of each tab and picker with 2,000 services, 5,000 namespaces, 10,000
cloud resources in one org, on PostgreSQL.

    python bench/pages.py [--requests 50]

First times Sync Services of 2,000 services from the sandbox (goal: under 10 s). Then seeds the org (half the
namespaces and resources assigned to a service), requests each page through the app (full page and htmx fragment)
and prints the median and p95 server time. Goal: every median under 100 ms.
Needs PostgreSQL (BENCH_DATABASE_URL overrides).
"""

import argparse
import random
import time

from common import bench_env, percentile, sandbox_process, stop
from sqlalchemy import insert, select

SERVICES, CLUSTERS, NAMESPACES, RESOURCES = 2_000, 25, 5_000, 10_000


def seed(db, org_id):
    """The inventory and the routes of one large org."""
    from webapp.models import CloudResource, Cluster, Namespace, NamespaceRoute, ResourceRoute, Service

    db.session.execute(
        insert(Service),
        [
            {
                "org_id": org_id,
                "pd_id": f"PSVC{n:05d}",
                "name": f"service {n:04d} {random.choice(['api', 'db', 'k8s'])}",
                "pd_status": "active",
                "enabled": n % 4 == 0,
                "integration_key": f"{n:032d}" if n % 4 == 0 else None,
                "is_default": n == 0,
                "is_vdp": n == 4,
            }
            for n in range(SERVICES)
        ],
    )
    db.session.execute(insert(Cluster), [{"org_id": org_id, "name": f"cluster-{n}"} for n in range(CLUSTERS)])
    clusters = db.session.scalars(select(Cluster.id).filter_by(org_id=org_id)).all()
    db.session.execute(
        insert(Namespace),
        [{"org_id": org_id, "cluster_id": clusters[n % CLUSTERS], "name": f"namespace-{n}"} for n in range(NAMESPACES)],
    )
    db.session.execute(
        insert(CloudResource),
        [
            {
                "org_id": org_id,
                "provider": "aws" if n % 2 else "oci",
                "resource_id": f"arn:aws:ec2:eu-west-1:1:i-{n:08x}",
                "resource_type": "instance",
                "name": f"host-{n}",
                "region": "eu-west-1",
            }
            for n in range(RESOURCES)
        ],
    )
    enabled = db.session.scalars(select(Service.id).filter_by(org_id=org_id, enabled=True)).all()
    namespaces = db.session.scalars(select(Namespace.id).filter_by(org_id=org_id)).all()
    resources = db.session.scalars(select(CloudResource.id).filter_by(org_id=org_id)).all()
    db.session.execute(
        insert(NamespaceRoute),
        [{"org_id": org_id, "namespace_id": n, "service_id": random.choice(enabled)} for n in namespaces[::2]],
    )
    db.session.execute(
        insert(ResourceRoute),
        [{"org_id": org_id, "cloud_resource_id": r, "service_id": random.choice(enabled)} for r in resources[::2]],
    )
    db.session.commit()
    return clusters


def time_sync():
    """Seconds for Sync Services of SERVICES services from the sandbox (every page, upserted)."""
    sandbox, url = sandbox_process()
    import requests

    requests.post(
        url + "/_sandbox/seed",
        json={
            "accounts": [
                {
                    "api_token": "bench-sync-token",
                    "services": [{"name": f"synced service {n:04d}"} for n in range(SERVICES)],
                }
            ]
        },
        timeout=60,
    ).raise_for_status()
    bench_env(url, name="pagerbridge_bench_sync")
    from webapp import create_app
    from webapp.connection.services import connect_api_token
    from webapp.orgs.services import create_org
    from webapp.routing.sync import run_sync

    with create_app().app_context():
        org = create_org("sync", "Sync")
        connect_api_token(org.id, "bench-sync-token")
        started = time.perf_counter()
        line = run_sync(org.id)
        elapsed = time.perf_counter() - started
    stop(sandbox)
    print(f"Sync Services: {line} in {elapsed:.1f} s")


def pages(cluster_id):
    """(label, path) of every tab, page and picker to time."""
    return [
        ("overview tab", "/settings/pagerduty/"),
        ("services tab", "/settings/routing/services"),
        ("services tab, page 20", "/settings/routing/services?page=20"),
        ("services search", "/settings/routing/services?q=service+17"),
        ("namespaces tab", "/settings/routing/namespaces"),
        ("namespaces tab, page 50", "/settings/routing/namespaces?page=50"),
        ("namespace picker (one cluster)", f"/settings/routing/namespaces/options?cluster_id={cluster_id}"),
        ("resources tab", "/settings/routing/resources"),
        ("resources tab, page 100", "/settings/routing/resources?page=100"),
        ("resource picker search", "/settings/routing/resources/search?q=i-0000"),
        ("routing preview", "/settings/routing/preview?kind=kubernetes&cluster=cluster-3&namespace=namespace-3"),
        ("alert rules tab", "/settings/alerts/"),
    ]


def time_page(client, path, count, htmx):
    """Server times (ms) of `count` requests for one page."""
    headers = {"HX-Request": "true"} if htmx else {}
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
    return timings


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    random.seed(3)
    time_sync()
    bench_env("http://127.0.0.1:9", name="pagerbridge_bench_pages")
    from webapp import create_app
    from webapp.extensions import db
    from webapp.orgs.services import create_org
    from webapp.users.services import create_user

    app = create_app()
    with app.app_context():
        org = create_org("big", "Big Org")
        admin = create_user(org.id, "admin@big.example", "admin", "a-long-password")
        started = time.perf_counter()
        clusters = seed(db, org.id)
        print(
            f"seeded {SERVICES} services, {NAMESPACES} namespaces, {RESOURCES} resources "
            f"in {time.perf_counter() - started:.1f} s"
        )
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
        session_id = admin.get_id()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = session_id, True
    print(f"\n{'page':<34} | {'full median':>11} | {'full p95':>8} | {'htmx median':>11} | {'htmx p95':>8}")
    for label, path in pages(clusters[3]):
        full, fragment = time_page(client, path, args.requests, False), time_page(client, path, args.requests, True)
        print(
            f"{label:<34} | {percentile(full, 0.5):8.1f} ms | {percentile(full, 0.95):5.1f} ms | "
            f"{percentile(fragment, 0.5):8.1f} ms | {percentile(fragment, 0.95):5.1f} ms"
        )


if __name__ == "__main__":
    main()
