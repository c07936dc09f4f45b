//! `core_group_get_course_groups` (spec 04 §8.2): every group of one course, by name, for a
//! caller who may manage the course's groups.
//!
//! Names and descriptions are returned as stored (spec 04 §1.8: no filters are run), except
//! that a `NULL` description is `''`, as Moodle's text formatting makes it.

use portico_engine::{CallContext, CallError, CallKind, ExternalFunction};
use portico_macros::Describe;
use portico_schema::Valid;

use crate::groups::{NullableText, course_context};
use crate::support::require_capability;

/// Returns all groups in specified course.
pub struct GetCourseGroups;

/// Parameters of `core_group_get_course_groups`.
#[derive(Debug, Describe)]
pub struct Args {
    /// id of course
    pub courseid: i64,
}

/// A group of the course.
#[derive(Debug, Describe)]
pub struct CourseGroup {
    /// group record id
    pub id: i64,
    /// id of course
    pub courseid: i64,
    /// group name
    #[describe(param = Text)]
    pub name: String,
    /// group description text
    pub description: String,
    /// description format (1 = HTML, 0 = MOODLE, 2 = PLAIN, or 4 = MARKDOWN)
    pub descriptionformat: i64,
    /// group enrol secret phrase
    pub enrolmentkey: NullableText,
    /// id number
    pub idnumber: String,
    /// group visibility mode. 0 = Visible to all. 1 = Visible to members. 2 = See own
    /// membership. 3 = Membership is hidden.
    pub visibility: i64,
    /// participation mode
    pub participation: bool,
}

impl ExternalFunction for GetCourseGroups {
    const NAME: &'static str = "core_group_get_course_groups";
    const COMPONENT: &'static str = "moodle";
    const DESCRIPTION: &'static str = "Returns all groups in specified course.";
    const KIND: CallKind = CallKind::Read;
    const AJAX: bool = true;
    const CAPABILITIES: &'static [&'static str] = &["moodle/course:managegroups"];
    const SERVICES: &'static [&'static str] = &[portico_engine::install::MOBILE_SERVICE];
    type Args = Args;
    type Returns = Vec<CourseGroup>;

    async fn execute(
        context: &CallContext,
        args: Valid<Args>,
    ) -> Result<Vec<CourseGroup>, CallError> {
        let courseid = args.into_inner().courseid;
        let course = course_context(context, courseid).await?;
        require_capability(context, "moodle/course:managegroups", course.id).await?;
        let groups = context.store()?.course_groups(courseid).await?;
        Ok(groups
            .into_iter()
            .map(|group| CourseGroup {
                id: group.id,
                courseid: group.courseid,
                name: group.name,
                // Moodle formats the description: a NULL column comes back as ''.
                description: group.description.unwrap_or_default(),
                descriptionformat: group.descriptionformat,
                enrolmentkey: NullableText(group.enrolmentkey),
                idnumber: group.idnumber,
                visibility: group.visibility,
                participation: group.participation != 0,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use portico_schema::Value;
    use portico_store::{NewGroup, Store};
    use portico_testkit::backend_test;

    use crate::testing::{TestSite, field};

    const NAME: &str = "core_group_get_course_groups";

    backend_test!(get_course_groups_lists_the_groups_by_name, |store: Store| async move {
        let site = TestSite::install(store).await;
        let category = site.category("Science", 0).await;
        let course = site.course("BIO1", category.id).await;
        let other = site.course("BIO2", category.id).await;
        let new = |courseid: i64, name: &str| NewGroup {
            courseid,
            name: name.to_owned(),
            description: Some(format!("About {name}")),
            descriptionformat: 1,
            participation: 1,
            ..NewGroup::default()
        };
        let mut keyed = new(course.id, "Blue");
        keyed.enrolmentkey = Some("secret".into());
        keyed.idnumber = "B1".into();
        site.store()
            .create_groups(&[
                new(course.id, "Red"),
                keyed,
                new(other.id, "Green"),
                NewGroup { description: None, ..new(course.id, "Yellow") },
            ])
            .await
            .unwrap();
        let teacher = site.user("teacher").await;
        site.enrol(teacher.id, course.id, 3).await;
        let caller = site.custom_caller(teacher.id, &[NAME]).await;
        let found =
            site.call(Some(&caller), NAME, &format!("courseid={}", course.id)).await.unwrap();
        let Value::Array(list) = &found else { panic!("a list") };
        let groups: Vec<&Value> = list.values().collect();
        assert_eq!(groups.len(), 3);
        assert_eq!(field(groups[0], "name"), Value::from("Blue"));
        assert_eq!(field(groups[0], "enrolmentkey"), Value::from("secret"));
        assert_eq!(field(groups[0], "idnumber"), Value::from("B1"));
        assert_eq!(field(groups[0], "description"), Value::from("About Blue"));
        assert_eq!(field(groups[0], "participation"), Value::Bool(true));
        assert_eq!(field(groups[1], "name"), Value::from("Red"));
        // No enrolment key was set: Moodle stores and returns NULL.
        assert_eq!(field(groups[1], "enrolmentkey"), Value::Null);
        // A NULL description goes through Moodle's text formatting and comes back as ''.
        assert_eq!(field(groups[2], "description"), Value::from(""));
    });

    backend_test!(
        get_course_groups_refuses_students_and_unknown_courses,
        |store: Store| async move {
            let site = TestSite::install(store).await;
            let category = site.category("Science", 0).await;
            let course = site.course("BIO1", category.id).await;
            let student = site.user("student").await;
            site.enrol(student.id, course.id, 5).await;
            let caller = site.mobile_caller(student.id).await;
            let args = format!("courseid={}", course.id);
            let error = site.call(Some(&caller), NAME, &args).await.unwrap_err();
            assert_eq!(error.errorcode, "nopermissions");
            assert_eq!(
                error.message,
                "Sorry, but you do not currently have permissions to do that (Manage groups)."
            );
            let caller = site.custom_caller(site.admin.id, &[NAME]).await;
            let error = site.call(Some(&caller), NAME, "courseid=999999").await.unwrap_err();
            assert_eq!(error.errorcode, "errorcoursecontextnotvalid");
        }
    );
}
