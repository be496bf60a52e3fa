"""scripts/stack.sh's folders: PostgreSQL's folder does not depend on whether var/ exists yet,
the backup repository lies outside it, and `clean` keeps the backups unless told."""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STACK = str(ROOT / "scripts" / "stack.sh")


def stack(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([STACK, *args], env=env, capture_output=True, text=True, check=True)


def test_pg_root_is_the_same_before_and_after_var_exists(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("STACK_PG_ROOT", "BACKUP_REPO_PATH")}
    env["STACK_VAR"] = str(tmp_path / "var")
    before = stack("pg-root", env=env).stdout
    (tmp_path / "var" / "run").mkdir(parents=True)
    assert stack("pg-root", env=env).stdout == before
    repo = stack("backup-repo", env=env).stdout.strip()
    assert not (repo + "/").startswith(before.strip() + "/")  # the backups are not inside PostgreSQL's folder


def test_env_prints_exports_an_operator_can_eval(tmp_path):
    env = os.environ | {"DB_PORT": "16432", "DB_PASSWORD": "it's $ecret", "STACK_VAR": str(tmp_path)}
    exports = stack("env", env=env).stdout
    shown = subprocess.run(
        ["bash", "-c", f'{exports}\nprintf "%s|%s|%s" "$DB_PORT" "$DB_PASSWORD" "$BACKUP_REPO_PATH"'],
        env={"PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert shown.startswith("16432|it's $ecret|/")


def test_clean_keeps_the_backups_and_clean_backups_deletes_them(tmp_path):
    var, repo = tmp_path / "var", tmp_path / "var" / "backups"
    for folder in (var / "log", var / "redis-cache", repo / "backup" / "mastertrade", tmp_path / "pg" / "data"):
        folder.mkdir(parents=True)
    env = os.environ | {"STACK_VAR": str(var), "STACK_PG_ROOT": str(tmp_path / "pg"), "BACKUP_REPO_PATH": str(repo)}
    result = stack("clean", env=env)
    assert "the backups are kept in" in result.stderr
    assert (repo / "backup" / "mastertrade").is_dir()
    assert not (var / "log").exists() and not (var / "redis-cache").exists() and not (tmp_path / "pg").exists()
    stack("clean-backups", env=env)
    assert not repo.exists()
