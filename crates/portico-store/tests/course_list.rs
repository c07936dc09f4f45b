//! Course lists on both backends: courses with their context and category, a user's active
//! courses with last access, favourites and user counts, course contacts and sections.

use portico_store::model::{CONTEXT_COURSE, Course, MNET_LOCALHOST_ID, SITEID, User, role_id};
use portico_store::{
    CourseFilter, DefaultEnrol, NewCategory, NewCourse, NewEnrolment, Store, StoreError,
};
use portico_testkit::backend_test;

fn user(username: &str, lastname: &str) -> User {
    User {
        auth: "manual".into(),
        confirmed: 1,
        mnethostid: MNET_LOCALHOST_ID,
        username: username.into(),
        password: "$6$rounds=10000$salt$hash".into(),
        firstname: "First".into(),
        lastname: lastname.into(),
        email: format!("{username}@example.com"),
        lang: "en".into(),
        calendartype: "gregorian".into(),
        timezone: "99".into(),
        descriptionformat: 1,
        mailformat: 1,
        maildisplay: 2,
        ..User::default()
    }
}

/// A category with courses `shortnames` (each with sections 0..=2 and a manual instance).
async fn courses(store: &Store, shortnames: &[&str]) -> (i64, Vec<Course>) {
    let category = NewCategory {
        name: "Science".into(),
        parent: 0,
        visible: 1,
        descriptionformat: 1,
        ..NewCategory::default()
    };
    let category = store.create_categories(&[category]).await.unwrap().remove(0);
    let new: Vec<NewCourse> = shortnames
        .iter()
        .map(|shortname| NewCourse {
            course: Course {
                category: category.id,
                fullname: format!("Course {shortname}"),
                shortname: (*shortname).into(),
                format: "topics".into(),
                visible: 1,
                visibleold: 1,
                ..Course::default()
            },
            numsections: 2,
            format_options: vec![("coursedisplay".into(), "1".into())],
        })
        .collect();
    let manual = DefaultEnrol {
        enrol: "manual".into(),
        status: 0,
        roleid: role_id::STUDENT,
        ..DefaultEnrol::default()
    };
    (category.id, store.create_courses(&new, &[manual]).await.unwrap())
}

async fn enrol(store: &Store, userid: i64, courseid: i64, roleid: i64, timeend: i64) {
    let instance = store.enrol_instances(courseid).await.unwrap().remove(0);
    let enrolment =
        NewEnrolment { enrolid: instance.id, userid, roleid, timeend, ..NewEnrolment::default() };
    store.enrol_users(&[enrolment]).await.unwrap();
}

backend_test!(listed_courses_carry_context_and_category, |store: Store| async move {
    let (category, created) = courses(&store, &["BIO1", "CHEM1"]).await;
    let all = store.listed_courses(&CourseFilter::All).await.unwrap();
    let ids: Vec<i64> = all.iter().map(|c| c.course.id).collect();
    assert_eq!(ids, [SITEID, created[0].id, created[1].id]);
    assert_eq!(all[0].categoryname, None);
    assert_eq!(all[1].categoryname.as_deref(), Some("Science"));
    assert_eq!(all[1].categoryvisible, Some(1));
    let context = store.context_by_instance(CONTEXT_COURSE, created[0].id).await.unwrap().unwrap();
    assert_eq!((all[1].contextid, all[1].contextpath.clone()), (context.id, context.path.unwrap()));
    let by_name = store.listed_courses(&CourseFilter::Shortname("CHEM1".into())).await.unwrap();
    assert_eq!(by_name[0].course.id, created[1].id);
    let in_category = store.listed_courses(&CourseFilter::Category(category)).await.unwrap();
    assert_eq!(in_category.len(), 2);
    assert!(store.listed_courses(&CourseFilter::Id(99_999)).await.unwrap().is_empty());
    assert!(store.listed_courses(&CourseFilter::Idnumber("x".into())).await.unwrap().is_empty());
});

backend_test!(user_courses_are_the_active_ones_with_their_extras, |store: Store| async move {
    let (_, created) = courses(&store, &["BIO1", "CHEM1", "OLD"]).await;
    let (bio, chem, old) = (created[0].id, created[1].id, created[2].id);
    let ann = store.create_user(&user("ann", "Ann")).await.unwrap();
    let bob = store.create_user(&user("bob", "Bob")).await.unwrap();
    enrol(&store, ann.id, bio, role_id::STUDENT, 0).await;
    enrol(&store, ann.id, chem, role_id::STUDENT, 0).await;
    enrol(&store, ann.id, old, role_id::STUDENT, 1000).await;
    enrol(&store, bob.id, bio, role_id::STUDENT, 1000).await;
    let now = 2_000_000_000;
    let listed = store.user_courses_listed(ann.id, now).await.unwrap();
    let ids: Vec<i64> = listed.iter().map(|c| c.course.id).collect();
    // The newest course sorts first; the ended enrolment does not count.
    assert_eq!(ids, [chem, bio]);
    // Counts include ended enrolments (Moodle's `get_enrolled_sql` without `onlyactive`).
    let mut counts = store.enrolled_user_counts_for_user(ann.id, 1).await.unwrap();
    counts.sort_unstable();
    assert_eq!(counts, [(bio, 2), (chem, 1), (old, 1)]);
    assert_eq!(store.enrolled_user_count(bio, 1).await.unwrap(), 2);
    store.record_course_access(ann.id, bio, 100).await.unwrap();
    store.record_course_access(ann.id, bio, 200).await.unwrap();
    assert_eq!(store.course_lastaccess_of_user(ann.id).await.unwrap(), [(bio, 200)]);
    let context = store.context_by_instance(CONTEXT_COURSE, chem).await.unwrap().unwrap();
    store.add_favourite(ann.id, "core_course", "courses", chem, context.id).await.unwrap();
    let twice = store.add_favourite(ann.id, "core_course", "courses", chem, context.id).await;
    assert!(matches!(twice, Err(StoreError::Conflict { .. })), "{twice:?}");
    assert_eq!(store.favourite_itemids(ann.id, "core_course", "courses").await.unwrap(), [chem]);
    assert!(store.favourite_itemids(bob.id, "core_course", "courses").await.unwrap().is_empty());
});

backend_test!(contacts_sections_and_format_options, |store: Store| async move {
    let (_, created) = courses(&store, &["BIO1"]).await;
    let bio = created[0].id;
    let zed = store.create_user(&user("zed", "Zed")).await.unwrap();
    let amy = store.create_user(&user("amy", "Amy")).await.unwrap();
    let gone = store.create_user(&user("gone", "Gone")).await.unwrap();
    let ta = store.create_user(&user("ta", "Assistant")).await.unwrap();
    enrol(&store, zed.id, bio, role_id::EDITINGTEACHER, 0).await;
    enrol(&store, amy.id, bio, role_id::EDITINGTEACHER, 0).await;
    enrol(&store, gone.id, bio, role_id::EDITINGTEACHER, 1000).await;
    enrol(&store, ta.id, bio, role_id::TEACHER, 0).await;
    let contacts = store
        .course_contacts(bio, &[role_id::EDITINGTEACHER, role_id::TEACHER], 2_000_000_000)
        .await
        .unwrap();
    let names: Vec<(&str, i64)> =
        contacts.iter().map(|c| (c.lastname.as_str(), c.roleid)).collect();
    assert_eq!(
        names,
        [
            ("Amy", role_id::EDITINGTEACHER),
            ("Zed", role_id::EDITINGTEACHER),
            ("Assistant", role_id::TEACHER)
        ]
    );
    let sections = store.course_sections(bio).await.unwrap();
    let numbers: Vec<i64> = sections.iter().map(|s| s.section).collect();
    assert_eq!(numbers, [0, 1, 2]);
    assert_eq!(sections[0].name, None);
    assert_eq!(
        store.course_format_options(bio, "topics").await.unwrap(),
        [("coursedisplay".to_owned(), "1".to_owned())]
    );
    assert!(store.course_format_options(bio, "weeks").await.unwrap().is_empty());
});
