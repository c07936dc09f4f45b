//! `core_enrol_get_users_courses` (spec 04 §6.1): the courses a user is actively enrolled in,
//! as far as the caller may enter them. The mobile app's main course-list call.
//!
//! It reads every list it needs in a fixed number of statements (courses with contexts, last
//! access, starred courses, preferences, user counts), never one per course. It must never
//! show a course the caller cannot enter, nor another user's private fields (favourites,
//! hidden courses, completion) to a caller who may not see them.

use std::collections::{HashMap, HashSet};

use portico_engine::{CallContext, CallError, CallKind, ExternalFunction};
use portico_macros::Describe;
use portico_schema::param::clean;
use portico_schema::{ParamType, Valid, Value};

use crate::core_user_get_users_by_field::text_of;
use crate::courses::{
    ExternalFile, Nullable, display_name, enter_course, generated_course_image, guest_id,
    restriction,
};
use crate::support::config_or;

/// Get the list of courses where a user is enrolled in
pub struct GetUsersCourses;

/// Parameters of `core_enrol_get_users_courses`.
#[derive(Debug, Describe)]
pub struct Args {
    /// user id
    pub userid: i64,
    /// Include count of enrolled users for each course? This can add several seconds to the
    /// response time if a user is on several large courses, so set this to false if the value
    /// will not be used to improve performance.
    #[describe(
        default = true,
        desc = "Include count of enrolled users for each course? This can add several seconds to the response time if a user is on several large courses, so set this to false if the value will not be used to improve performance."
    )]
    pub returnusercount: bool,
}

/// One course of the list.
#[derive(Debug, Clone, PartialEq, Describe)]
pub struct UserCourse {
    /// id of course
    pub id: i64,
    /// short name of course
    pub shortname: String,
    /// long name of course
    pub fullname: String,
    /// course display name for lists.
    pub displayname: Option<String>,
    /// Number of enrolled users in this course
    pub enrolledusercount: Option<i64>,
    /// id number of course
    pub idnumber: String,
    /// 1 means visible, 0 means not yet visible course
    pub visible: i64,
    /// summary
    pub summary: Option<String>,
    /// summary format (1 = HTML, 0 = MOODLE, 2 = PLAIN, or 4 = MARKDOWN)
    pub summaryformat: Option<i64>,
    /// course format: weeks, topics, social, site
    #[describe(param = Plugin)]
    pub format: Option<String>,
    /// The course image URL
    #[describe(param = Url)]
    pub courseimage: Option<String>,
    /// true if grades are shown, otherwise false
    pub showgrades: Option<bool>,
    /// forced course language
    #[describe(param = Lang)]
    pub lang: Option<String>,
    /// true if completion is enabled, otherwise false
    pub enablecompletion: Option<bool>,
    /// If completion criteria is set.
    pub completionhascriteria: Option<bool>,
    /// If the user is completion tracked.
    pub completionusertracked: Option<bool>,
    /// course category id
    pub category: Option<i64>,
    /// Progress percentage
    #[describe(optional)]
    pub progress: Nullable<f64>,
    /// Whether the course is completed.
    #[describe(optional)]
    pub completed: Nullable<bool>,
    /// Timestamp when the course start
    pub startdate: Option<i64>,
    /// Timestamp when the course end
    pub enddate: Option<i64>,
    /// Course section marker.
    pub marker: Option<i64>,
    /// Last access to the course (timestamp).
    #[describe(optional)]
    pub lastaccess: Nullable<i64>,
    /// If the user marked this course a favourite.
    pub isfavourite: Option<bool>,
    /// If the user hide the course from the dashboard.
    pub hidden: Option<bool>,
    /// Overview files attached to this course.
    pub overviewfiles: Option<Vec<ExternalFile>>,
    /// Whether the activity dates are shown or not
    pub showactivitydates: Nullable<bool>,
    /// Whether the activity completion conditions are shown or not
    pub showcompletionconditions: Nullable<bool>,
    /// Last time course settings were updated (timestamp).
    pub timemodified: Option<i64>,
}

impl ExternalFunction for GetUsersCourses {
    const NAME: &'static str = "core_enrol_get_users_courses";
    const COMPONENT: &'static str = "moodle";
    const DESCRIPTION: &'static str = "Get the list of courses where a user is enrolled in";
    const KIND: CallKind = CallKind::Read;
    const CAPABILITIES: &'static [&'static str] = &["moodle/course:viewparticipants"];
    const SERVICES: &'static [&'static str] = &[portico_engine::install::MOBILE_SERVICE];
    type Args = Args;
    type Returns = Vec<UserCourse>;

    async fn execute(
        context: &CallContext,
        args: Valid<Args>,
    ) -> Result<Vec<UserCourse>, CallError> {
        let Args { userid, returnusercount } = args.into_inner();
        let store = context.store()?;
        let now = crate::now();
        let courses = store.user_courses_listed(userid, now).await?;
        if courses.is_empty() {
            return Ok(Vec::new());
        }
        let sameuser = context.user_id() == userid;
        let favourites: HashSet<i64> = if sameuser {
            store.favourite_itemids(userid, "core_course", "courses").await?.into_iter().collect()
        } else {
            HashSet::new()
        };
        let lastaccess: HashMap<i64, i64> =
            store.course_lastaccess_of_user(userid).await?.into_iter().collect();
        let hidden: HashMap<String, String> = if sameuser {
            store
                .list_user_preferences(userid)
                .await?
                .into_iter()
                .filter(|p| p.name.starts_with("block_myoverview_hidden_course_"))
                .map(|p| (p.name, p.value))
                .collect()
        } else {
            HashMap::new()
        };
        let counts: HashMap<i64, i64> = if returnusercount {
            let guest = guest_id(context).await?;
            store.enrolled_user_counts_for_user(userid, guest).await?.into_iter().collect()
        } else {
            HashMap::new()
        };
        let hiddenfields = config_or(context, "hiddenuserfields", "").await?;
        let lastaccess_hidden = hiddenfields.split(',').any(|field| field == "lastaccess");
        let restriction = restriction(context).await?;
        let access = context.access()?;
        let mut result = Vec::with_capacity(courses.len());
        for listed in &courses {
            // The target user is actively enrolled in every listed course, so the caller is
            // when the caller is the target user.
            let enrolled = sameuser.then_some(true);
            if enter_course(context, listed, &restriction, enrolled).await.is_err() {
                continue;
            }
            let contextid = listed.contextid;
            if !sameuser
                && !context.has_capability("moodle/course:viewparticipants", contextid).await?
                && !context.has_capability("moodle/course:enrolreview", contextid).await?
            {
                continue;
            }
            let course = &listed.course;
            let (mut progress, mut completed) = (None, None);
            let (mut hascriteria, mut tracked) = (false, false);
            // Portico keeps no completion records: an enabled course is never complete, has no
            // criteria, and no activity counts towards progress (Moodle then reports null).
            if course.enablecompletion != 0
                && (sameuser || context.has_capability("report/completion:view", contextid).await?)
            {
                completed = Some(false);
                hascriteria = false;
                tracked = access
                    .has_capability(userid, "moodle/course:isincompletionreports", contextid)
                    .await?;
                progress = None::<f64>;
            }
            let canviewlastaccess = sameuser
                || !lastaccess_hidden
                || context.has_capability("moodle/course:viewhiddenuserfields", contextid).await?;
            let hidden_pref = hidden
                .get(&format!("block_myoverview_hidden_course_{}", course.id))
                .is_some_and(|value| crate::courses::php_truthy(value));
            let lang = text_of(&clean(
                &Value::from(course.lang.as_str()),
                ParamType::Lang,
                context.site(),
            ));
            result.push(UserCourse {
                id: course.id,
                shortname: course.shortname.clone(),
                fullname: course.fullname.clone(),
                displayname: Some(display_name(context, course).await?),
                enrolledusercount: returnusercount
                    .then(|| counts.get(&course.id).copied().unwrap_or(0)),
                idnumber: course.idnumber.clone(),
                visible: course.visible,
                summary: Some(course.summary.clone().unwrap_or_default()),
                summaryformat: Some(course.summaryformat),
                format: Some(course.format.clone()),
                courseimage: Some(generated_course_image(context, contextid)),
                showgrades: Some(course.showgrades != 0),
                lang: Some(lang),
                enablecompletion: Some(course.enablecompletion != 0),
                completionhascriteria: Some(hascriteria),
                completionusertracked: Some(tracked),
                category: Some(course.category),
                progress: Nullable(progress),
                completed: Nullable(completed),
                startdate: Some(course.startdate),
                enddate: Some(course.enddate),
                marker: Some(course.marker),
                lastaccess: Nullable(
                    canviewlastaccess.then(|| lastaccess.get(&course.id).copied()).flatten(),
                ),
                isfavourite: Some(favourites.contains(&course.id)),
                hidden: Some(hidden_pref),
                overviewfiles: Some(Vec::new()),
                showactivitydates: Nullable(Some(course.showactivitydates != 0)),
                showcompletionconditions: Nullable(
                    course.showcompletionconditions.map(|value| value != 0),
                ),
                timemodified: Some(course.timemodified),
            });
        }
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use portico_schema::Value;
    use portico_store::model::{CONTEXT_COURSE, role_id};
    use portico_store::{DefaultEnrol, NewCourse, NewEnrolment, Store};
    use portico_testkit::backend_test;

    use crate::testing::{TestSite, field};

    const NAME: &str = "core_enrol_get_users_courses";

    fn ids(list: &Value) -> Vec<i64> {
        let Value::Array(array) = list else { panic!("a list: {list:?}") };
        array
            .values()
            .map(|course| match field(course, "id") {
                Value::Int(id) => id,
                _ => 0,
            })
            .collect()
    }

    backend_test!(
        users_courses_lists_active_enrolments_with_the_app_fields,
        |store: Store| async move {
            let site = TestSite::install(store).await;
            let category = site.category("Science", 0).await;
            let bio = site.course("BIO1", category.id).await;
            let chem = site.course("CHEM1", category.id).await;
            let other = site.course("OTHER", category.id).await;
            let ann = site.user("ann").await;
            let bob = site.user("bob").await;
            site.enrol(ann.id, bio.id, role_id::STUDENT).await;
            site.enrol(ann.id, chem.id, role_id::STUDENT).await;
            site.enrol(bob.id, bio.id, role_id::STUDENT).await;
            let store = site.store();
            let chem_context =
                store.context_by_instance(CONTEXT_COURSE, chem.id).await.unwrap().unwrap();
            store
                .add_favourite(ann.id, "core_course", "courses", chem.id, chem_context.id)
                .await
                .unwrap();
            store.record_course_access(ann.id, bio.id, 1_700_000_000).await.unwrap();
            store
                .set_user_preference(
                    ann.id,
                    &format!("block_myoverview_hidden_course_{}", bio.id),
                    "1",
                )
                .await
                .unwrap();
            let caller = site.mobile_caller(ann.id).await;
            let list = site.call(Some(&caller), NAME, &format!("userid={}", ann.id)).await.unwrap();
            // CHEM1 was created last, so it sorts first in the category.
            assert_eq!(ids(&list), vec![chem.id, bio.id]);
            let Value::Array(array) = &list else { panic!("a list") };
            let first = array.values().next().unwrap();
            let second = array.values().nth(1).unwrap();
            assert_eq!(field(first, "isfavourite"), Value::Bool(true));
            assert_eq!(field(second, "isfavourite"), Value::Bool(false));
            assert_eq!(field(second, "hidden"), Value::Bool(true));
            assert_eq!(field(second, "lastaccess"), Value::Int(1_700_000_000));
            assert_eq!(field(first, "lastaccess"), Value::Null);
            assert_eq!(field(first, "progress"), Value::Null);
            assert_eq!(field(first, "completed"), Value::Bool(false));
            assert_eq!(field(first, "completionusertracked"), Value::Bool(true));
            assert_eq!(field(second, "enrolledusercount"), Value::Int(2));
            assert_eq!(field(first, "enrolledusercount"), Value::Int(1));
            assert_eq!(field(first, "displayname"), Value::from("Course CHEM1"));
            assert_eq!(field(first, "format"), Value::from("topics"));
            assert_eq!(
                field(first, "courseimage"),
                Value::from(format!(
                    "https://portico.example/pluginfile.php/{}/course/generated/course.svg",
                    chem_context.id
                ))
            );
            assert!(matches!(field(first, "overviewfiles"), Value::Array(a) if a.is_empty()));
            let _ = other;
            let without = site
                .call(Some(&caller), NAME, &format!("userid={}&returnusercount=0", ann.id))
                .await
                .unwrap();
            let Value::Array(array) = &without else { panic!("a list") };
            assert_eq!(field(array.values().next().unwrap(), "enrolledusercount"), Value::Null);
        }
    );

    backend_test!(
        users_courses_of_another_user_needs_entry_and_participants,
        |store: Store| async move {
            let site = TestSite::install(store).await;
            let category = site.category("Science", 0).await;
            let bio = site.course("BIO1", category.id).await;
            let chem = site.course("CHEM1", category.id).await;
            let ann = site.user("ann").await;
            let bob = site.user("bob").await;
            site.enrol(ann.id, bio.id, role_id::STUDENT).await;
            site.enrol(ann.id, chem.id, role_id::STUDENT).await;
            site.enrol(bob.id, bio.id, role_id::STUDENT).await;
            let caller = site.mobile_caller(bob.id).await;
            let list = site.call(Some(&caller), NAME, &format!("userid={}", ann.id)).await.unwrap();
            // Bob shares only BIO1, and sees none of Ann's private fields.
            assert_eq!(ids(&list), vec![bio.id]);
            let Value::Array(array) = &list else { panic!("a list") };
            let course = array.values().next().unwrap();
            assert_eq!(field(course, "isfavourite"), Value::Bool(false));
            assert_eq!(field(course, "completed"), Value::Null);
            let admin = site.custom_caller(site.admin.id, &[NAME]).await;
            let list = site.call(Some(&admin), NAME, &format!("userid={}", ann.id)).await.unwrap();
            assert_eq!(ids(&list), vec![chem.id, bio.id]);
        }
    );

    backend_test!(users_courses_skips_hidden_and_ended_enrolments, |store: Store| async move {
        let site = TestSite::install(store).await;
        let category = site.category("Science", 0).await;
        let bio = site.course("BIO1", category.id).await;
        let mut row = crate::fixtures::course_row("HIDDEN", category.id);
        row.visible = 0;
        let manual = DefaultEnrol {
            enrol: "manual".into(),
            status: 0,
            roleid: role_id::STUDENT,
            ..DefaultEnrol::default()
        };
        let new = NewCourse { course: row, numsections: 1, format_options: vec![] };
        let hidden = site.store().create_courses(&[new], &[manual]).await.unwrap().remove(0);
        let ann = site.user("ann").await;
        site.enrol(ann.id, hidden.id, role_id::STUDENT).await;
        let instance = site.store().enrol_instances(bio.id).await.unwrap().remove(0);
        let ended = NewEnrolment {
            enrolid: instance.id,
            userid: ann.id,
            roleid: role_id::STUDENT,
            timeend: crate::now() - 60,
            ..NewEnrolment::default()
        };
        site.store().enrol_users(&[ended]).await.unwrap();
        let caller = site.mobile_caller(ann.id).await;
        let list = site.call(Some(&caller), NAME, &format!("userid={}", ann.id)).await.unwrap();
        assert!(ids(&list).is_empty());
        // A teacher may see the hidden course.
        let teacher = site.user("teacher").await;
        site.enrol(teacher.id, hidden.id, role_id::EDITINGTEACHER).await;
        let caller = site.mobile_caller(teacher.id).await;
        let list = site.call(Some(&caller), NAME, &format!("userid={}", teacher.id)).await.unwrap();
        assert_eq!(ids(&list), vec![hidden.id]);
    });
}
