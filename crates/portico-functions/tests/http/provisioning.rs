//! The provisioning scenario of issue 5, as a student information system runs it every night,
//! entirely over REST JSON with an administrator's token: 2 categories, 20 courses, 200 users,
//! enrolments with roles, groups and members; everything read back by field; then some users
//! and courses updated, some enrolments removed, some users and courses deleted; the final
//! state checked row by row in the store.

use std::collections::{BTreeMap, BTreeSet};

use portico_store::Store;
use portico_store::model::{CONTEXT_COURSE, MNET_LOCALHOST_ID, role_id};
use portico_testkit::backend_test;
use serde_json::Value as Json;

use crate::Site;

const USERS: usize = 200;
const COURSES: usize = 20;

/// Every function the scenario calls.
const FUNCTIONS: &[&str] = &[
    "core_course_create_categories",
    "core_course_create_courses",
    "core_course_delete_courses",
    "core_course_get_courses_by_field",
    "core_course_update_courses",
    "core_enrol_get_enrolled_users",
    "core_group_add_group_members",
    "core_group_create_groups",
    "core_group_get_course_groups",
    "core_user_create_users",
    "core_user_delete_users",
    "core_user_get_users_by_field",
    "core_user_update_users",
    "enrol_manual_enrol_users",
    "enrol_manual_unenrol_users",
];

/// Calls `function` with owned argument pairs and returns the JSON answer, failing on any
/// exception.
async fn call(site: &Site, token: &str, function: &str, args: &[(String, String)]) -> Json {
    let pairs: Vec<(&str, &str)> = args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let answer = site.json(token, function, &pairs).await;
    assert!(answer.get("exception").is_none(), "{function}: {answer}");
    answer
}

/// `(key, value)` with a formatted key.
fn arg(key: impl Into<String>, value: impl ToString) -> (String, String) {
    (key.into(), value.to_string())
}

/// The student `n`'s courses: two of the twenty.
fn courses_of(n: usize) -> [usize; 2] {
    [n % COURSES, (n * 7 + 3) % COURSES]
}

backend_test!(
    a_nightly_provisioning_run_leaves_exactly_the_expected_rows,
    |store: Store| async move {
        let site = Site::start(store).await;
        let token = site.token(site.admin().id, FUNCTIONS).await;

        // Two categories.
        let args = vec![
            arg("categories[0][name]", "Sciences"),
            arg("categories[0][idnumber]", "SCI"),
            arg("categories[1][name]", "Humanities"),
            arg("categories[1][idnumber]", "HUM"),
            arg("categories[1][description]", "<p>Languages and history</p>"),
        ];
        let categories = call(&site, &token, "core_course_create_categories", &args).await;
        let categoryids: Vec<i64> =
            categories.as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
        assert_eq!(categories[1]["name"], "Humanities");

        // Twenty courses, alternating between the categories.
        let mut args = Vec::new();
        for i in 0..COURSES {
            args.push(arg(format!("courses[{i}][fullname]"), format!("Course number {i}")));
            args.push(arg(format!("courses[{i}][shortname]"), format!("C{i:02}")));
            args.push(arg(format!("courses[{i}][categoryid]"), categoryids[i % 2]));
            args.push(arg(format!("courses[{i}][idnumber]"), format!("SIS-C{i:02}")));
            args.push(arg(format!("courses[{i}][numsections]"), 3));
        }
        let created = call(&site, &token, "core_course_create_courses", &args).await;
        let courseids: Vec<i64> =
            created.as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
        assert_eq!(courseids.len(), COURSES);
        assert_eq!(created[7]["shortname"], "C07");

        // Two hundred users, in one batch as an SIS sends them.
        let mut args = Vec::new();
        for n in 0..USERS {
            args.push(arg(format!("users[{n}][username]"), format!("s{n:03}")));
            args.push(arg(format!("users[{n}][password]"), format!("Pass-{n:03}-word")));
            args.push(arg(format!("users[{n}][firstname]"), format!("First{n}")));
            args.push(arg(format!("users[{n}][lastname]"), format!("Last{n}")));
            args.push(arg(format!("users[{n}][email]"), format!("s{n:03}@school.example")));
            args.push(arg(format!("users[{n}][idnumber]"), format!("SIS-U{n:03}")));
        }
        let users = call(&site, &token, "core_user_create_users", &args).await;
        let userids: Vec<i64> =
            users.as_array().unwrap().iter().map(|u| u["id"].as_i64().unwrap()).collect();
        assert_eq!(userids.len(), USERS);
        assert_eq!(users[199]["username"], "s199");

        // Enrolments: the first twenty users teach one course each, everyone studies in two.
        let mut args = Vec::new();
        let mut row = 0;
        let mut push =
            |args: &mut Vec<(String, String)>, roleid: i64, userid: i64, courseid: i64| {
                args.push(arg(format!("enrolments[{row}][roleid]"), roleid));
                args.push(arg(format!("enrolments[{row}][userid]"), userid));
                args.push(arg(format!("enrolments[{row}][courseid]"), courseid));
                row += 1;
            };
        for (i, courseid) in courseids.iter().enumerate() {
            push(&mut args, role_id::EDITINGTEACHER, userids[i], *courseid);
        }
        for (n, userid) in userids.iter().enumerate().skip(COURSES) {
            for c in courses_of(n) {
                push(&mut args, role_id::STUDENT, *userid, courseids[c]);
            }
        }
        let answer = call(&site, &token, "enrol_manual_enrol_users", &args).await;
        assert_eq!(answer, Json::Null);

        // Two groups per course; each student joins a group of each of their courses.
        let mut args = Vec::new();
        for (i, courseid) in courseids.iter().enumerate() {
            for g in 0..2 {
                args.push(arg(format!("groups[{}][courseid]", i * 2 + g), courseid));
                args.push(arg(format!("groups[{}][name]", i * 2 + g), format!("Group {g}")));
                args.push(arg(format!("groups[{}][description]", i * 2 + g), ""));
            }
        }
        let groups = call(&site, &token, "core_group_create_groups", &args).await;
        let groupids: Vec<i64> =
            groups.as_array().unwrap().iter().map(|g| g["id"].as_i64().unwrap()).collect();
        assert_eq!(groupids.len(), COURSES * 2);
        let mut args = Vec::new();
        let mut expected_members: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
        for (n, userid) in userids.iter().enumerate().skip(COURSES) {
            for c in courses_of(n) {
                let groupid = groupids[c * 2 + n % 2];
                let k = args.len() / 2;
                args.push(arg(format!("members[{k}][groupid]"), groupid));
                args.push(arg(format!("members[{k}][userid]"), userid));
                expected_members.entry(groupid).or_default().insert(*userid);
            }
        }
        call(&site, &token, "core_group_add_group_members", &args).await;

        // Read everything back by field.
        let mut args = vec![arg("field", "username")];
        for n in 0..USERS {
            args.push(arg(format!("values[{n}]"), format!("s{n:03}")));
        }
        let found = call(&site, &token, "core_user_get_users_by_field", &args).await;
        let found = found.as_array().unwrap();
        assert_eq!(found.len(), USERS);
        assert_eq!(found[42]["idnumber"], "SIS-U042");
        assert_eq!(found[42]["email"], "s042@school.example");
        assert_eq!(found[42]["fullname"], "First42 Last42");
        let ids: Vec<String> = courseids.iter().map(i64::to_string).collect();
        let args = vec![arg("field", "ids"), arg("value", ids.join(","))];
        let courses = call(&site, &token, "core_course_get_courses_by_field", &args).await;
        let courses = courses["courses"].as_array().unwrap();
        assert_eq!(courses.len(), COURSES);
        assert_eq!(courses[3]["shortname"], "C03");
        assert_eq!(courses[3]["idnumber"], "SIS-C03");
        assert_eq!(courses[3]["categoryname"], "Humanities");
        let course = courseids[5];
        let enrolled =
            call(&site, &token, "core_enrol_get_enrolled_users", &[arg("courseid", course)]).await;
        let enrolled = enrolled.as_array().unwrap();
        let students = (COURSES..USERS).filter(|n| courses_of(*n).contains(&5)).count();
        assert_eq!(enrolled.len(), students + 1);
        let teacher = enrolled.iter().find(|u| u["id"] == userids[5]).unwrap();
        assert_eq!(teacher["roles"][0]["shortname"], "editingteacher");
        let listed =
            call(&site, &token, "core_group_get_course_groups", &[arg("courseid", course)]).await;
        let names: Vec<&str> =
            listed.as_array().unwrap().iter().map(|g| g["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["Group 0", "Group 1"]);

        // Updates: ten users get new e-mail addresses, five courses new names.
        let mut args = Vec::new();
        for (k, userid) in userids[100..110].iter().enumerate() {
            args.push(arg(format!("users[{k}][id]"), userid));
            args.push(arg(format!("users[{k}][email]"), format!("moved{k}@school.example")));
        }
        call(&site, &token, "core_user_update_users", &args).await;
        let mut args = Vec::new();
        for (k, courseid) in courseids[10..15].iter().enumerate() {
            args.push(arg(format!("courses[{k}][id]"), courseid));
            args.push(arg(format!("courses[{k}][fullname]"), format!("Renamed course {k}")));
        }
        let updated = call(&site, &token, "core_course_update_courses", &args).await;
        assert_eq!(updated["warnings"], serde_json::json!([]));

        // Removals: five students leave course 0, ten users and two courses are deleted.
        let leaving: Vec<i64> = (COURSES..USERS)
            .filter(|n| courses_of(*n).contains(&0))
            .take(5)
            .map(|n| userids[n])
            .collect();
        let mut args = Vec::new();
        for (k, userid) in leaving.iter().enumerate() {
            args.push(arg(format!("enrolments[{k}][userid]"), userid));
            args.push(arg(format!("enrolments[{k}][courseid]"), courseids[0]));
        }
        call(&site, &token, "enrol_manual_unenrol_users", &args).await;
        let deleted_users: Vec<i64> = userids[190..200].to_vec();
        let args: Vec<(String, String)> = deleted_users
            .iter()
            .enumerate()
            .map(|(k, id)| arg(format!("userids[{k}]"), id))
            .collect();
        call(&site, &token, "core_user_delete_users", &args).await;
        let deleted_courses = [courseids[18], courseids[19]];
        let args: Vec<(String, String)> = deleted_courses
            .iter()
            .enumerate()
            .map(|(k, id)| arg(format!("courseids[{k}]"), id))
            .collect();
        let deleted = call(&site, &token, "core_course_delete_courses", &args).await;
        assert_eq!(deleted["warnings"], serde_json::json!([]));

        // The final state, row by row.
        let store = site.store();
        for (n, userid) in userids.iter().enumerate() {
            let user = store.user_by_id(*userid).await.unwrap().unwrap();
            let gone = deleted_users.contains(userid);
            assert_eq!(user.deleted, i64::from(gone), "s{n:03}");
            if gone {
                assert_ne!(user.username, format!("s{n:03}"));
                assert!(
                    store
                        .user_by_username(&format!("s{n:03}"), MNET_LOCALHOST_ID)
                        .await
                        .unwrap()
                        .is_none()
                );
                continue;
            }
            assert_eq!(
                (user.username.as_str(), user.idnumber.as_str()),
                (format!("s{n:03}").as_str(), format!("SIS-U{n:03}").as_str())
            );
            let email = if (100..110).contains(&n) {
                format!("moved{}@school.example", n - 100)
            } else {
                format!("s{n:03}@school.example")
            };
            assert_eq!(user.email, email, "s{n:03}");
        }
        for (i, courseid) in courseids.iter().enumerate() {
            let course = store.course_by_id(*courseid).await.unwrap();
            if deleted_courses.contains(courseid) {
                assert!(course.is_none(), "C{i:02} is deleted");
                assert!(
                    store.context_by_instance(CONTEXT_COURSE, *courseid).await.unwrap().is_none()
                );
                assert!(store.course_groups(*courseid).await.unwrap().is_empty());
                continue;
            }
            let course = course.unwrap();
            let fullname = if (10..15).contains(&i) {
                format!("Renamed course {}", i - 10)
            } else {
                format!("Course number {i}")
            };
            assert_eq!(
                (course.fullname.as_str(), course.category),
                (fullname.as_str(), categoryids[i % 2])
            );
            // Exactly the expected people are enrolled, with their roles.
            for (n, userid) in userids.iter().enumerate() {
                let enrolled = store.is_enrolled(*courseid, *userid, false, 0).await.unwrap();
                let expected = !deleted_users.contains(userid)
                    && (n == i
                        || (n >= COURSES
                            && courses_of(n).contains(&i)
                            && !(i == 0 && leaving.contains(userid))));
                assert_eq!(enrolled, expected, "s{n:03} in C{i:02}");
            }
            // Group members: the expected students still enrolled.
            for g in 0..2 {
                let groupid = groupids[i * 2 + g];
                let members: BTreeSet<i64> =
                    store.group_members(groupid).await.unwrap().iter().map(|m| m.userid).collect();
                let expected: BTreeSet<i64> = expected_members
                    .get(&groupid)
                    .into_iter()
                    .flatten()
                    .copied()
                    .filter(|u| !(deleted_users.contains(u) || (i == 0 && leaving.contains(u))))
                    .collect();
                assert_eq!(members, expected, "members of group {g} of C{i:02}");
            }
        }
        let categories = store.list_categories().await.unwrap();
        let counts: Vec<(String, i64)> =
            categories.iter().skip(1).map(|c| (c.name.clone(), c.coursecount)).collect();
        assert_eq!(counts, [("Sciences".to_owned(), 9), ("Humanities".to_owned(), 9)]);
    }
);
