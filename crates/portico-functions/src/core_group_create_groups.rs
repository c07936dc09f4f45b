//! `core_group_create_groups` (spec 04 §8.1): create groups in courses in one transaction; the
//! first invalid group aborts the batch and nothing is created.
//!
//! Checks per group, in Moodle's order: a non-blank name, a name not yet used in the course
//! (groups earlier in the batch count), the course context, `moodle/course:managegroups`, the
//! description format, the visibility, and an idnumber not yet used in the course. Custom field
//! values are accepted and echoed; Portico defines no group custom fields, so none is stored.

use portico_engine::{CallContext, CallError, CallKind, ExternalFunction};
use portico_macros::Describe;
use portico_schema::{Exception, Valid};
use portico_store::NewGroup;

use crate::groups::{CustomFieldValue, course_context, validate_format};
use crate::support::require_capability;

/// Creates new groups.
pub struct CreateGroups;

/// A group to create.
#[derive(Debug, Describe)]
pub struct GroupToCreate {
    /// id of course
    pub courseid: i64,
    /// multilang compatible name, course unique
    #[describe(param = Text)]
    pub name: String,
    /// group description text
    pub description: String,
    /// description format (1 = HTML, 0 = MOODLE, 2 = PLAIN, or 4 = MARKDOWN)
    #[describe(default = 1)]
    pub descriptionformat: i64,
    /// group enrol secret phrase
    pub enrolmentkey: Option<String>,
    /// id number
    pub idnumber: Option<String>,
    /// group visibility mode. 0 = Visible to all. 1 = Visible to members. 2 = See own
    /// membership. 3 = Membership is hidden. default: 0
    #[describe(default = 0)]
    pub visibility: i64,
    /// activity participation enabled? Only for "all" and "members" visibility. Default true.
    #[describe(default = true)]
    pub participation: bool,
    /// Custom fields
    pub customfields: Option<Vec<CustomFieldValue>>,
}

/// Parameters of `core_group_create_groups`.
#[derive(Debug, Describe)]
pub struct Args {
    /// List of group object. A group has a courseid, a name, a description and an enrolment key.
    pub groups: Vec<GroupToCreate>,
}

/// A created group.
#[derive(Debug, Describe)]
#[describe(
    desc = "List of group object. A group has an id, a courseid, a name, a description and an enrolment key."
)]
pub struct CreatedGroup {
    /// group record id
    pub id: i64,
    /// id of course
    pub courseid: i64,
    /// multilang compatible name, course unique
    #[describe(param = Text)]
    pub name: String,
    /// group description text
    pub description: String,
    /// description format (1 = HTML, 0 = MOODLE, 2 = PLAIN, or 4 = MARKDOWN)
    pub descriptionformat: i64,
    /// group enrol secret phrase
    pub enrolmentkey: String,
    /// id number
    pub idnumber: String,
    /// group visibility mode. 0 = Visible to all. 1 = Visible to members. 2 = See own
    /// membership. 3 = Membership is hidden.
    pub visibility: i64,
    /// participation mode
    pub participation: bool,
    /// Custom fields
    pub customfields: Option<Vec<CustomFieldValue>>,
}

/// Moodle's group visibility modes: all, members, own membership, none.
const VISIBILITIES: [i64; 4] = [0, 1, 2, 3];

impl ExternalFunction for CreateGroups {
    const NAME: &'static str = "core_group_create_groups";
    const COMPONENT: &'static str = "moodle";
    const DESCRIPTION: &'static str = "Creates new groups.";
    const KIND: CallKind = CallKind::Write;
    const CAPABILITIES: &'static [&'static str] = &["moodle/course:managegroups"];
    type Args = Args;
    type Returns = Vec<CreatedGroup>;

    async fn execute(
        context: &CallContext,
        args: Valid<Args>,
    ) -> Result<Vec<CreatedGroup>, CallError> {
        let store = context.store()?;
        let mut batch: Vec<NewGroup> = Vec::new();
        let mut echoed = Vec::new();
        for group in args.into_inner().groups {
            if group.name.trim().is_empty() {
                return Err(Exception::invalid_parameter("Invalid group name").into());
            }
            // Moodle looks the name up as given; earlier groups of the batch are already in
            // its transaction, stored with trimmed names.
            let taken_in_batch =
                batch.iter().any(|new| new.courseid == group.courseid && new.name == group.name);
            if taken_in_batch || store.group_by_name(group.courseid, &group.name).await?.is_some() {
                return Err(Exception::invalid_parameter(
                    "Group with the same name already exists in the course",
                )
                .into());
            }
            let course = course_context(context, group.courseid).await?;
            require_capability(context, "moodle/course:managegroups", course.id).await?;
            let descriptionformat = validate_format(group.descriptionformat)?;
            if !VISIBILITIES.contains(&group.visibility) {
                return Err(Exception::invalid_parameter(
                    "Invalid group visibility provided. Must be one of 0,1,2,3",
                )
                .into());
            }
            let idnumber = group.idnumber.as_deref().map(str::trim);
            if let Some(idnumber) = idnumber.filter(|idnumber| !idnumber.is_empty()) {
                let taken_in_batch = batch
                    .iter()
                    .any(|new| new.courseid == group.courseid && new.idnumber == idnumber);
                if taken_in_batch
                    || store.group_by_idnumber(group.courseid, idnumber).await?.is_some()
                {
                    return Err(Exception::moodle(
                        "idnumbertaken",
                        "error",
                        "This ID number is already in use",
                    )
                    .into());
                }
            }
            // Groups whose membership is hidden from members take no part in activities.
            let participation = group.participation && group.visibility <= 1;
            batch.push(NewGroup {
                courseid: group.courseid,
                idnumber: idnumber.unwrap_or_default().to_owned(),
                name: group.name.trim().to_owned(),
                description: Some(group.description),
                descriptionformat,
                enrolmentkey: group.enrolmentkey,
                visibility: group.visibility,
                participation: i64::from(participation),
            });
            echoed.push(group.customfields);
        }
        let created = store.create_groups(&batch).await?;
        Ok(created
            .into_iter()
            .zip(echoed)
            .map(|(group, customfields)| CreatedGroup {
                id: group.id,
                courseid: group.courseid,
                name: group.name,
                description: group.description.unwrap_or_default(),
                descriptionformat: group.descriptionformat,
                enrolmentkey: group.enrolmentkey.unwrap_or_default(),
                idnumber: group.idnumber,
                visibility: group.visibility,
                participation: group.participation != 0,
                customfields,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use portico_schema::Value;
    use portico_store::Store;
    use portico_testkit::backend_test;

    use crate::testing::{TestSite, field};

    const NAME: &str = "core_group_create_groups";

    fn list(value: &Value) -> Vec<Value> {
        match value {
            Value::Array(array) => array.values().cloned().collect(),
            _ => Vec::new(),
        }
    }

    backend_test!(create_groups_creates_the_batch, |store: Store| async move {
        let site = TestSite::install(store).await;
        let category = site.category("Science", 0).await;
        let course = site.course("BIO1", category.id).await;
        let caller = site.custom_caller(site.admin.id, &[NAME]).await;
        let args = format!(
            "groups[0][courseid]={id}&groups[0][name]=%20Red%20&groups[0][description]=Reds\
             &groups[0][idnumber]=%20R1%20&groups[0][enrolmentkey]=key\
             &groups[1][courseid]={id}&groups[1][name]=Blue&groups[1][description]=\
             &groups[1][visibility]=2&groups[1][descriptionformat]=2\
             &groups[1][customfields][0][shortname]=colour&groups[1][customfields][0][value]=b",
            id = course.id
        );
        let created = list(&site.call(Some(&caller), NAME, &args).await.unwrap());
        assert_eq!(created.len(), 2);
        let red = &created[0];
        assert_eq!(field(red, "name"), Value::from("Red"));
        assert_eq!(field(red, "idnumber"), Value::from("R1"));
        assert_eq!(field(red, "enrolmentkey"), Value::from("key"));
        assert_eq!(field(red, "descriptionformat"), Value::Int(1));
        assert_eq!(field(red, "visibility"), Value::Int(0));
        assert_eq!(field(red, "participation"), Value::Bool(true));
        assert_eq!(field(red, "customfields"), Value::Null);
        let blue = &created[1];
        assert_eq!(field(blue, "enrolmentkey"), Value::from(""));
        assert_eq!(field(blue, "idnumber"), Value::from(""));
        assert_eq!(field(blue, "descriptionformat"), Value::Int(2));
        // Hidden-membership groups take no part in activities.
        assert_eq!(field(blue, "participation"), Value::Bool(false));
        assert_eq!(list(&field(blue, "customfields")).len(), 1);
        let stored = site.store().course_groups(course.id).await.unwrap();
        let names: Vec<(&str, &str, Option<&str>)> = stored
            .iter()
            .map(|g| (g.name.as_str(), g.idnumber.as_str(), g.enrolmentkey.as_deref()))
            .collect();
        assert_eq!(names, [("Blue", "", None), ("Red", "R1", Some("key"))]);
    });

    backend_test!(
        create_groups_reports_each_error_and_creates_nothing,
        |store: Store| async move {
            let site = TestSite::install(store).await;
            let category = site.category("Science", 0).await;
            let course = site.course("BIO1", category.id).await;
            let caller = site.custom_caller(site.admin.id, &[NAME]).await;
            let first = format!(
                "groups[0][courseid]={}&groups[0][name]=A&groups[0][description]=",
                course.id
            );
            site.call(Some(&caller), NAME, &first).await.unwrap();
            let cases = [
                ("[name]=%20%20", "invalidparameter", "Invalid group name"),
                (
                    "[name]=A",
                    "invalidparameter",
                    "Group with the same name already exists in the course",
                ),
                (
                    "[name]=B&groups[1][visibility]=4",
                    "invalidparameter",
                    "Invalid group visibility provided. Must be one of 0,1,2,3",
                ),
                (
                    "[name]=B&groups[1][descriptionformat]=3",
                    "formatnotsupported",
                    "The format with value=3 is not supported by this Moodle site",
                ),
                ("[name]=B&groups[1][idnumber]=%20X", "idnumbertaken", ""),
            ];
            let second = |rest: &str| {
                format!(
                    "groups[0][courseid]={id}&groups[0][name]=C&groups[0][description]=\
                 &groups[0][idnumber]=X&groups[1][courseid]={id}&groups[1][description]=\
                 &groups[1]{rest}",
                    id = course.id
                )
            };
            for (rest, errorcode, debuginfo) in cases {
                let error = site.call(Some(&caller), NAME, &second(rest)).await.unwrap_err();
                assert_eq!(error.errorcode, errorcode, "{rest}");
                if errorcode == "idnumbertaken" {
                    assert_eq!(error.message, "This ID number is already in use");
                } else {
                    assert_eq!(error.debuginfo.unwrap(), debuginfo.as_bytes(), "{rest}");
                }
                // Atomic: the valid first group of the batch was not created either.
                assert_eq!(site.store().course_groups(course.id).await.unwrap().len(), 1, "{rest}");
            }
            // The same name twice in one batch.
            let args = format!(
                "groups[0][courseid]={id}&groups[0][name]=D&groups[0][description]=\
             &groups[1][courseid]={id}&groups[1][name]=D&groups[1][description]=",
                id = course.id
            );
            let error = site.call(Some(&caller), NAME, &args).await.unwrap_err();
            assert_eq!(error.errorcode, "invalidparameter");
            let error = site
                .call(
                    Some(&caller),
                    NAME,
                    "groups[0][courseid]=999999&groups[0][name]=E&groups[0][description]=",
                )
                .await
                .unwrap_err();
            assert_eq!(error.errorcode, "errorcoursecontextnotvalid");
            assert_eq!(
                error.message,
                "You cannot execute functions in the course context (course id:999999). The context \
             error message was: Invalid parameter value detected"
            );
            assert_eq!(site.store().course_groups(course.id).await.unwrap().len(), 1);
        }
    );

    backend_test!(
        create_groups_requires_entering_the_course_and_the_capability,
        |store: Store| async move {
            let site = TestSite::install(store).await;
            let category = site.category("Science", 0).await;
            let course = site.course("BIO1", category.id).await;
            let args = format!(
                "groups[0][courseid]={}&groups[0][name]=A&groups[0][description]=",
                course.id
            );
            let outsider = site.user("outsider").await;
            let caller = site.custom_caller(outsider.id, &[NAME]).await;
            let error = site.call(Some(&caller), NAME, &args).await.unwrap_err();
            assert_eq!(error.errorcode, "errorcoursecontextnotvalid");
            assert_eq!(
                error.message,
                format!(
                    "You cannot execute functions in the course context (course id:{}). The context \
                 error message was: Course or activity not accessible.",
                    course.id
                )
            );
            let student = site.user("student").await;
            site.enrol(student.id, course.id, 5).await;
            let caller = site.custom_caller(student.id, &[NAME]).await;
            let error = site.call(Some(&caller), NAME, &args).await.unwrap_err();
            assert_eq!(error.errorcode, "nopermissions");
            assert_eq!(
                error.message,
                "Sorry, but you do not currently have permissions to do that (Manage groups)."
            );
            let teacher = site.user("teacher").await;
            site.enrol(teacher.id, course.id, 3).await;
            let caller = site.custom_caller(teacher.id, &[NAME]).await;
            site.call(Some(&caller), NAME, &args).await.unwrap();
            assert_eq!(site.store().course_groups(course.id).await.unwrap().len(), 1);
        }
    );
}
