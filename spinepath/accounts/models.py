"""Clinics, staff, API tokens and the append-only audit log."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import connections, models, router, transaction
from django.utils import timezone

from spinepath.accounts.chain import append, seal
from spinepath.clinical.decision import validate_ruleset
from spinepath.clinical.rules import RULES
from spinepath.clinical.ruleset import RuleSetConfig, RuleSetConfigError, config_with_overrides


@cache
def _ruleset(service_overrides: str, clinic_overrides: str) -> RuleSetConfig:
    service = config_with_overrides(json.loads(service_overrides))
    return config_with_overrides(json.loads(clinic_overrides), base=service)


def _key(overrides: Any) -> str:
    return json.dumps(overrides, sort_keys=True)


def service_ruleset() -> RuleSetConfig:
    """The core's defaults with the service-wide ``SPINEPATH_RULESET_OVERRIDES`` (checked at
    start-up); each clinic's rule set starts from it. For decisions about no particular clinic."""
    return _ruleset(_key(settings.SPINEPATH_RULESET_OVERRIDES), "{}")


class Clinic(models.Model):
    """A site that runs the service. Every patient belongs to exactly one clinic.

    Each clinic decides with its own rule set (``ruleset()``): the core's thresholds, the
    service's overrides, then the clinic's own ``ruleset_overrides``.
    """

    name = models.CharField(max_length=200, unique=True)
    code = models.SlugField(max_length=20, unique=True, help_text="Short code, e.g. 'A'.")
    phone = models.CharField(max_length=40, blank=True, help_text="Shown on patient leaflets.")
    out_of_hours_advice = models.TextField(
        blank=True,
        default="Out of hours, call NHS 111. In an emergency, call 999 or go to A&E.",
    )
    email = models.EmailField(blank=True)
    address = models.TextField(blank=True)
    ruleset_overrides = models.JSONField(
        "rule set overrides",
        default=dict,
        blank=True,
        help_text='Thresholds this clinic sets differently, e.g. {"version": "2026.12.1-a", '
        '"steroid_cumulative_limit_12m_mg": 320}. Give a version of its own whenever you change '
        "one, so every stored decision names the thresholds it used.",
    )

    governed_from = models.DateTimeField(
        "governed rule sets from",
        null=True,
        blank=True,
        editable=False,
        help_text="When the clinic's first approved rule-set version took effect (set on "
        "approval): before it, decisions use the overrides above.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def ruleset(self, at: datetime | None = None) -> RuleSetConfig:
        """The rule set this clinic's decisions and steroid checks are made with at ``at``
        (a workflow passes its own time; default: now).

        The service's settings are the base; on them the clinic's approved rule-set version in
        force at ``at`` (``RuleSetVersion``: the latest ``effective_at`` not after ``at``), or,
        before the first, the clinic's ``ruleset_overrides``. A clinic that has never approved a
        version costs no query. Overrides are validated by ``clean()`` and on approval; anything
        stored around them raises ``RuleSetConfigError`` here rather than being ignored, since
        each is a safety limit.
        """
        overrides: Any = self.ruleset_overrides or {}
        if self.governed_from is not None:
            at = at or timezone.now()
            in_force = RuleSetVersion.in_force(self, at) if at >= self.governed_from else None
            if in_force is not None:
                overrides = in_force.overrides
        return _ruleset(_key(settings.SPINEPATH_RULESET_OVERRIDES), _key(overrides))

    def settings_ruleset(self) -> RuleSetConfig:
        """The service's settings with this clinic's ``ruleset_overrides``: its rule set before
        its first approved version, and the start of its first proposal."""
        return _ruleset(
            _key(settings.SPINEPATH_RULESET_OVERRIDES), _key(self.ruleset_overrides or {})
        )

    def clean(self) -> None:
        overrides = self.ruleset_overrides
        if not overrides:
            return
        if not isinstance(overrides, dict):
            raise ValidationError({"ruleset_overrides": "Give the overrides as a JSON object."})
        problems: list[str] = []
        if "version" not in overrides:
            problems.append(
                "Give the clinic's rule set a version of its own, so stored decisions name it."
            )
        try:
            config = config_with_overrides(overrides, base=service_ruleset())
        except RuleSetConfigError as exc:
            problems.extend(exc.problems)
        else:
            problems.extend(validate_ruleset(RULES, config))
        if problems:
            raise ValidationError({"ruleset_overrides": problems})


class Role(models.TextChoices):
    CLINICIAN = "clinician", "Clinician"
    PHYSIOTHERAPIST = "physiotherapist", "Physiotherapist"
    ADMIN = "admin", "Clinic administrator"
    ANALYST = "analyst", "Analyst"


# Roles that may see identifiable patient records. Analysts see pseudonymised analytics only.
PATIENT_ROLES = frozenset({Role.CLINICIAN, Role.PHYSIOTHERAPIST, Role.ADMIN})


class User(AbstractUser):
    """A member of staff. One role each; the clinic scopes every patient they may see."""

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.CLINICIAN)
    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    professional_registration = models.CharField(
        max_length=40, blank=True, help_text="GMC/HCPC/NMC number, shown on clinical records."
    )
    is_clinical_lead = models.BooleanField(
        "clinical lead",
        default=False,
        help_text="A clinician who may propose new versions of the clinic's rule set (set by "
        "the clinic administrator).",
    )

    objects = UserManager()

    @property
    def may_see_patients(self) -> bool:
        return self.is_active and self.clinic_id is not None and self.role in PATIENT_ROLES

    @property
    def is_clinician(self) -> bool:
        return self.role == Role.CLINICIAN

    @property
    def is_clinic_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class RuleSetVersion(models.Model):
    """One version of a clinic's rule set: proposed by its clinical lead, approved (or rejected)
    by a second clinician of the clinic, in force from its effective date.

    ``overrides`` is the clinic's layer over the service's rule set (settings), in the form
    ``clinical.ruleset.config_with_overrides`` takes, so the settings stay the base layer. What
    may change and what a change would do are the core's policy (``clinical/governance.py``);
    the workflows are ``accounts/rulesets.py``. Decisions keep the name and version they were
    made under; ``version`` is unique in the clinic, so each names exactly one of these.
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="ruleset_versions")
    number = models.PositiveIntegerField(help_text="1, 2, 3… within the clinic.")
    name = models.CharField(max_length=100)
    version = models.CharField(max_length=40, help_text="What decisions made under it store.")
    overrides = models.JSONField(help_text="The clinic's settings over the service's rule set.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    effective_on = models.DateField(help_text="The day it is to take effect.")
    effective_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When it took (or takes) effect: the start of the effective day, or the "
        "approval if that was later. Set on approval.",
    )
    reason = models.TextField(help_text="Why the change is proposed.")
    proposed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(
        blank=True, help_text="The approver's note, or why it was rejected."
    )

    class Meta:
        ordering = ["clinic", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "number"], name="ruleset_version_number_once_per_clinic"
            ),
            models.UniqueConstraint(
                fields=["clinic", "version"], name="ruleset_version_once_per_clinic"
            ),
            models.UniqueConstraint(
                fields=["clinic"],
                condition=models.Q(status="proposed"),
                name="ruleset_one_open_proposal_per_clinic",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="approved")
                | models.Q(effective_at__isnull=False, decided_by__isnull=False),
                name="ruleset_approved_has_approver_and_effective_time",
            ),
            models.CheckConstraint(
                condition=~models.Q(decided_by=models.F("proposed_by"))
                | ~models.Q(status="approved"),
                name="ruleset_approver_is_not_the_proposer",
            ),
        ]
        indexes = [models.Index(fields=["clinic", "status", "-effective_at"])]

    def __str__(self) -> str:
        return f"{self.clinic} rule set {self.version} ({self.get_status_display().lower()})"

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}"

    @classmethod
    def in_force(cls, clinic: Clinic, at: datetime) -> RuleSetVersion | None:
        """The clinic's approved version in force at ``at``; ``None`` before the first."""
        return (
            cls.objects.filter(clinic=clinic, status=cls.Status.APPROVED, effective_at__lte=at)
            .order_by("-effective_at", "-number")
            .first()
        )

    def config(self) -> RuleSetConfig:
        """This version's rule set, on the service's current settings."""
        return _ruleset(_key(settings.SPINEPATH_RULESET_OVERRIDES), _key(self.overrides))


class ApiTokenManager(models.Manager["ApiToken"]):
    def issue(
        self,
        user: User,
        name: str = "",
        *,
        days: int | None = None,
        at: datetime | None = None,
    ) -> tuple[ApiToken, str]:
        """Create a token and return it with its secret, which is never stored or shown again.

        It works for ``days`` (default ``SPINEPATH_API_TOKEN_DAYS``, 90): a token copied into a
        script outlives the reason it was made, so each one must be renewed on purpose."""
        from django.conf import settings

        at = at or timezone.now()
        days = settings.SPINEPATH_API_TOKEN_DAYS if days is None else days
        if not 1 <= days <= 366:
            raise ValueError("A token works for 1 to 366 days.")
        secret = "sp_" + secrets.token_urlsafe(32)
        token = self.create(
            user=user,
            name=name,
            key_hash=hash_token(secret),
            prefix=secret[:8],
            created_at=at,
            expires_at=at + timedelta(days=days),
        )
        return token, secret

    def authenticate(self, secret: str, *, at: datetime | None = None) -> User | None:
        """The token's user (their clinic loaded with them), or ``None``; notes when the token
        was used, to the minute.

        Writing ``last_used_at`` on every request made one hot row for every request with that
        token (each API call waited for the one before to commit). A minute's resolution is all
        "when was this token last used?" needs, so it is written at most once a minute; the
        condition is in the UPDATE too, so concurrent requests do not all write.
        """
        at = at or timezone.now()
        found = _TOKEN_LOOKUP.find(hash_token(secret), at)
        if found is None:
            return None
        token_pk, last_used_at, user = found
        stale = at - LAST_USED_RESOLUTION
        if last_used_at is None or last_used_at <= stale:
            ApiToken.objects.filter(
                models.Q(last_used_at__isnull=True) | models.Q(last_used_at__lte=stale),
                pk=token_pk,
            ).update(last_used_at=at)
        return user


class _TokenLookup:
    """Every API request's first query, written once: an active token's id and ``last_used_at``,
    its user and the user's clinic, in one statement.

    It asks what ``ApiToken.objects.select_related("user__clinic").filter(key_hash=…,
    revoked_at__isnull=True, user__is_active=True).first()`` asks, but the ORM compiles that
    join afresh on every request, which cost more than the rest of a decision-support call.
    The SQL is built from the models' own table and column names when first used on a
    connection, and each column is read through the same converters the ORM applies, so the
    objects are the ones the ORM would make (a test compares them field by field).
    """

    def __init__(self) -> None:
        self._compiled: dict[str, tuple[str, list[tuple[Any, list[Any]]]]] = {}

    def _compile(self, connection: Any) -> tuple[str, list[tuple[Any, list[Any]]]]:
        quote = connection.ops.quote_name
        token_fields = [ApiToken._meta.pk, ApiToken._meta.get_field("last_used_at")]
        tables = [
            ("t", ApiToken, token_fields),
            ("u", User, list(User._meta.concrete_fields)),
            ("c", Clinic, list(Clinic._meta.concrete_fields)),
        ]
        columns: list[str] = []
        readers: list[tuple[Any, list[Any]]] = []
        for alias, _model, fields in tables:
            for field in fields:
                col = field.get_col(alias)
                columns.append(f"{quote(alias)}.{quote(field.column)}")
                converters = connection.ops.get_db_converters(col) + col.get_db_converters(
                    connection
                )
                readers.append((col, converters))
        column = {
            name: quote(ApiToken._meta.get_field(name).column)
            for name in ("key_hash", "revoked_at", "expires_at", "user")
        }
        sql = (
            # SQL names from the models, quoted (bandit B608).
            f"SELECT {', '.join(columns)} FROM {quote(ApiToken._meta.db_table)} {quote('t')} "  # nosec B608
            f"INNER JOIN {quote(User._meta.db_table)} {quote('u')} "
            f"ON ({quote('t')}.{column['user']} = {quote('u')}.{quote(User._meta.pk.column)}) "
            f"LEFT OUTER JOIN {quote(Clinic._meta.db_table)} {quote('c')} "
            f"ON ({quote('u')}.{quote(User._meta.get_field('clinic').column)} = "
            f"{quote('c')}.{quote(Clinic._meta.pk.column)}) "
            f"WHERE {quote('t')}.{column['key_hash']} = %s "
            f"AND {quote('t')}.{column['revoked_at']} IS NULL "
            f"AND {quote('t')}.{column['expires_at']} > %s "
            f"AND {quote('u')}.{quote(User._meta.get_field('is_active').column)} = %s "
            "LIMIT 1"
        )
        return sql, readers

    def find(self, key_hash: str, at: datetime) -> tuple[int, datetime | None, User] | None:
        from django.db import connections

        connection = connections[ApiToken.objects.db]
        compiled = self._compiled.get(connection.vendor)
        if compiled is None:
            compiled = self._compiled[connection.vendor] = self._compile(connection)
        sql, readers = compiled
        with connection.cursor() as cursor:
            cursor.execute(sql, [key_hash, connection.ops.adapt_datetimefield_value(at), True])
            row = cursor.fetchone()
        if row is None:
            return None
        values = []
        for (col, converters), value in zip(readers, row, strict=True):
            for converter in converters:
                value = converter(value, col, connection)
            values.append(value)
        n_user = len(User._meta.concrete_fields)
        token_pk, last_used_at = values[0], values[1]
        user = User.from_db(connection.alias, _attnames(User), values[2 : 2 + n_user])
        clinic_values = values[2 + n_user :]
        clinic = (
            None
            if user.clinic_id is None
            else Clinic.from_db(connection.alias, None, clinic_values)
        )
        User._meta.get_field("clinic").set_cached_value(user, clinic)
        return token_pk, last_used_at, user


def _attnames(model: type[models.Model]) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


_TOKEN_LOOKUP = _TokenLookup()


LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_token(secret: str) -> str:
    # Tokens carry 256 bits of randomness, so an unsalted fast hash is enough to make a stolen
    # database useless without slowing every API request with a password hash.
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=8, help_text="First characters, to recognise a token.")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(help_text="The token is refused from this moment.")
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenManager()

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    def revoke(self) -> None:
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove an audit record."""


class AuditQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("Audit records cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit records cannot be deleted.")

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise AppendOnlyError("Audit records cannot be changed.")

    def bulk_create(
        self, objs: Iterable[AuditEvent], *args: Any, **kwargs: Any
    ) -> list[AuditEvent]:
        """Chain the new events in order under the chain's lock, then write them (``chain.py``)."""
        events = list(objs)
        if connections[self.db].vendor == "postgresql":  # lock, head, hashes, rows: one call
            append(events, self.db)
            return events
        # savepoint=False: inside a workflow's transaction, no SAVEPOINT round trips; a failure
        # here fails that transaction, as a lost audit event must.
        with transaction.atomic(using=self.db, savepoint=False):
            seal(events, self.db)
            return super().bulk_create(events, *args, **kwargs)

    def for_clinic(self, clinic: Clinic) -> AuditQuerySet:
        return self.filter(clinic=clinic)


class AuditEvent(models.Model):
    """Who did what to which patient record, when, from where and why. Never changed."""

    class Action(models.TextChoices):
        CREATE = "create", "Create"
        READ = "read", "Read"
        UPDATE = "update", "Update"
        DELETE = "delete", "Delete"
        LIST = "list", "List / search"
        OVERRIDE = "override", "Override"
        EXPORT = "export", "Export"
        DENIED = "denied", "Access denied"

    class Channel(models.TextChoices):
        UI = "ui", "Web"
        API = "api", "API"
        SYSTEM = "system", "System"
        PATIENT = "patient", "Patient link"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    username = models.CharField(
        max_length=150, blank=True, help_text="Kept if the user is renamed."
    )
    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.UI)
    model = models.CharField(max_length=60, help_text="app_label.ModelName")
    object_id = models.CharField(max_length=64, blank=True)
    patient_id = models.CharField(max_length=64, blank=True, db_index=True)
    changed_fields = models.JSONField(default=list, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    reason = models.TextField(blank=True)
    detail = models.JSONField(default=dict, blank=True)
    # The hash chain (chain.py): set by the one writer when the event is written, never by hand.
    seq = models.BigIntegerField(unique=True, editable=False, help_text="Place in the chain.")
    written_at = models.DateTimeField(editable=False, help_text="When it was written.")
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        # The audit page: a clinic's events newest first, or one patient's within the clinic.
        indexes = [
            models.Index(fields=["clinic", "-at"]),
            models.Index(fields=["clinic", "patient_id", "-at"]),
        ]

    def __str__(self) -> str:
        return (
            f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.model} {self.object_id}"
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("Audit records cannot be changed.")
        using = kwargs.get("using") or router.db_for_write(AuditEvent, instance=self)
        if connections[using].vendor == "postgresql":  # one statement, as bulk_create
            append([self], using)
            return
        with transaction.atomic(using=using, savepoint=False):  # as bulk_create, above
            seal([self], using)
            super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit records cannot be deleted.")


class SubmissionClaim(models.Model):
    """One submission, claimed once: a form's submission token or an API ``Idempotency-Key``.

    ``accounts.idempotency`` inserts the claim in the same transaction as the request's own
    writes, so the claim and the record it made commit together or not at all. A second request
    with the same key waits on the unique constraint (PostgreSQL) or the database's write lock
    (SQLite), then finds the first one's claim and answers with what the first one answered: the
    same redirect for a page, the same status and JSON for the API. Claims are kept for
    ``SPINEPATH_SUBMISSION_CLAIM_HOURS`` and then deleted (``purge_submission_claims``).
    """

    FORM = "form"
    API = "api"
    KINDS = [(FORM, "form submission token"), (API, "API Idempotency-Key")]

    kind = models.CharField(max_length=4, choices=KINDS)
    # Who submitted ("u:<user id>", "s:<session key>" or "t:<hash of the bearer token>") and the
    # key (hashed with the path for forms): the same key from someone else is another claim.
    scope = models.CharField(max_length=80)
    key = models.CharField(max_length=64)
    # SHA-256 of the method, path and body: an API key reused for another request is refused.
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    location = models.CharField(max_length=2000, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="submission_claim_once_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.kind} claim {self.pk}"
