"""Typed settings. The only module that reads os.environ (design.md)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    database_url: str = ""
    instance_dir: Path = PROJECT_ROOT / "instance"
    processes_dir: Path = PROJECT_ROOT / "processes"
    forms_dir: Path = PROJECT_ROOT / "forms"
    # Further places to look for forms (tests keep their sample processes' forms apart from the company's).
    extra_forms_dirs: tuple[Path, ...] = ()
    secret_key: str = ""
    # werkzeug's strong default; the test suite uses a cheap method so hundreds of test users cost nothing.
    password_hash_method: str = "scrypt"
    # GASFLOW_TIME_TRAVEL=1 lets an administrator move the clock (demos, training, black-box tests).
    time_travel: bool = False
    # Run the APScheduler jobs inside the web process (the single-machine default of `make run`).
    run_scheduler: bool = False
    scheduler_tick_seconds: float = 0.5
    # Sandbox limits for diagram code (design.md, engine boundary; issue 13): worker time for all the scripts and
    # expressions of one engine step, address space of a script worker, how many workers run at once.
    script_timeout_seconds: float = 0.5
    script_memory_mb: int = 256
    script_workers: int = 4
    max_task_data_bytes: int = 1_000_000
    max_bpmn_bytes: int = 2_000_000
    session_minutes: int = 480
    # Behind TLS: session cookie marked Secure, and Strict-Transport-Security sent (issue 13, item 11).
    secure_cookies: bool = False
    # Reverse proxies in front of `gasflow serve` whose X-Forwarded-For names the client (sign-in throttling by address).
    proxy_hops: int = 0
    # Phone searches and unmasked record views per person (S21.4; issue 13, item 7).
    lookups_per_hour: int = 120
    lookups_per_day: int = 600
    # Backups (S21.3): weekly by the scheduler at this local (Asia/Shanghai) day and hour; the newest N are kept.
    backup_dir: Path | None = None  # default: <instance_dir>/backups
    backup_keep: int = 8
    backup_day_of_week: str = "sun"
    backup_hour: int = 2
    # The key(s) the history chain and the seals are keyed with (issue 13 §8, issue 15 §5): "id:hex[,id:hex...]", the
    # last one current. Empty: the keyring file <instance_dir>/history_keys (made on first use), never the database.
    history_key: str = ""
    # The daily whole-database seal, at this local (Asia/Shanghai) hour.
    seal_hour: int = 1
    # Notification outbox (platform/outbox.py, docs/outbox.md): which gateway delivers SMS — "log" writes each message
    # to <instance_dir>/outbox.log (the default for `make run`), "aliyun" sends through Alibaba Cloud SMS.
    sms_gateway: str = "log"
    aliyun_sms_endpoint: str = "dysmsapi.aliyuncs.com"
    aliyun_sms_protocol: str = "https"  # "http" only for a local stand-in (tests)
    aliyun_sms_access_key_id: str = ""
    aliyun_sms_access_key_secret: str = ""
    sms_sign_name: str = ""  # the approved signature (签名), e.g. 广元燃气
    # message kind -> approved template code (模板CODE), e.g. {"outage_planned": "SMS_123456789"}
    sms_templates: dict[str, str] = field(default_factory=dict)
    outbox_poll_seconds: float = 2.0
    outbox_batch: int = 200
    # A claimed message is the sender's for this long; the gateway call's own timeouts stay far below it.
    outbox_lease_seconds: float = 120.0
    outbox_backoff_seconds: float = 30.0  # the first retry waits this long, each further one twice as long (≤ 1 h)
    outbox_max_attempts: int = 8
    sms_connect_timeout_ms: int = 5000
    sms_read_timeout_ms: int = 10000
    # Observability (issue 18, docs/operations.md): /metrics answers a bearer GASFLOW_METRICS_TOKEN or an admin session;
    # with metrics_port set it is served on that port of this host instead (loopback only, no token) and not by the app.
    metrics_token: str = ""
    metrics_port: int = 0
    log_format: str = "json"  # "json": one JSON object a line (core/logs.py); "text": for a person at a terminal
    log_level: str = "INFO"
    # /readyz: a write must get through within this many seconds; a scheduler beats every heartbeat_seconds and is
    # silent (unready, alert) after heartbeat_stale_seconds.
    ready_deadline_seconds: float = 2.0
    heartbeat_seconds: float = 5.0
    heartbeat_stale_seconds: float = 30.0
    testing: bool = False
    extra: dict = field(default_factory=dict)

    def with_overrides(self, **overrides) -> Settings:
        known = {f.name for f in fields(self)}
        unknown = set(overrides) - known
        if unknown:
            raise TypeError(f"unknown settings: {sorted(unknown)}")
        return replace(self, **overrides)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def backups(self) -> Path:
        """Where backups and the customer archive's change log go (S21.3)."""
        return Path(self.backup_dir) if self.backup_dir else self.instance_dir / "backups"


def _instance_secret(instance_dir: Path) -> str:
    """A per-installation random key kept beside the database, so no secret lives in code."""
    path = instance_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _pairs(value: str | None) -> dict[str, str]:
    """``kind=CODE,kind2=CODE2`` (GASFLOW_SMS_TEMPLATES)."""
    pairs = (item.split("=", 1) for item in (value or "").split(",") if "=" in item)
    return {k.strip(): v.strip() for k, v in pairs if k.strip() and v.strip()}


def from_environ(environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    instance_dir = Path(env.get("GASFLOW_INSTANCE_DIR", PROJECT_ROOT / "instance"))
    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_dir / 'gasflow.db'}"
    return Settings(
        database_url=database_url,
        instance_dir=instance_dir,
        processes_dir=Path(env.get("GASFLOW_PROCESSES_DIR", PROJECT_ROOT / "processes")),
        forms_dir=Path(env.get("GASFLOW_FORMS_DIR", PROJECT_ROOT / "forms")),
        secret_key=env.get("GASFLOW_SECRET_KEY") or _instance_secret(instance_dir),
        time_travel=_bool(env.get("GASFLOW_TIME_TRAVEL")),
        run_scheduler=_bool(env.get("GASFLOW_RUN_SCHEDULER")),
        scheduler_tick_seconds=float(env.get("GASFLOW_SCHEDULER_TICK", "0.5")),
        script_timeout_seconds=float(env.get("GASFLOW_SCRIPT_TIMEOUT", "0.5")),
        script_memory_mb=int(env.get("GASFLOW_SCRIPT_MEMORY_MB", "256")),
        script_workers=int(env.get("GASFLOW_SCRIPT_WORKERS", "4")),
        max_task_data_bytes=int(env.get("GASFLOW_MAX_TASK_DATA_BYTES", "1000000")),
        session_minutes=int(env.get("GASFLOW_SESSION_MINUTES", "480")),
        secure_cookies=_bool(env.get("GASFLOW_SECURE_COOKIES")),
        proxy_hops=int(env.get("GASFLOW_PROXY_HOPS", "0")),
        lookups_per_hour=int(env.get("GASFLOW_LOOKUPS_PER_HOUR", "120")),
        lookups_per_day=int(env.get("GASFLOW_LOOKUPS_PER_DAY", "600")),
        backup_dir=Path(env["GASFLOW_BACKUP_DIR"]) if env.get("GASFLOW_BACKUP_DIR") else None,
        backup_keep=int(env.get("GASFLOW_BACKUP_KEEP", "8")),
        backup_day_of_week=env.get("GASFLOW_BACKUP_DAY", "sun"),
        backup_hour=int(env.get("GASFLOW_BACKUP_HOUR", "2")),
        history_key=env.get("GASFLOW_HISTORY_KEY", ""),
        seal_hour=int(env.get("GASFLOW_SEAL_HOUR", "1")),
        sms_gateway=env.get("GASFLOW_SMS_GATEWAY", "log"),
        aliyun_sms_endpoint=env.get("GASFLOW_ALIYUN_SMS_ENDPOINT", "dysmsapi.aliyuncs.com"),
        aliyun_sms_protocol=env.get("GASFLOW_ALIYUN_SMS_PROTOCOL", "https"),
        aliyun_sms_access_key_id=env.get("GASFLOW_ALIYUN_SMS_ACCESS_KEY_ID", ""),
        aliyun_sms_access_key_secret=env.get("GASFLOW_ALIYUN_SMS_ACCESS_KEY_SECRET", ""),
        sms_sign_name=env.get("GASFLOW_SMS_SIGN_NAME", ""),
        sms_templates=_pairs(env.get("GASFLOW_SMS_TEMPLATES")),
        outbox_poll_seconds=float(env.get("GASFLOW_OUTBOX_POLL", "2.0")),
        outbox_lease_seconds=float(env.get("GASFLOW_OUTBOX_LEASE", "120")),
        outbox_backoff_seconds=float(env.get("GASFLOW_OUTBOX_BACKOFF", "30")),
        outbox_max_attempts=int(env.get("GASFLOW_OUTBOX_MAX_ATTEMPTS", "8")),
        metrics_token=env.get("GASFLOW_METRICS_TOKEN", ""),
        metrics_port=int(env.get("GASFLOW_METRICS_PORT", "0")),
        log_format=env.get("GASFLOW_LOG_FORMAT", "json"),
        log_level=env.get("GASFLOW_LOG_LEVEL", "INFO").upper(),
        ready_deadline_seconds=float(env.get("GASFLOW_READY_DEADLINE", "2.0")),
        heartbeat_seconds=float(env.get("GASFLOW_HEARTBEAT_SECONDS", "5")),
        heartbeat_stale_seconds=float(env.get("GASFLOW_HEARTBEAT_STALE", "30")),
    )


def postgres_test_url(environ: dict[str, str] | None = None) -> str | None:
    """GASFLOW_TEST_POSTGRES names the server the suite must also run on (CI sets it)."""
    env = os.environ if environ is None else environ
    value = env.get("GASFLOW_TEST_POSTGRES", "").strip()
    if not value:
        return None
    if value in {"1", "true", "yes"}:
        return "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    return value
