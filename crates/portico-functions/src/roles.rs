//! What the role and enrolment functions share: Moodle's `get_assignable_roles` for the caller,
//! `external_api::get_context_from_params`, the checks of one role (un)assignment, the check
//! that a user exists before a role is given to them, and `role_get_name`.
//!
//! This module owns those rules and their exact errors. It must never write: the functions
//! validate a whole batch with these helpers, then write it through one store method.

use portico_engine::{CallContext, CallError};
use portico_schema::Exception;
use portico_store::Assigner;
use portico_store::model::{
    CONTEXT_BLOCK, CONTEXT_COURSE, CONTEXT_COURSECAT, CONTEXT_MODULE, CONTEXT_SYSTEM, CONTEXT_USER,
    Context, Role,
};

use crate::support::is_siteadmin;

/// Moodle's `get_assignable_roles` for the caller in `target`: nothing without
/// `moodle/role:assign` there; for site administrators every role assignable at the context's
/// level; for anyone else the roles that a role they hold on the context's chain may assign
/// and that are assignable at that level (spec 05 §2.3).
pub async fn assignable_roles(
    context: &CallContext,
    target: &Context,
) -> Result<Vec<Role>, CallError> {
    if !context.has_capability("moodle/role:assign", target.id).await? {
        return Ok(Vec::new());
    }
    let store = context.store()?;
    let userid = context.user_id();
    if is_siteadmin(context, userid).await? {
        return Ok(store.assignable_roles(target.contextlevel, Assigner::SiteAdmin).await?);
    }
    let contexts: Vec<i64> = target
        .path
        .as_deref()
        .unwrap_or_default()
        .split('/')
        .filter_map(|id| id.parse().ok())
        .collect();
    let assigner = Assigner::User { userid, contexts: &contexts };
    Ok(store.assignable_roles(target.contextlevel, assigner).await?)
}

/// The level a client names: the short names Moodle accepts (`system`, `user`, `coursecat`,
/// `course`, `module`, `block`) or, since Moodle 4.2, the numeric values.
pub fn parse_context_level(level: &str) -> Option<i64> {
    let levels = [
        CONTEXT_SYSTEM,
        CONTEXT_USER,
        CONTEXT_COURSECAT,
        CONTEXT_COURSE,
        CONTEXT_MODULE,
        CONTEXT_BLOCK,
    ];
    Some(match level {
        "system" => CONTEXT_SYSTEM,
        "user" => CONTEXT_USER,
        "coursecat" => CONTEXT_COURSECAT,
        "course" => CONTEXT_COURSE,
        "module" => CONTEXT_MODULE,
        "block" => CONTEXT_BLOCK,
        number => {
            let value: i64 = number.parse().ok()?;
            return levels.contains(&value).then_some(value);
        }
    })
}

/// Moodle's `external_api::get_context_from_params`: the context `contextid` when it is given
/// and not 0, else the context of `instanceid` at `contextlevel` (the system context for
/// `system`, whatever the instance). `None` when that context does not exist; a missing or
/// unknown level is `invalidparameter`.
pub async fn context_from_params(
    context: &CallContext,
    contextid: Option<i64>,
    contextlevel: Option<&str>,
    instanceid: Option<i64>,
) -> Result<Option<Context>, CallError> {
    let store = context.store()?;
    if let Some(id) = contextid.filter(|id| *id != 0) {
        return Ok(store.context_by_id(id).await?);
    }
    match (contextlevel.filter(|level| !crate::user_details::php_empty(level)), instanceid) {
        (Some(level), Some(instanceid)) => {
            let Some(level) = parse_context_level(level) else {
                return Err(Exception::invalid_parameter(format!(
                    "Invalid context level = {level}"
                ))
                .into());
            };
            if level == CONTEXT_SYSTEM {
                return Ok(Some(store.system_context().await?));
            }
            Ok(store.context_by_instance(level, instanceid).await?)
        }
        _ => Err(Exception::invalid_parameter(
            "Missing parameters, please provide either context level with instance id or contextid",
        )
        .into()),
    }
}

/// `validate_context` of a context that may not exist: Moodle's `Context does not exist`.
pub fn context_does_not_exist() -> CallError {
    Exception::invalid_parameter("Context does not exist").into()
}

/// Moodle's `role_assign` refuses an empty user id, then a user that does not exist or is
/// deleted, each with a coding error.
pub async fn require_assignable_user(context: &CallContext, userid: i64) -> Result<(), CallError> {
    if userid == 0 {
        return Err(
            Exception::coding("Invalid call to role_assign(), userid can not be empty").into()
        );
    }
    match context.store()?.user_by_id(userid).await? {
        Some(user) if user.deleted == 0 => Ok(()),
        _ => Err(Exception::coding("User ID does not exist or is deleted!").into()),
    }
}

/// The checks `core_role_assign_roles` and `core_role_unassign_roles` make for one row, in
/// Moodle's order: the context (from `contextid` or level and instance), context validation,
/// `moodle/role:assign` there, and `roleid` among the caller's assignable roles (else
/// `invalidparameter` with `Can not <verb> roleid=<r> in contextid=<c>`, `<c>` empty when the
/// client did not send `contextid`). Returns the context.
pub async fn checked_role_context(
    context: &CallContext,
    verb: &str,
    roleid: i64,
    contextid: Option<i64>,
    contextlevel: Option<&str>,
    instanceid: Option<i64>,
) -> Result<Context, CallError> {
    let Some(target) = context_from_params(context, contextid, contextlevel, instanceid).await?
    else {
        return Err(context_does_not_exist());
    };
    crate::support::validate_context(context, &target).await?;
    crate::support::require_capability(context, "moodle/role:assign", target.id).await?;
    let roles = assignable_roles(context, &target).await?;
    if !roles.iter().any(|role| role.id == roleid) {
        let contextid = contextid.map(|id| id.to_string()).unwrap_or_default();
        return Err(Exception::invalid_parameter(format!(
            "Can not {verb} roleid={roleid} in contextid={contextid}"
        ))
        .into());
    }
    Ok(target)
}

/// Moodle's `role_get_name` (`ROLENAME_ALIAS`): the course's alias of the role in
/// `course_contextid` if it has one, else the role's own name, else the English name of a
/// standard role (spec 05 §2.2); the short name when none applies.
pub async fn role_name(
    context: &CallContext,
    role: &Role,
    course_contextid: Option<i64>,
) -> Result<String, CallError> {
    if let Some(contextid) = course_contextid
        && let Some(alias) = context.store()?.role_alias(role.id, contextid).await?
        && !alias.trim().is_empty()
    {
        return Ok(alias);
    }
    if !role.name.trim().is_empty() {
        return Ok(role.name.clone());
    }
    let standard = match role.shortname.as_str() {
        "manager" => "Manager",
        "coursecreator" => "Course creator",
        "editingteacher" => "Teacher",
        "teacher" => "Non-editing teacher",
        "student" => "Student",
        "guest" => "Guest",
        "user" => "Authenticated user",
        "frontpage" => "Authenticated user on site home",
        other => other,
    };
    Ok(standard.to_owned())
}
