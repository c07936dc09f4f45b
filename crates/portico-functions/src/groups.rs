//! What the group and cohort functions share (spec 04 §8): entering a group's course with
//! Moodle's `errorcoursecontextnotvalid`, the membership checks, the description format check,
//! custom field values and a text column that may be `NULL`.
//!
//! This module owns the exact texts of those errors. It must never hold one function's rules
//! and never write to the store.

use portico_engine::{CallContext, CallError};
use portico_macros::Describe;
use portico_schema::typed::{Describe as DescribeTrait, FromValue, IntoValue};
use portico_schema::{Desc, Exception, ParamType, Value};
use portico_store::StoreError;
use portico_store::model::{CONTEXT_COURSE, Context, MNET_LOCALHOST_ID, User};

use crate::support::{require_capability, validate_context};

/// The description of a `<field>format` key (Moodle's `external_format_value`).
pub const FORMAT_DESCRIPTION: &str =
    "description format (1 = HTML, 0 = MOODLE, 2 = PLAIN, or 4 = MARKDOWN)";

/// A custom field value given when creating a group or cohort.
#[derive(Debug, Clone, PartialEq, Describe)]
pub struct CustomFieldValue {
    /// The shortname of the custom field
    #[describe(param = AlphaNumExt)]
    pub shortname: String,
    /// The value of the custom field
    pub value: String,
}

/// A stored custom field value as the read functions return it.
#[derive(Debug, Clone, PartialEq, Describe)]
pub struct CustomFieldData {
    /// The name of the custom field
    pub name: String,
    /// The shortname of the custom field - to be able to build the field class in the code
    pub shortname: String,
    /// The type of the custom field - text field, checkbox...
    #[describe(param = AlphaNumExt)]
    pub r#type: String,
    /// The raw value of the custom field
    pub valueraw: String,
    /// The value of the custom field
    pub value: String,
}

/// A text column Moodle may hold as `NULL`, returned under a required key: Moodle's return
/// cleaning lets `null` through, so it is sent as `null`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NullableText(pub Option<String>);

impl DescribeTrait for NullableText {
    fn describe() -> Desc {
        Desc::value(ParamType::Raw, "")
    }
}

impl FromValue for NullableText {
    fn from_value(value: Value) -> Result<NullableText, Exception> {
        Option::<String>::from_value(value).map(NullableText)
    }
}

impl IntoValue for NullableText {
    fn into_value(self) -> Value {
        self.0.map_or(Value::Null, |text| Value::from(text.as_str()))
    }
}

/// Moodle's `util::validate_format`: a text format must be HTML, MOODLE, PLAIN or MARKDOWN.
pub fn validate_format(format: i64) -> Result<i64, CallError> {
    if [0, 1, 2, 4].contains(&format) {
        Ok(format)
    } else {
        // The webservice language pack has no such string, so Moodle shows `module/code`.
        Err(Exception::moodle("formatnotsupported", "webservice", "webservice/formatnotsupported")
            .with_debuginfo(format!(
                "The format with value={format} is not supported by this Moodle site"
            ))
            .into())
    }
}

/// The context of course `courseid`, validated as the group functions do: any failure,
/// including a course without a context, becomes `errorcoursecontextnotvalid` quoting the
/// inner error's message.
pub async fn course_context(context: &CallContext, courseid: i64) -> Result<Context, CallError> {
    let store = context.store()?;
    let inner = match store.context_by_instance(CONTEXT_COURSE, courseid).await? {
        Some(course_context) => match validate_context(context, &course_context).await {
            Ok(()) => return Ok(course_context),
            Err(error) => error.to_exception().message,
        },
        // Moodle's validate_context refuses a missing context with invalid_parameter_exception.
        None => portico_schema::exception::INVALID_PARAMETER.to_owned(),
    };
    Err(Exception::moodle(
        "errorcoursecontextnotvalid",
        "webservice",
        format!(
            "You cannot execute functions in the course context (course id:{courseid}). The \
             context error message was: {inner}"
        ),
    )
    .into())
}

/// A membership to add or remove.
#[derive(Debug, Describe)]
pub struct Member {
    /// group record id
    pub groupid: i64,
    /// user id
    pub userid: i64,
}

/// Checks a membership as the membership functions do: the group exists, then the user (local,
/// not deleted), each else `invalidrecord`; then the group's course can be entered and the
/// caller holds `moodle/course:managegroups` there. Returns the group's course id and the user.
pub async fn check_member(
    context: &CallContext,
    member: &Member,
) -> Result<(i64, User), CallError> {
    let store = context.store()?;
    let group = store
        .group_by_id(member.groupid)
        .await?
        .ok_or(StoreError::NotFound { entity: "groups", id: member.groupid })?;
    let user = store
        .user_by_id(member.userid)
        .await?
        .filter(|user| user.deleted == 0 && user.mnethostid == MNET_LOCALHOST_ID)
        .ok_or(StoreError::NotFound { entity: "user", id: member.userid })?;
    let course = course_context(context, group.courseid).await?;
    require_capability(context, "moodle/course:managegroups", course.id).await?;
    Ok((group.courseid, user))
}
