//! `core_cohort_add_cohort_members` (spec 04 §8.6): add users to cohorts in one transaction.
//!
//! A membership that cannot be added for a reason of its own (unknown type, cohort or user; an
//! existing membership; a cohort outside the system and categories) is skipped with a warning;
//! a caller who may neither manage nor assign in the cohort's context fails the whole batch, and
//! nothing is added. Portico does not synchronise cohort enrolments, so adding a member changes
//! no course enrolment.

use portico_engine::{CallContext, CallError, CallKind, ExternalFunction};
use portico_macros::Describe;
use portico_schema::{Exception, Valid};
use portico_store::CohortMembership;
use portico_store::model::{CONTEXT_COURSECAT, CONTEXT_SYSTEM, Cohort, MNET_LOCALHOST_ID, User};

use crate::support::{Warning, nopermissions, validate_context};

/// Adds cohort members.
pub struct AddCohortMembers;

/// How the cohort is named.
#[derive(Debug, Describe)]
pub struct CohortType {
    /// The name of the field: id (numeric value of cohortid) or idnumber (alphanumeric value of
    /// idnumber)
    #[describe(param = AlphaNumExt)]
    pub r#type: String,
    /// The value of the cohort
    pub value: String,
}

/// How the user is named.
#[derive(Debug, Describe)]
pub struct UserType {
    /// The name of the field: id (numeric value of id) or username (alphanumeric value of
    /// username)
    #[describe(param = AlphaNumExt)]
    pub r#type: String,
    /// The value of the cohort
    pub value: String,
}

/// A membership to add.
#[derive(Debug, Describe)]
pub struct NewMember {
    /// The cohort.
    pub cohorttype: CohortType,
    /// The user.
    pub usertype: UserType,
}

/// Parameters of `core_cohort_add_cohort_members`.
#[derive(Debug, Describe)]
pub struct Args {
    /// The memberships to add.
    pub members: Vec<NewMember>,
}

/// The warnings about skipped memberships.
#[derive(Debug, Describe)]
pub struct Added {
    /// list of warnings
    pub warnings: Vec<Warning>,
}

fn warning(code: &str, message: String) -> Warning {
    Warning { item: None, itemid: None, warningcode: code.to_owned(), message }
}

/// The cohort `kind` (`id` or `idnumber`) = `value`.
async fn find_cohort(
    context: &CallContext,
    kind: &str,
    value: &str,
) -> Result<Option<Cohort>, CallError> {
    let store = context.store()?;
    Ok(match kind {
        // A text id names no cohort, as in Moodle's lookup.
        "id" => match value.trim().parse::<i64>() {
            Ok(id) => store.cohort_by_id(id).await?,
            Err(_) => None,
        },
        _ => store.cohort_by_idnumber(value).await?,
    })
}

/// The local, undeleted user `kind` (`id` or `username`) = `value`.
async fn find_user(
    context: &CallContext,
    kind: &str,
    value: &str,
) -> Result<Option<User>, CallError> {
    let store = context.store()?;
    let user = match kind {
        "id" => match value.trim().parse::<i64>() {
            Ok(id) => store.user_by_id(id).await?,
            Err(_) => None,
        },
        _ => store.user_by_username(value, MNET_LOCALHOST_ID).await?,
    };
    Ok(user.filter(|user| user.deleted == 0 && user.mnethostid == MNET_LOCALHOST_ID))
}

impl ExternalFunction for AddCohortMembers {
    const NAME: &'static str = "core_cohort_add_cohort_members";
    const COMPONENT: &'static str = "moodle";
    const DESCRIPTION: &'static str = "Adds cohort members.";
    const KIND: CallKind = CallKind::Write;
    const CAPABILITIES: &'static [&'static str] = &["moodle/cohort:assign"];
    type Args = Args;
    type Returns = Added;

    async fn execute(context: &CallContext, args: Valid<Args>) -> Result<Added, CallError> {
        let store = context.store()?;
        let mut warnings = Vec::new();
        let mut batch: Vec<CohortMembership> = Vec::new();
        for NewMember { cohorttype: cohort_type, usertype: user_type } in args.into_inner().members
        {
            let (ctype, cvalue) = (cohort_type.r#type.as_str(), cohort_type.value.as_str());
            let (utype, uvalue) = (user_type.r#type.as_str(), user_type.value.as_str());
            if ctype != "id" && ctype != "idnumber" {
                // Moodle's text misspells "cohorttype".
                warnings.push(warning("1", format!("invalid parameter: cohortype={ctype}")));
                continue;
            }
            if utype != "id" && utype != "username" {
                warnings.push(warning("1", format!("invalid parameter: usertype={utype}")));
                continue;
            }
            let Some(cohort) = find_cohort(context, ctype, cvalue).await? else {
                warnings.push(warning("2", format!("cohort {ctype}={cvalue} not exists")));
                continue;
            };
            let Some(user) = find_user(context, utype, uvalue).await? else {
                warnings.push(warning("2", format!("user {utype}={uvalue} not exists")));
                continue;
            };
            let membership = CohortMembership { cohortid: cohort.id, userid: user.id };
            if batch.contains(&membership) || store.is_cohort_member(cohort.id, user.id).await? {
                warnings.push(warning(
                    "3",
                    format!("record already exists: cohort({ctype}={cvalue} {utype}={uvalue})"),
                ));
                continue;
            }
            // Moodle turns any failure while finding the cohort's context into this error; its
            // language pack has no such string, so the message is `module/code`, with the module
            // as given (`cohort`, not `core_cohort`).
            let failed = || Exception::moodle("Error", "cohort", "cohort/Error");
            let Some(target) = store.context_by_id(cohort.contextid).await? else {
                return Err(failed().into());
            };
            if target.contextlevel != CONTEXT_COURSECAT && target.contextlevel != CONTEXT_SYSTEM {
                warnings.push(warning("1", format!("Invalid context: {}", target.contextlevel)));
                continue;
            }
            if validate_context(context, &target).await.is_err() {
                return Err(failed().into());
            }
            let may = context.has_capability("moodle/cohort:manage", target.id).await?
                || context.has_capability("moodle/cohort:assign", target.id).await?;
            if !may {
                return Err(nopermissions("moodle/cohort:assign"));
            }
            batch.push(membership);
        }
        store.add_cohort_members(&batch).await?;
        Ok(Added { warnings })
    }
}

#[cfg(test)]
mod tests {
    use portico_access::Caller;
    use portico_schema::Value;
    use portico_store::model::CONTEXT_COURSECAT;
    use portico_store::{NewCohort, Store};
    use portico_testkit::backend_test;

    use crate::testing::{TestSite, field};

    const NAME: &str = "core_cohort_add_cohort_members";

    fn warnings(value: &Value) -> Vec<(String, String)> {
        let Value::Array(list) = field(value, "warnings") else { return Vec::new() };
        list.values()
            .map(|w| {
                let text = |key| match field(w, key) {
                    Value::Null => "-".to_owned(),
                    other => String::from_utf8_lossy(&other.to_php_string()).into_owned(),
                };
                (text("warningcode"), text("message"))
            })
            .collect()
    }

    fn cohort(contextid: i64, idnumber: &str) -> NewCohort {
        NewCohort {
            contextid,
            name: idnumber.to_uppercase(),
            idnumber: Some(idnumber.to_owned()),
            descriptionformat: 1,
            visible: 1,
            ..NewCohort::default()
        }
    }

    backend_test!(add_cohort_members_adds_and_warns, |store: Store| async move {
        let site = TestSite::install(store).await;
        let staff = site.store().create_cohorts(&[cohort(1, "staff")]).await.unwrap().remove(0);
        let ann = site.user("ann").await;
        let bob = site.user("bob").await;
        let gone = site.user("gone").await;
        site.store().delete_user(gone.id).await.unwrap();
        let caller = site.custom_caller(site.admin.id, &[NAME]).await;
        let member = |index: usize, ctype: &str, cvalue: &str, utype: &str, uvalue: &str| {
            format!(
                "members[{index}][cohorttype][type]={ctype}&members[{index}][cohorttype][value]={cvalue}\
                 &members[{index}][usertype][type]={utype}&members[{index}][usertype][value]={uvalue}&"
            )
        };
        let args = [
            member(0, "id", &staff.id.to_string(), "id", &ann.id.to_string()),
            member(1, "idnumber", "staff", "username", "bob"),
            member(2, "name", "staff", "id", "1"),
            member(3, "id", "1", "email", "x"),
            member(4, "idnumber", "nope", "id", "1"),
            member(5, "idnumber", "staff", "username", "nobody"),
            member(6, "idnumber", "staff", "id", &gone.id.to_string()),
            member(7, "idnumber", "staff", "username", "ann"),
        ]
        .concat();
        let answer = site.call(Some(&caller), NAME, &args).await.unwrap();
        let expected = [
            ("1", "invalid parameter: cohortype=name".to_owned()),
            ("1", "invalid parameter: usertype=email".to_owned()),
            ("2", "cohort idnumber=nope not exists".to_owned()),
            ("2", "user username=nobody not exists".to_owned()),
            ("2", format!("user id={} not exists", gone.id)),
            ("3", "record already exists: cohort(idnumber=staff username=ann)".to_owned()),
        ];
        let expected: Vec<(String, String)> =
            expected.into_iter().map(|(code, message)| (code.to_owned(), message)).collect();
        assert_eq!(warnings(&answer), expected);
        let members = site.store().cohort_members(staff.id).await.unwrap();
        assert_eq!(members.iter().map(|m| m.userid).collect::<Vec<_>>(), [ann.id, bob.id]);
    });

    backend_test!(add_cohort_members_requires_manage_or_assign, |store: Store| async move {
        let site = TestSite::install(store).await;
        let category = site.category("Science", 0).await;
        let category_context = site
            .store()
            .context_by_instance(CONTEXT_COURSECAT, category.id)
            .await
            .unwrap()
            .unwrap();
        let cohorts = site
            .store()
            .create_cohorts(&[cohort(1, "staff"), cohort(category_context.id, "sci")])
            .await
            .unwrap();
        let ann = site.user("ann").await;
        let teacher = site.user("teacher").await;
        let caller = site.custom_caller(teacher.id, &[NAME]).await;
        let args = format!(
            "members[0][cohorttype][type]=idnumber&members[0][cohorttype][value]=staff\
             &members[0][usertype][type]=id&members[0][usertype][value]={}",
            ann.id
        );
        let error = site.call(Some(&caller), NAME, &args).await.unwrap_err();
        assert_eq!(
            (error.class, error.errorcode.as_ref(), error.message.as_str()),
            (
                "required_capability_exception",
                "nopermissions",
                "Sorry, but you do not currently have permissions to do that (Add and remove \
                 cohort members)."
            )
        );
        assert!(site.store().cohort_members(cohorts[0].id).await.unwrap().is_empty());
        // A token restricted to the category cannot reach a system cohort, and the whole batch
        // fails: the category cohort's member is not added either.
        let admin = site.custom_caller(site.admin.id, &[NAME]).await;
        let restricted = Caller { contextid: category_context.id, ..admin };
        let args = format!(
            "members[0][cohorttype][type]=idnumber&members[0][cohorttype][value]=sci\
             &members[0][usertype][type]=id&members[0][usertype][value]={id}\
             &members[1][cohorttype][type]=idnumber&members[1][cohorttype][value]=staff\
             &members[1][usertype][type]=id&members[1][usertype][value]={id}",
            id = ann.id
        );
        let error = site.call(Some(&restricted), NAME, &args).await.unwrap_err();
        assert_eq!((error.errorcode.as_ref(), error.message.as_str()), ("Error", "cohort/Error"));
        assert!(site.store().cohort_members(cohorts[1].id).await.unwrap().is_empty());
    });
}
