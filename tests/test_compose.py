"""The container stack (docker-compose.yml, Dockerfile) says what docs/architecture.md says.

Plain parsing tests: no database, no Docker engine. Run on their own with
`.venv/bin/python -m pytest tests/test_compose.py -p no:django -q`.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
APP_SERVICES = ("web", "worker", "beat")


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose):
    return compose["services"]


def _command(service) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def _healthcheck(service) -> str:
    test = service["healthcheck"]["test"]
    return " ".join(test) if isinstance(test, list) else test


def _environment(service) -> dict:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def _depends_on(service) -> dict:
    deps = service.get("depends_on", {})
    if isinstance(deps, list):
        return {name: {"condition": "service_started"} for name in deps}
    return deps


def test_expected_services_and_volumes(compose, services):
    expected = {"postgres", "pgbouncer", "redis", "redis-broker"} | set(APP_SERVICES)
    assert expected <= set(services)
    assert {"postgres_data", "redis_data", "redis_broker_data"} <= set(compose["volumes"])


def test_postgres(services):
    postgres = services["postgres"]
    # postgres:15 plus pgBackRest (archive_command runs in the database container).
    assert postgres["build"]["dockerfile"] == "ops/postgres/Dockerfile"
    assert "FROM postgres:15" in (ROOT / "ops" / "postgres" / "Dockerfile").read_text()
    env = _environment(postgres)
    assert env["POSTGRES_DB"] == "mastertrade"
    assert env["POSTGRES_USER"] == "mastertrade"
    assert "--auth-host=scram-sha-256" in env["POSTGRES_INITDB_ARGS"]
    assert "postgres_data:/var/lib/postgresql/data" in postgres["volumes"]
    assert "pg_isready" in _healthcheck(postgres)
    assert postgres["healthcheck"]["interval"] == "10s"


def test_postgres_has_a_synchronous_standby(compose, services):
    """docs/operations/standby.md: the primary waits for `standby`, which postgres-standby is."""
    assert "synchronous_standby_names=standby" in services["postgres"]["command"]
    assert "REPLICATION_PASSWORD" in _environment(services["postgres"])
    standby = services["postgres-standby"]
    assert standby["image"] == services["postgres"]["image"]
    assert standby["entrypoint"] == ["/usr/local/bin/mastertrade-standby"]
    assert _environment(standby)["PRIMARY_HOST"] == "postgres"
    assert "postgres_standby_data:/var/lib/postgresql/data" in standby["volumes"]
    assert "postgres_standby_data" in compose["volumes"]
    assert _depends_on(standby)["postgres"]["condition"] == "service_healthy"
    assert "pg_isready" in _healthcheck(standby)
    script = (ROOT / "ops" / "postgres" / "standby.sh").read_text()
    assert "pg_basebackup" in script and "application_name=standby" in script
    init = (ROOT / "ops" / "postgres" / "initdb" / "10-standby.sh").read_text()
    assert "REPLICATION LOGIN" in init and "pg_stat_file" in init and "pg_logical_emit_message" in init
    dockerfile = (ROOT / "ops" / "postgres" / "Dockerfile").read_text()
    assert "/docker-entrypoint-initdb.d/" in dockerfile and "/usr/local/bin/mastertrade-standby" in dockerfile


def test_pgbouncer_pools_in_transaction_mode(services):
    pgbouncer = services["pgbouncer"]
    assert pgbouncer["image"].startswith("edoburu/pgbouncer")
    env = _environment(pgbouncer)
    assert env["POOL_MODE"] == "transaction"
    assert env["MAX_CLIENT_CONN"] == "100"
    assert env["DEFAULT_POOL_SIZE"] == "20"
    assert env["MIN_POOL_SIZE"] == "5"
    assert env["RESERVE_POOL_SIZE"] == "5"
    assert env["MAX_DB_CONNECTIONS"] == "50"
    assert env["AUTH_TYPE"] == "scram-sha-256"
    assert env["LISTEN_PORT"] == "6432"
    assert env["DB_HOST"] == "postgres"
    assert "6432:6432" in [str(port) for port in pgbouncer["ports"]]


def test_pgbouncer_waits_for_healthy_postgres_and_has_a_healthcheck(services):
    pgbouncer = services["pgbouncer"]
    assert _depends_on(pgbouncer)["postgres"]["condition"] == "service_healthy"
    assert "6432" in _healthcheck(pgbouncer)


def test_redis_cache_is_bounded_lru(services):
    redis = services["redis"]
    assert redis["image"] == "redis:7-alpine"
    assert "6379:6379" in [str(port) for port in redis["ports"]]
    assert "redis_data:/data" in redis["volumes"]
    command = _command(redis)
    assert "--maxmemory 2gb" in command
    assert "allkeys-lru" in command
    assert "--appendonly yes" in command
    healthcheck = _healthcheck(redis)
    assert "redis-cli" in healthcheck
    assert "ping" in healthcheck
    assert redis["healthcheck"]["interval"] == "10s"


def test_broker_is_a_separate_redis_that_never_evicts(services):
    broker = services["redis-broker"]
    assert broker["image"].startswith("redis:7")
    command = _command(broker)
    assert "noeviction" in command
    assert "allkeys-lru" not in command
    assert "--appendonly yes" in command
    assert "redis_broker_data:/data" in broker["volumes"]
    healthcheck = _healthcheck(broker)
    assert "redis-cli" in healthcheck
    assert "ping" in healthcheck


def test_compose_file_explains_the_two_redis_instances():
    text = COMPOSE_FILE.read_text().lower()
    assert "evict" in text
    assert "broker" in text


def test_app_services_are_built_from_the_dockerfile(services):
    assert DOCKERFILE.is_file()
    for name in APP_SERVICES:
        service = services[name]
        build = service.get("build")
        context = build.get("context") if isinstance(build, dict) else build
        assert context in (".", "./"), f"{name}: build from the project Dockerfile"


def test_app_services_use_pgbouncer_and_the_two_redis(services):
    for name in APP_SERVICES:
        env = _environment(services[name])
        assert env["DJANGO_SETTINGS_MODULE"] == "mastertrade.settings.production"
        assert env["DB_HOST"] == "pgbouncer"
        assert env["DB_PORT"] == "6432"
        assert env["REDIS_CACHE_URL"].startswith("redis://redis:")
        assert env["CELERY_BROKER_URL"].startswith("redis://redis-broker:")
        assert "DJANGO_SECRET_KEY" in env
        deps = _depends_on(services[name])
        assert deps["pgbouncer"]["condition"] == "service_healthy"
        assert deps["redis-broker"]["condition"] == "service_healthy"
        assert "redis" in deps


def test_app_service_commands(services):
    web = _command(services["web"])
    assert "migrate --no-input" in web
    assert "gunicorn mastertrade.wsgi:application" in web
    assert "0.0.0.0:8000" in web
    assert "8000:8000" in [str(port) for port in services["web"]["ports"]]
    assert "celery -A mastertrade worker" in _command(services["worker"])
    assert "celery -A mastertrade beat" in _command(services["beat"])


def test_dockerfile_basics():
    text = DOCKERFILE.read_text()
    assert "FROM python:3.11-slim" in text
    assert "requirements.txt" in text
    assert "collectstatic" in text
    assert "mastertrade.settings.production" in text
    assert "\nUSER " in text
    assert "mastertrade.wsgi:application" in text
    assert (ROOT / ".dockerignore").is_file()


def _compose_command() -> list[str] | None:
    """`docker compose` (the plugin) or, failing that, the standalone `docker-compose`."""
    for command in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(command[0]) is None:
            continue
        try:
            result = subprocess.run([*command, "version"], check=False, capture_output=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if result.returncode == 0:
            return command
    return None


def test_docker_compose_config_is_valid():
    command = _compose_command()
    if command is None:
        pytest.skip("neither the docker compose plugin nor docker-compose is installed")
    result = subprocess.run(
        [*command, "-f", str(COMPOSE_FILE), "config", "-q"],
        check=False,
        cwd=ROOT,
        env={**os.environ, "DJANGO_SECRET_KEY": "x"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_prometheus_and_grafana_are_provisioned_from_the_repo(compose, services):
    prometheus, grafana = services["prometheus"], services["grafana"]
    assert prometheus["image"].startswith("prom/prometheus:v2.")
    assert "9090:9090" in [str(port) for port in prometheus["ports"]]
    assert "./ops/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro" in prometheus["volumes"]
    assert grafana["image"].startswith("grafana/grafana:")
    assert "3000:3000" in [str(port) for port in grafana["ports"]]
    assert "./ops/grafana/provisioning:/etc/grafana/provisioning:ro" in grafana["volumes"]
    assert "./ops/grafana/dashboards:/var/lib/grafana/dashboards:ro" in grafana["volumes"]
    for service in (prometheus, grafana):
        for volume in service["volumes"]:
            source = volume.split(":")[0]
            assert (ROOT / source).exists() if source.startswith("./") else source in compose["volumes"]


def test_prometheus_can_scrape_the_web_and_the_worker(services):
    prometheus = yaml.safe_load((ROOT / "ops" / "prometheus" / "prometheus.yml").read_text())
    targets = {target for job in prometheus["scrape_configs"] for s in job["static_configs"] for target in s["targets"]}
    web_env, worker_env = _environment(services["web"]), _environment(services["worker"])
    # Containers are not loopback: the scraper's network is allowed, and `web` is a valid Host.
    assert web_env["METRICS_ALLOWED_NETWORKS"]
    assert "web" in web_env["DJANGO_ALLOWED_HOSTS"]
    assert "web:8000" in targets
    assert "-c gunicorn.conf.py" in _command(services["web"])
    assert f"worker:{worker_env['CELERY_METRICS_PORT']}" in targets
    assert worker_env["CELERY_METRICS_PORT"] in [str(port) for port in services["worker"]["expose"]]
    assert worker_env["PROMETHEUS_MULTIPROC_DIR"]


def test_postgres_archives_wal_to_the_pgbackrest_repository(compose, services):
    postgres, backup = services["postgres"], services["backup"]
    dockerfile = (ROOT / "ops" / "postgres" / "Dockerfile").read_text()
    assert "pgbackrest" in dockerfile and "ops/pgbackrest/pgbackrest.conf" in dockerfile
    command = _command(postgres)
    assert "archive_mode=on" in command
    assert "archive_command=pgbackrest --stanza=mastertrade archive-push %p" in command
    # The repository volume in the DB container (archive-push) and in the backup service.
    for service in (postgres, backup):
        assert "pgbackrest_repo:/var/lib/pgbackrest" in service["volumes"]
        assert "postgres_socket:/var/run/postgresql" in service["volumes"]
    assert "postgres_data:/var/lib/postgresql/data" in backup["volumes"]
    assert {"pgbackrest_repo", "postgres_socket", "backup_status"} <= set(compose["volumes"])
    conf = (ROOT / "ops" / "pgbackrest" / "pgbackrest.conf").read_text()
    assert "repo1-path=/var/lib/pgbackrest" in conf and "pg1-socket-path=/var/run/postgresql" in conf
    assert "6432" not in conf and "pg1-host" not in conf  # the local socket, never PgBouncer


def test_backup_service_schedules_backups_and_the_web_reads_their_status(services):
    backup = services["backup"]
    assert backup["image"] == services["postgres"]["image"]
    assert "mastertrade-backup schedule" in _command(backup)
    env = _environment(backup)
    assert {"BACKUP_FULL_TIME", "BACKUP_INCR_MINUTE", "BACKUP_RETENTION_FULL"} <= set(env)
    assert _depends_on(backup)["postgres"]["condition"] == "service_healthy"
    for name in APP_SERVICES:
        assert _environment(services[name])["BACKUP_SCHEDULE_ENABLED"] == "false"
    assert "backup_status:/var/lib/mastertrade-backup-status:ro" in services["web"]["volumes"]
    assert _environment(services["web"])["BACKUP_STATUS_DIR"] == "/var/lib/mastertrade-backup-status"


def test_alertmanager_and_exporters(compose, services):
    prometheus_config = yaml.safe_load((ROOT / "ops" / "prometheus" / "prometheus.yml").read_text())
    assert prometheus_config["rule_files"] == ["alerts.yml"]
    assert "./ops/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro" in services["prometheus"]["volumes"]
    targets = {t for job in prometheus_config["scrape_configs"] for s in job["static_configs"] for t in s["targets"]}
    assert {"pgbouncer-exporter:9127", "redis-broker-exporter:9121"} <= targets
    alertmanagers = prometheus_config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"]
    assert alertmanagers == ["alertmanager:9093"]
    alertmanager = services["alertmanager"]
    assert alertmanager["image"].startswith("prom/alertmanager:")
    env = _environment(alertmanager)
    assert {"ALERT_EMAIL_TO", "ALERT_SMTP_SMARTHOST", "ALERT_WEBHOOK_URL", "ALERT_REPEAT_INTERVAL"} <= set(env)
    assert "./ops/alertmanager:/etc/alertmanager/src:ro" in alertmanager["volumes"]
    assert "pgbouncer:6432/pgbouncer" in _command(services["pgbouncer-exporter"])
    assert _environment(services["redis-broker-exporter"])["REDIS_ADDR"] == "redis://redis-broker:6379"
    assert "--maxmemory " in _command(services["redis-broker"])
    assert _environment(services["pgbouncer"])["ADMIN_USERS"] == "mastertrade"
