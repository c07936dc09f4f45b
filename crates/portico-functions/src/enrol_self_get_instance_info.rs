//! `enrol_self_get_instance_info` (spec 04 §2): what the app shows before self-enrolment: the
//! instance, its display name, whether it takes enrolments now (`true`, or the reason) and
//! whether it wants an enrolment key.
//!
//! Like Moodle, it describes any instance id through the self plugin, validates the system
//! context (the caller is not enrolled yet) and refuses a course whose information the caller
//! may neither see nor enter (`coursehidden`). It never writes.

use portico_engine::{CallContext, CallError, CallKind, ExternalFunction};
use portico_macros::Describe;
use portico_schema::typed::{Describe, FromValue, IntoValue};
use portico_schema::{Desc, Exception, ParamType, Valid, Value};
use portico_store::StoreError;
use portico_store::model::CONTEXT_COURSE;

use crate::enrol_self_enrol_user::{can_view_course_info, course_hidden, self_enrol_unavailable};
use crate::roles::role_name;
use crate::support::{require_course_login, validate_context};
use crate::user_details::php_empty;

/// self enrolment instance information.
pub struct GetInstanceInfo;

/// Parameters of `enrol_self_get_instance_info`.
#[derive(Debug, Describe)]
pub struct Args {
    /// instance id of self enrolment plugin.
    pub instanceid: i64,
}

/// Whether an instance takes self-enrolments now: PHP's `true`, or the reason it does not
/// (Moodle returns either through one `PARAM_RAW` value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Availability {
    /// It does.
    Available,
    /// It does not, for this reason.
    Unavailable(String),
}

impl Describe for Availability {
    fn describe() -> Desc {
        Desc::value(ParamType::Raw, "")
    }
}

impl FromValue for Availability {
    fn from_value(value: Value) -> Result<Availability, Exception> {
        Ok(match value {
            Value::Bool(true) => Availability::Available,
            other => Availability::Unavailable(String::from_value(other)?),
        })
    }
}

impl IntoValue for Availability {
    fn into_value(self) -> Value {
        match self {
            Availability::Available => Value::Bool(true),
            Availability::Unavailable(reason) => Value::from(reason),
        }
    }
}

/// The description of a self enrolment instance.
#[derive(Debug, Describe)]
pub struct InstanceInfo {
    /// id of course enrolment instance
    pub id: i64,
    /// id of course
    pub courseid: i64,
    /// type of enrolment plugin
    #[describe(param = Plugin)]
    pub r#type: String,
    /// name of enrolment plugin
    pub name: String,
    /// status of enrolment plugin
    pub status: Availability,
    /// password required for enrolment
    pub enrolpassword: Option<String>,
}

impl ExternalFunction for GetInstanceInfo {
    const NAME: &'static str = "enrol_self_get_instance_info";
    const COMPONENT: &'static str = "enrol_self";
    const DESCRIPTION: &'static str = "self enrolment instance information.";
    const KIND: CallKind = CallKind::Read;
    const SERVICES: &'static [&'static str] = &[portico_engine::install::MOBILE_SERVICE];
    type Args = Args;
    type Returns = InstanceInfo;

    async fn execute(context: &CallContext, args: Valid<Args>) -> Result<InstanceInfo, CallError> {
        let instanceid = args.into_inner().instanceid;
        // Moodle's enrol_get_plugin('self') finds the installed plugin whether or not it is
        // enabled, so a disabled self plugin is no error here.
        let store = context.store()?;
        validate_context(context, &store.system_context().await?).await?;
        let instance = store
            .enrol_instance(instanceid)
            .await?
            .ok_or(StoreError::NotFound { entity: "enrol", id: instanceid })?;
        let course = store
            .course_by_id(instance.courseid)
            .await?
            .ok_or(StoreError::NotFound { entity: "course", id: instance.courseid })?;
        let course_context = store
            .context_by_instance(CONTEXT_COURSE, course.id)
            .await?
            .ok_or(StoreError::NotFound { entity: "context", id: course.id })?;
        if !can_view_course_info(context, &course, &course_context).await?
            && require_course_login(context, &course_context).await.is_err()
        {
            return Err(course_hidden());
        }
        let name = match instance.name.as_deref().filter(|name| !php_empty(name)) {
            Some(name) => name.to_owned(),
            None => {
                let role = match instance.roleid.filter(|id| *id != 0) {
                    Some(roleid) => store.role_by_id(roleid).await?,
                    None => None,
                };
                match role {
                    Some(role) => format!(
                        "Self enrolment ({})",
                        role_name(context, &role, Some(course_context.id)).await?
                    ),
                    None => "Self enrolment".to_owned(),
                }
            }
        };
        let status = match self_enrol_unavailable(context, &instance).await? {
            None => Availability::Available,
            Some(reason) => Availability::Unavailable(reason),
        };
        // Moodle asks for a key whenever the column is set (`isset`), even to ''.
        let keyed = instance.password.is_some();
        Ok(InstanceInfo {
            id: instance.id,
            courseid: instance.courseid,
            r#type: "self".to_owned(),
            name,
            status,
            // Moodle names the key this way: the label of the field to ask for.
            enrolpassword: keyed.then(|| "Enrolment key".to_owned()),
        })
    }
}

#[cfg(test)]
mod tests {
    use portico_schema::Value;
    use portico_store::Store;
    use portico_store::model::Enrol;
    use portico_testkit::backend_test;

    use crate::testing::{TestSite, field};

    const NAME: &str = "enrol_self_get_instance_info";

    backend_test!(instance_info_describes_the_self_instance, |store: Store| async move {
        let site = TestSite::install(store).await;
        let category = site.category("Science", 0).await;
        let course = site.course("BIO1", category.id).await;
        let instance = site.instance(course.id, "self").await;
        let ann = site.user("ann").await;
        let caller = site.mobile_caller(ann.id).await;
        let args = format!("instanceid={}", instance.id);
        let answer = site.call(Some(&caller), NAME, &args).await.unwrap();
        assert_eq!(field(&answer, "name"), "Self enrolment (Student)".into());
        assert_eq!(field(&answer, "type"), "self".into());
        assert_eq!(field(&answer, "status"), crate::enrol_self_enrol_user::CANNTENROL.into());
        assert_eq!(field(&answer, "enrolpassword"), Value::Null);
        let open = Enrol {
            status: 0,
            customint6: Some(1),
            password: Some("k".into()),
            name: Some("Join us".into()),
            ..instance.clone()
        };
        site.store().update_enrol_instance(&open).await.unwrap();
        let answer = site.call(Some(&caller), NAME, &args).await.unwrap();
        assert_eq!(field(&answer, "status"), Value::Bool(true));
        assert_eq!(field(&answer, "name"), "Join us".into());
        assert_eq!(field(&answer, "enrolpassword"), "Enrolment key".into());
        let error = site.call(Some(&caller), NAME, "instanceid=999999").await.unwrap_err();
        assert_eq!(error.message, "Can't find data record in database table enrol.");
    });

    backend_test!(instance_info_follows_moodles_isset_and_empty, |store: Store| async move {
        let site = TestSite::install(store).await;
        let category = site.category("Science", 0).await;
        let course = site.course("BIO1", category.id).await;
        let instance = site.instance(course.id, "self").await;
        // A key set to '' is still set (`isset`); a name "0" is empty in PHP.
        let blank = Enrol { password: Some(String::new()), name: Some("0".into()), ..instance };
        site.store().update_enrol_instance(&blank).await.unwrap();
        // The self plugin being disabled does not matter: Moodle finds its code anyway.
        site.store().set_config("enrol_plugins_enabled", "manual").await.unwrap();
        let ann = site.user("ann").await;
        let caller = site.mobile_caller(ann.id).await;
        let args = format!("instanceid={}", blank.id);
        let answer = site.call(Some(&caller), NAME, &args).await.unwrap();
        assert_eq!(field(&answer, "enrolpassword"), "Enrolment key".into());
        assert_eq!(field(&answer, "name"), "Self enrolment (Student)".into());
    });

    backend_test!(instance_info_hides_courses_the_caller_cannot_see, |store: Store| async move {
        let site = TestSite::install(store).await;
        let category = site.category("Science", 0).await;
        let course = site.course("BIO1", category.id).await;
        let instance = site.instance(course.id, "self").await;
        let category_context = site
            .store()
            .context_by_instance(portico_store::model::CONTEXT_COURSECAT, category.id)
            .await
            .unwrap()
            .unwrap();
        site.store()
            .set_role_capability(
                portico_store::model::role_id::USER,
                category_context.id,
                "moodle/category:viewcourselist",
                portico_store::model::CAP_PROHIBIT,
                site.admin.id,
            )
            .await
            .unwrap();
        let args = format!("instanceid={}", instance.id);
        let ann = site.user("ann").await;
        let caller = site.mobile_caller(ann.id).await;
        let error = site.call(Some(&caller), NAME, &args).await.unwrap_err();
        assert_eq!(
            (error.errorcode.as_ref(), error.message.as_str()),
            ("coursehidden", "This course is currently unavailable to students")
        );
        // Someone who can enter the course may still read it.
        site.enrol(ann.id, course.id, portico_store::model::role_id::STUDENT).await;
        let answer = site.call(Some(&caller), NAME, &args).await.unwrap();
        assert_eq!(field(&answer, "id"), instance.id.into());
    });
}
