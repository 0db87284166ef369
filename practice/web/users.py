"""The administrator's accounts pages: the list with a new account, and one account to edit,
deactivate or take back.

A deactivation ends every session of the account at once (``end_sessions_of``), and a login
with it is refused with a clear message (``practice.web.portal.login``). The seats the
account still holds are not moved silently: the account's page lists its live cases and
points to the handovers page, where a named successor takes each over (TNO C2).
"""

from typing import Annotated, Any

import msgspec
from litestar import Request, Router, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK

from practice.accounts import Role
from practice.errors import Conflict, InvalidInput, NotFound
from practice.queries import accounts as account_queries
from practice.services import accounts as account_services
from practice.web.auth import end_sessions_of, roles
from practice.web.episode_common import fields_of, request_context
from practice.web.forms import (
    FormData,
    FormState,
    form_struct,
    refusal_state,
    refusal_status,
)
from practice.web.portal import page

ADMINISTRATOR = roles(Role.ADMINISTRATOR)
Name = Annotated[str, msgspec.Meta(max_length=200)]
Email = Annotated[str, msgspec.Meta(max_length=254)]


class NewUserForm(msgspec.Struct, forbid_unknown_fields=True):
    """The new-account form: the JSON door's fields (``practice.web.portal.NewUser``)."""

    email: Email
    display_name: Name
    role: Role
    password: Annotated[str, msgspec.Meta(max_length=256)]
    locale: str = "nl"


class UserEdit(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    display_name: Name
    role: Role
    locale: str = "nl"
    registration: Annotated[str, msgspec.Meta(max_length=64)] | None = None


class Activation(msgspec.Struct, forbid_unknown_fields=True):
    active: bool


# ---------------------------------------------------------------- the list


@get("/admin/users", opt=ADMINISTRATOR, include_in_schema=False)
async def users_page(request: Request[Any, Any, Any]) -> Template:
    """Every account, active or not, with a link to edit it; a form for a new one."""
    return await _users_page(request)


async def _users_page(
    request: Request[Any, Any, Any], form_state: FormState | None = None, status: int = HTTP_200_OK
) -> Template:
    actor, _, _ = request_context(request)
    return page(
        request,
        "practice/users.html",
        status=status,
        users=await account_queries.user_list(actor),
        form_state=form_state or FormState(),
    )


@post("/admin/users", opt=ADMINISTRATOR, status_code=303)
async def create_user_form(request: Request[Any, Any, Any], data: FormData) -> Template | Redirect:
    actor, _, _ = request_context(request)
    try:
        form = form_struct(NewUserForm, data)
        await account_services.create_user(actor, **(fields_of(form) | {"role": form.role.value}))
    except (InvalidInput, Conflict) as exc:
        state = refusal_state("/admin/users", data, exc)
        state.values = {**state.values, "password": ""}  # a password is never sent back
        return await _users_page(request, state, refusal_status(exc))
    return Redirect(path="/admin/users", status_code=303)


# ---------------------------------------------------------------- one account


@get("/admin/users/{user_id:int}", opt=ADMINISTRATOR, include_in_schema=False)
async def user_page(request: Request[Any, Any, Any], user_id: FromPath[int]) -> Template:
    """One account: its details to edit, and deactivation with what it leaves behind."""
    return await _user_page(request, user_id)


async def _user_page(
    request: Request[Any, Any, Any],
    user_id: int,
    form_state: FormState | None = None,
    status: int = HTTP_200_OK,
) -> Template:
    actor, today, _ = request_context(request)
    account = await account_queries.user_detail(actor, user_id)
    if account is None:
        raise NotFound("No such account.")
    return page(
        request,
        "practice/admin/user.html",
        status=status,
        account=account,
        cases=await account_queries.live_cases_of(actor, user_id, today),
        form_state=form_state or FormState(),
    )


async def refused_on_account(
    request: Request[Any, Any, Any],
    user_id: int,
    data: FormData,
    exc: InvalidInput | Conflict,
) -> Template:
    """A refused change of the account: its page again, the account's form holding what was
    typed and the problem next to its field (the users page's rows have no room for it)."""
    state = refusal_state(f"/admin/users/{user_id}", data, exc)
    return await _user_page(request, user_id, state, refusal_status(exc))


@post("/admin/users/{user_id:int}", opt=ADMINISTRATOR, include_in_schema=False)
async def update_user(
    request: Request[Any, Any, Any], user_id: FromPath[int], data: FormData
) -> Template | Redirect:
    """Name, e-mail address, role, language and registration. A new role ends the account's
    sessions: its next login sees the new role's pages only."""
    actor, _, _ = request_context(request)
    try:
        form = form_struct(UserEdit, data)
        change = await account_services.update_user(
            actor, user_id=user_id, **(fields_of(form) | {"role": form.role.value})
        )
    except (InvalidInput, Conflict) as exc:
        return await refused_on_account(request, user_id, data, exc)
    if change.role_changed:
        await end_sessions_of(request.app.state.redis, user_id)
    return Redirect(path=f"/admin/users#user-{user_id}", status_code=303)


@post("/admin/users/{user_id:int}/activation", opt=ADMINISTRATOR, include_in_schema=False)
async def set_active(
    request: Request[Any, Any, Any], user_id: FromPath[int], data: FormData
) -> Template | Redirect:
    """Deactivate (every session ends at once) or take the account back."""
    actor, _, _ = request_context(request)
    action = f"/admin/users/{user_id}/activation"
    try:
        form = form_struct(Activation, data)
        await account_services.set_user_active(actor, user_id=user_id, active=form.active)
    except (InvalidInput, Conflict) as exc:
        return await _user_page(
            request, user_id, refusal_state(action, data, exc), refusal_status(exc)
        )
    if not form.active:
        await end_sessions_of(request.app.state.redis, user_id)
    return Redirect(path=f"/admin/users/{user_id}", status_code=303)


router = Router(
    path="/",
    route_handlers=[users_page, create_user_form, user_page, update_user, set_active],
)
