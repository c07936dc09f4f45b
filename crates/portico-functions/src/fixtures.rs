//! Building blocks for sites with content: a category, a course as Moodle's `create_course`
//! makes it, a manual enrolment. The demo site (`portico serve --demo`) and the tests build
//! their data with these; the web-service functions do their own checks and call the store.

use portico_engine::Portico;
use portico_store::model::{Course, CourseCategory};
use portico_store::{NewCategory, NewCourse, NewEnrolment, Store, StoreError};

/// Creates a visible category `name`, top level when `parent` is 0.
pub async fn category(
    store: &Store,
    name: &str,
    parent: i64,
) -> Result<CourseCategory, StoreError> {
    let new = NewCategory {
        name: name.to_owned(),
        parent,
        visible: 1,
        descriptionformat: 1,
        ..NewCategory::default()
    };
    Ok(store.create_categories(&[new]).await?.remove(0))
}

/// A visible course row `shortname` in `category` with Moodle's defaults for new courses
/// (topics format, completion on, grades shown, 5 news items), named `Course <shortname>`.
pub fn course_row(shortname: &str, category: i64) -> Course {
    Course {
        category,
        fullname: format!("Course {shortname}"),
        shortname: shortname.to_owned(),
        summary: Some(String::new()),
        summaryformat: 1,
        format: "topics".to_owned(),
        showgrades: 1,
        newsitems: 5,
        visible: 1,
        visibleold: 1,
        enablecompletion: 1,
        showactivitydates: 1,
        showcompletionconditions: Some(1),
        ..Course::default()
    }
}

/// Creates [`course_row`] with 4 sections after the general one and the site's default
/// enrolment instances.
pub async fn course(node: &Portico, shortname: &str, category: i64) -> Result<Course, StoreError> {
    let settings = node.access.settings().await.map_err(|e| StoreError::Internal(e.to_string()))?;
    let enrols = crate::support::default_enrols(&settings);
    let new = NewCourse {
        course: course_row(shortname, category),
        numsections: 4,
        format_options: vec![],
    };
    Ok(node.store.create_courses(&[new], &enrols).await?.remove(0))
}

/// Enrols `userid` in `courseid` through the course's first manual instance, with role
/// `roleid` (0 for none).
pub async fn enrol(
    store: &Store,
    userid: i64,
    courseid: i64,
    roleid: i64,
) -> Result<(), StoreError> {
    let instances = store.enrol_instances(courseid).await?;
    let manual = instances
        .iter()
        .find(|e| e.enrol == "manual")
        .ok_or(StoreError::NotFound { entity: "enrol", id: courseid })?;
    let enrolment = NewEnrolment { enrolid: manual.id, userid, roleid, ..NewEnrolment::default() };
    store.enrol_users(&[enrolment]).await
}
