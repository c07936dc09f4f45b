//! `core_course_delete_courses` (spec 04 §5.5): delete courses one by one, each in its own
//! store transaction, as Moodle does; a course that cannot be deleted becomes a warning.
//!
//! This module owns the order of Moodle's checks (unknown course, course context, permission,
//! deletion) and the exact warnings. It must never delete the site course, and never write
//! except through `Store::delete_course`.

use portico_engine::{CallContext, CallError, CallKind, ExternalFunction};
use portico_macros::Describe;
use portico_schema::{Exception, Valid};
use portico_store::model::{CONTEXT_COURSE, SITEID};

use crate::support::{Warning, validate_context};

/// Deletes all specified courses
pub struct DeleteCourses;

/// Parameters of `core_course_delete_courses`.
#[derive(Debug, Describe)]
#[describe(desc = "")]
pub struct Args {
    /// course ID
    pub courseids: Vec<i64>,
}

/// The result: one warning per course that was not deleted.
#[derive(Debug, Describe)]
#[describe(desc = "")]
pub struct Deleted {
    /// list of warnings
    #[describe(optional)]
    pub warnings: Vec<Warning>,
}

impl ExternalFunction for DeleteCourses {
    const NAME: &'static str = "core_course_delete_courses";
    const COMPONENT: &'static str = "moodle";
    const DESCRIPTION: &'static str = "Deletes all specified courses";
    const KIND: CallKind = CallKind::Write;
    const CAPABILITIES: &'static [&'static str] = &["moodle/course:delete"];
    type Args = Args;
    type Returns = Deleted;

    async fn execute(context: &CallContext, args: Valid<Args>) -> Result<Deleted, CallError> {
        let store = context.store()?;
        let mut warnings = Vec::new();
        for courseid in args.into_inner().courseids {
            let warning =
                |code: &str, message: String| Warning::new("course", courseid, code, message);
            if store.course_by_id(courseid).await?.is_none() {
                warnings.push(warning(
                    "unknowncourseidnumber",
                    format!("Unknown course ID {courseid}"),
                ));
                continue;
            }
            let course_context = store
                .context_by_instance(CONTEXT_COURSE, courseid)
                .await?
                .ok_or_else(|| Exception::invalid_parameter("Context does not exist"))?;
            validate_context(context, &course_context).await?;
            // FIXME(#5): Moodle also lets a course creator delete a course they created in the
            // last day, which needs the course_created event in the log.
            if !context.has_capability("moodle/course:delete", course_context.id).await? {
                warnings.push(warning(
                    "cannotdeletecourse",
                    format!("You do not have the permission to delete this course{courseid}"),
                ));
                continue;
            }
            // Moodle's delete_course refuses the site course.
            let deleted = courseid != SITEID && store.delete_course(courseid).await?;
            if !deleted {
                warnings.push(warning(
                    "cannotdeletecategorycourse",
                    format!("Course {courseid} failed to be deleted"),
                ));
            }
        }
        Ok(Deleted { warnings })
    }
}

#[cfg(test)]
mod tests {
    use portico_schema::Value;
    use portico_store::Store;
    use portico_store::model::CONTEXT_COURSE;
    use portico_testkit::backend_test;

    use crate::testing::{TestSite, field, items};

    const NAME: &str = "core_course_delete_courses";

    fn warnings(result: &Value) -> Vec<(String, String)> {
        items(&field(result, "warnings"))
            .iter()
            .map(|w| {
                let text = |key| field(w, key).as_str().unwrap_or_default().to_owned();
                (text("warningcode"), text("message"))
            })
            .collect()
    }

    backend_test!(delete_courses_deletes_and_warns, |store: Store| async move {
        let site = TestSite::install(store).await;
        let science = site.category("Science", 0).await;
        let bio = site.course("BIO", science.id).await;
        let chem = site.course("CHEM", science.id).await;
        let student = site.user("student").await;
        site.enrol(student.id, bio.id, 5).await;
        let caller = site.custom_caller(site.admin.id, &[NAME]).await;
        let args = format!("courseids[0]={}&courseids[1]=999999&courseids[2]=1", bio.id);
        let result = site.call(Some(&caller), NAME, &args).await.unwrap();
        assert_eq!(
            warnings(&result),
            [
                ("unknowncourseidnumber".to_owned(), "Unknown course ID 999999".to_owned()),
                (
                    "cannotdeletecategorycourse".to_owned(),
                    "Course 1 failed to be deleted".to_owned()
                )
            ]
        );
        let store = site.store();
        assert!(store.course_by_id(bio.id).await.unwrap().is_none());
        assert!(store.context_by_instance(CONTEXT_COURSE, bio.id).await.unwrap().is_none());
        assert!(store.enrol_instances(bio.id).await.unwrap().is_empty());
        assert!(store.course_section_numbers(bio.id).await.unwrap().is_empty());
        assert!(!store.is_enrolled(bio.id, student.id, false, crate::now()).await.unwrap());
        assert!(store.role_assignments_of_user(student.id).await.unwrap().is_empty());
        assert!(store.course_by_id(chem.id).await.unwrap().is_some());
        assert!(store.course_by_id(1).await.unwrap().is_some());
        assert_eq!(store.category_by_id(science.id).await.unwrap().unwrap().coursecount, 1);
    });

    backend_test!(delete_courses_warns_without_the_capability, |store: Store| async move {
        let site = TestSite::install(store).await;
        let science = site.category("Science", 0).await;
        let bio = site.course("BIO", science.id).await;
        let teacher = site.user("teacher").await;
        site.enrol(teacher.id, bio.id, 3).await;
        let caller = site.custom_caller(teacher.id, &[NAME]).await;
        let args = format!("courseids[0]={}", bio.id);
        let result = site.call(Some(&caller), NAME, &args).await.unwrap();
        assert_eq!(
            warnings(&result),
            [(
                "cannotdeletecourse".to_owned(),
                format!("You do not have the permission to delete this course{}", bio.id)
            )]
        );
        assert!(site.store().course_by_id(bio.id).await.unwrap().is_some());
        // A course the caller cannot enter fails the whole call.
        let outsider = site.user("outsider").await;
        let caller = site.custom_caller(outsider.id, &[NAME]).await;
        let error = site.call(Some(&caller), NAME, &args).await.unwrap_err();
        assert_eq!(error.errorcode, "requireloginerror");
    });
    #[test]
    fn delete_courses_returns_moodles_external_warnings() {
        crate::testing::assert_declares_warnings(NAME);
    }
}
