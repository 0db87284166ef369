"""FHIR R5 doors: a client's or an episode's record as a Bundle, the project's CodeSystems
and Questionnaires, and referrals posted as a Bundle.

Bundles of client data go to the client's therapist and practice managers only; employers
and company doctors get 403 from the role guard. A posted referral is answered with a
``transaction-response`` Bundle (201) or an OperationOutcome naming each problem (4xx).
"""

from datetime import UTC, datetime
from typing import Any

from fhir.resources.bundle import Bundle
from litestar import Request, Response, Router, get, post
from litestar.exceptions import HTTPException
from litestar.params import FromPath, FromQuery
from litestar.status_codes import (
    HTTP_201_CREATED,
    HTTP_404_NOT_FOUND,
    HTTP_413_REQUEST_ENTITY_TOO_LARGE,
)

from practice.access_policy import Need
from practice.accounts import Role
from practice.platform.clock import today_in
from practice.platform.settings import Settings
from practice.request_limits import MAX_JSON_DEPTH
from practice.web.auth import PUBLIC, roles
from practice.web.limits import NestedTooDeeply
from practice.web.portal import actor_of
from reporting.fhir import codes as fhir_codes
from reporting.fhir import export as fhir_export
from reporting.fhir import referral_import as fhir_import
from reporting.fhir import referral_parse
from reporting.fhir.referral_parse import BundleRejected, Issue, operation_outcome

FHIR_JSON = "application/fhir+json"
READERS = roles(Role.THERAPIST, Role.PRACTICE_MANAGER, need=Need.OVERVIEW_READ)
IMPORTERS = roles(Role.COMPANY_DOCTOR, Role.PRACTICE_MANAGER)


def _settings(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _fhir(content: dict[str, Any], status: int = 200, **headers: str) -> Response[Any]:
    return Response(content=content, status_code=status, media_type=FHIR_JSON, headers=headers)


def _outcome(status: int, issues: list[Issue]) -> Response[Any]:
    return _fhir(operation_outcome(issues), status)


@get("/api/fhir/clients/{client_id:int}", opt=READERS)
async def client_bundle(request: Request[Any, Any, Any], client_id: FromPath[int]) -> Response[Any]:
    """The client's record as a FHIR R5 Bundle (collection); audited as an export."""
    settings = _settings(request)
    bundle = await fhir_export.export_client(
        actor_of(request), client_id, base_url=settings.base_url, tz=settings.time_zone
    )
    return _fhir(bundle)


@get("/api/fhir/episodes/{episode_id:int}", opt=READERS)
async def episode_bundle(
    request: Request[Any, Any, Any], episode_id: FromPath[int]
) -> Response[Any]:
    """One episode of a client as a FHIR R5 Bundle (collection); audited as an export."""
    settings = _settings(request)
    bundle = await fhir_export.export_episode(
        actor_of(request), episode_id, base_url=settings.base_url, tz=settings.time_zone
    )
    return _fhir(bundle)


@get("/fhir/CodeSystem/{name:str}", opt=PUBLIC)
async def code_system(request: Request[Any, Any, Any], name: FromPath[str]) -> Response[Any]:
    """One of the project's CodeSystems; its URL here is its canonical URL."""
    if name not in fhir_codes.CODE_SYSTEMS:
        return _outcome(HTTP_404_NOT_FOUND, [Issue("not-found", "no such CodeSystem")])
    resource = fhir_codes.code_system(_settings(request).base_url, name)
    return _fhir(resource.model_dump(mode="json"))


@get("/fhir/Questionnaire/{name:str}", opt=PUBLIC)
async def questionnaire(request: Request[Any, Any, Any], name: FromPath[str]) -> Response[Any]:
    """A built-in questionnaire (phq-9, gad-7), the canonical of exported responses."""
    try:
        resource = fhir_export.questionnaire_resource(_settings(request).base_url, name)
    except KeyError:
        return _outcome(HTTP_404_NOT_FOUND, [Issue("not-found", "no such Questionnaire")])
    return _fhir(resource.model_dump(mode="json"))


def _created(settings: Settings, result: fhir_import.ImportResult) -> dict[str, Any]:
    """What was created, each with the fullUrl it will have in every later export."""
    created = [
        ("Patient", f"client-{result.client_id}"),
        ("ServiceRequest", f"referral-{result.referral_id}"),
        ("EpisodeOfCare", f"episode-{result.episode_id}"),
    ]
    response = {
        "resourceType": "Bundle",
        "type": "transaction-response",
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "entry": [
            {
                "fullUrl": fhir_export.full_url(settings.base_url, kind, resource_id),
                "response": {"status": "201 Created", "location": f"{kind}/{resource_id}"},
            }
            for kind, resource_id in created
        ],
    }
    return Bundle.model_validate(response).model_dump(mode="json")


# The app refuses a body that is too large or nested too deeply before the handler runs
# (``practice.web.limits``); a FHIR client still gets an OperationOutcome for it.
def _too_large(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    too_large = f"the bundle is larger than {referral_parse.MAX_BYTES} bytes"
    return _outcome(HTTP_413_REQUEST_ENTITY_TOO_LARGE, [Issue("too-long", too_large)])


def _too_deep(request: Request[Any, Any, Any], exc: NestedTooDeeply) -> Response[Any]:
    too_deep = f"the bundle is nested more than {MAX_JSON_DEPTH} levels deep"
    return _outcome(exc.status_code, [Issue("structure", too_deep)])


@post(
    "/api/fhir/referrals",
    opt=IMPORTERS,
    status_code=HTTP_201_CREATED,
    exception_handlers={
        HTTP_413_REQUEST_ENTITY_TOO_LARGE: _too_large,
        NestedTooDeeply: _too_deep,
    },
)
async def import_referral(
    request: Request[Any, Any, Any], therapist_user_id: FromQuery[int | None] = None
) -> Response[Any]:
    """A referral as a FHIR R5 Bundle (ServiceRequest + Patient + employer Organization),
    as application/fhir+json or application/json, at most 1 MB. It becomes a client and a
    referral (the screening clock starts), or an OperationOutcome names each problem.

    The therapist is ``therapist_user_id`` when given, otherwise the registered therapist
    with the most free capacity who has no tie to the employer.
    """
    settings = _settings(request)
    raw = await request.body()  # read and checked by the app already (see _too_large)
    try:
        parsed = referral_parse.parse_referral_bundle(
            raw,
            request.headers.get("content-type"),
            base_url=settings.base_url,
            now=datetime.now(UTC),
            tz=settings.time_zone,
        )
        result = await fhir_import.import_referral(
            actor_of(request),
            parsed,
            today=today_in(settings.time_zone),
            therapist_user_id=therapist_user_id,
        )
    except BundleRejected as exc:
        return _outcome(exc.status, list(exc.issues))
    return _fhir(
        _created(settings, result),
        HTTP_201_CREATED,
        Location=f"/api/fhir/episodes/{result.episode_id}",
    )


router = Router(
    path="/",
    route_handlers=[client_bundle, episode_bundle, code_system, questionnaire, import_referral],
)
