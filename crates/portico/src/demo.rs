//! `portico serve --demo`: a small demo site, made once on a new site, so that a newcomer can
//! try the mobile app or a provisioning script at once.
//!
//! The demo is built only when `--demo` is given and the site was set up in the same run (an
//! empty database); an existing site is never changed. A marker setting (`portico`/`demosite`)
//! records that the demo exists, so later `--demo` runs print the logins again. This module must
//! never run without `--demo`.

use anyhow::Context as _;
use portico_engine::Portico;
use portico_engine::install::{hash_new_password, new_local_user};
use portico_functions::fixtures;
use portico_store::model::{SYSTEM_CONTEXT_ID, User, role_id};
use portico_store::{CohortMembership, GroupMembership, NewCohort, NewGroup, Store};

/// The password of every demo user (it satisfies Moodle's default password policy).
pub(crate) const DEMO_PASSWORD: &str = "Demo-pass-1";

/// The plugin setting that marks a site holding the demo.
const MARKER: (&str, &str) = ("portico", "demosite");

/// The demo's users: username, first name, last name.
const TEACHER: (&str, &str, &str) = ("teacher", "Terry", "Teacher");
const STUDENTS: [(&str, &str, &str); 4] = [
    ("student1", "Sam", "Student"),
    ("student2", "Alex", "Archer"),
    ("student3", "Kim", "Keller"),
    ("student4", "Lou", "Lambert"),
];

/// The demo's courses: short name, full name, summary, start and end relative to now (days).
const COURSES: [(&str, &str, &str, i64, i64); 3] = [
    (
        "ASTRO101",
        "Introduction to Astronomy",
        "<p>Stars, planets and the tools that observe them.</p>",
        -30,
        60,
    ),
    ("WRITE201", "Creative Writing", "<p>Short stories, week by week.</p>", -7, 90),
    ("HIST100", "History of Science", "<p>From Thales to the transistor.</p>", -200, -20),
];

/// Whether the demo exists on `store`.
pub(crate) async fn exists(store: &Store) -> anyhow::Result<bool> {
    Ok(store.get_plugin_config(MARKER.0, MARKER.1).await?.is_some())
}

/// Builds the demo on a new site: a category, three courses (one already ended), a teacher and
/// four students enrolled, a group and a cohort.
pub(crate) async fn create(node: &Portico) -> anyhow::Result<()> {
    let store = &node.store;
    let hash = hash_new_password(DEMO_PASSWORD).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let user = |(username, first, last): (&str, &str, &str)| {
        new_local_user(username, hash.clone(), first, last, &format!("{username}@example.com"))
    };
    let teacher = store.create_user(&user(TEACHER)).await?;
    let mut students: Vec<User> = Vec::new();
    for student in STUDENTS {
        students.push(store.create_user(&user(student)).await?);
    }
    let category = fixtures::category(store, "Demo courses", 0).await?;
    let now = portico_engine::install::now();
    let day = 86_400;
    let mut first_course = None;
    for (shortname, fullname, summary, start, end) in COURSES {
        let mut row = fixtures::course_row(shortname, category.id);
        row.fullname = fullname.to_owned();
        row.summary = Some(summary.to_owned());
        row.startdate = now + start * day;
        row.enddate = now + end * day;
        let new = portico_store::NewCourse { course: row, numsections: 4, format_options: vec![] };
        let settings = node.access.settings().await.context("cannot read the settings")?;
        let enrols = portico_functions::support::default_enrols(&settings);
        let course = store.create_courses(&[new], &enrols).await?.remove(0);
        fixtures::enrol(store, teacher.id, course.id, role_id::EDITINGTEACHER).await?;
        for student in &students {
            fixtures::enrol(store, student.id, course.id, role_id::STUDENT).await?;
        }
        first_course.get_or_insert(course.id);
    }
    // A group of the first two students in the first course.
    if let Some(courseid) = first_course {
        let group = NewGroup {
            courseid,
            name: "Stargazers".to_owned(),
            description: Some("<p>Observing sessions on clear nights.</p>".to_owned()),
            descriptionformat: 1,
            participation: 1,
            ..NewGroup::default()
        };
        let group = store.create_groups(&[group]).await?.remove(0);
        let members: Vec<GroupMembership> = students[..2]
            .iter()
            .map(|student| GroupMembership { groupid: group.id, userid: student.id })
            .collect();
        store.add_group_members(&members, "", 0).await?;
    }
    // A site-wide cohort of every student.
    let cohort = NewCohort {
        contextid: SYSTEM_CONTEXT_ID,
        name: "Demo students".to_owned(),
        idnumber: Some("DEMO-STUDENTS".to_owned()),
        description: String::new(),
        descriptionformat: 1,
        visible: 1,
        component: String::new(),
        theme: String::new(),
    };
    let cohort = store.create_cohorts(&[cohort]).await?.remove(0);
    let members: Vec<CohortMembership> = students
        .iter()
        .map(|student| CohortMembership { cohortid: cohort.id, userid: student.id })
        .collect();
    store.add_cohort_members(&members).await?;
    store.set_plugin_config(MARKER.0, MARKER.1, "1").await?;
    Ok(())
}

/// The lines that tell the operator how to log in to the demo.
pub(crate) fn logins() -> Vec<String> {
    let mut lines = vec![format!(
        "Demo site: every demo user's password is {DEMO_PASSWORD} (service moodle_mobile_app)"
    )];
    lines.push(format!("  teacher:  {} ({} {}, editing teacher)", TEACHER.0, TEACHER.1, TEACHER.2));
    for (username, first, last) in STUDENTS {
        lines.push(format!("  student:  {username} ({first} {last})"));
    }
    lines.push("  group:    Stargazers (student1, student2, in ASTRO101)".to_owned());
    lines.push("  cohort:   Demo students (DEMO-STUDENTS: every student)".to_owned());
    lines.push(format!(
        "  courses:  {}",
        COURSES.iter().map(|c| c.0).collect::<Vec<_>>().join(", ")
    ));
    lines
}
