//! The group functions over HTTP (spec 04 §8.1-§8.4): creating groups, listing them and
//! changing their members, in REST JSON and XML, with Moodle's errors and all-or-nothing
//! batches.

use portico_store::model::Course;
use portico_store::{GroupMembership, NewGroup, Store};
use portico_testkit::backend_test;

use crate::{Site, assert_error};

const CREATE: &str = "core_group_create_groups";
const LIST: &str = "core_group_get_course_groups";
const ADD: &str = "core_group_add_group_members";
const DELETE: &str = "core_group_delete_group_members";

async fn course(site: &Site) -> Course {
    let category = site.category("Science", 0).await;
    site.course("BIO1", category.id).await
}

async fn group_names(site: &Site, courseid: i64) -> Vec<String> {
    site.store().course_groups(courseid).await.unwrap().into_iter().map(|g| g.name).collect()
}

async fn members(site: &Site, groupid: i64) -> Vec<i64> {
    site.store().group_members(groupid).await.unwrap().into_iter().map(|m| m.userid).collect()
}

backend_test!(create_groups_over_rest, |store: Store| async move {
    let site = Site::start(store).await;
    let course = course(&site).await;
    let id = course.id.to_string();
    let token = site.token(site.admin().id, &[CREATE]).await;
    let created = site
        .json(
            &token,
            CREATE,
            &[
                ("groups[0][courseid]", &id),
                ("groups[0][name]", "Red"),
                ("groups[0][description]", "<p>Reds</p>"),
                ("groups[0][enrolmentkey]", "k1"),
                ("groups[0][idnumber]", "R1"),
                ("groups[1][courseid]", &id),
                ("groups[1][name]", "Blue"),
                ("groups[1][description]", ""),
                ("groups[1][visibility]", "1"),
                ("groups[1][participation]", "0"),
            ],
        )
        .await;
    let list = created.as_array().unwrap_or_else(|| panic!("{created}"));
    assert_eq!(list.len(), 2);
    let red = &list[0];
    let keys: Vec<&str> = red.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "id",
            "courseid",
            "name",
            "description",
            "descriptionformat",
            "enrolmentkey",
            "idnumber",
            "visibility",
            "participation"
        ]
    );
    assert_eq!(red["courseid"], course.id);
    assert_eq!(red["description"], "<p>Reds</p>");
    assert_eq!(red["descriptionformat"], 1);
    assert_eq!((red["enrolmentkey"].as_str(), red["idnumber"].as_str()), (Some("k1"), Some("R1")));
    assert_eq!((red["visibility"].as_i64(), red["participation"].as_bool()), (Some(0), Some(true)));
    assert_eq!(
        (list[1]["enrolmentkey"].as_str(), list[1]["idnumber"].as_str()),
        (Some(""), Some(""))
    );
    assert_eq!(list[1]["participation"], false);
    let stored = site.store().group_by_id(red["id"].as_i64().unwrap()).await.unwrap().unwrap();
    assert_eq!((stored.name.as_str(), stored.enrolmentkey.as_deref()), ("Red", Some("k1")));
    let xml = site
        .xml(
            &token,
            CREATE,
            &[
                ("groups[0][courseid]", &id),
                ("groups[0][name]", "Green"),
                ("groups[0][description]", ""),
            ],
        )
        .await;
    assert!(xml.contains("<KEY name=\"name\"><VALUE>Green</VALUE>"), "{xml}");
    assert!(xml.contains("<KEY name=\"participation\"><VALUE>1</VALUE>"), "{xml}");
    assert_eq!(group_names(&site, course.id).await, ["Blue", "Green", "Red"]);
});

backend_test!(create_groups_errors_leave_the_course_unchanged, |store: Store| async move {
    let site = Site::start(store).await;
    let course = course(&site).await;
    let id = course.id.to_string();
    site.store()
        .create_groups(&[NewGroup {
            courseid: course.id,
            name: "Red".into(),
            ..NewGroup::default()
        }])
        .await
        .unwrap();
    let token = site.token(site.admin().id, &[CREATE]).await;
    for (courseid, name, errorcode, message) in [
        (id.as_str(), " ", "invalidparameter", "Invalid parameter value detected".to_owned()),
        (id.as_str(), "Red", "invalidparameter", "Invalid parameter value detected".to_owned()),
        (
            "999999",
            "Green",
            "errorcoursecontextnotvalid",
            "You cannot execute functions in the course context (course id:999999). The context \
             error message was: Invalid parameter value detected"
                .to_owned(),
        ),
    ] {
        let answer = site
            .json(
                &token,
                CREATE,
                &[
                    ("groups[0][courseid]", &id),
                    ("groups[0][name]", "Blue"),
                    ("groups[0][description]", ""),
                    ("groups[1][courseid]", courseid),
                    ("groups[1][name]", name),
                    ("groups[1][description]", ""),
                ],
            )
            .await;
        let class = if errorcode == "invalidparameter" {
            "core\\exception\\invalid_parameter_exception"
        } else {
            "core\\exception\\moodle_exception"
        };
        assert_eq!(assert_error(&answer, class, errorcode), message);
        // The first, valid group of the batch was not created.
        assert_eq!(group_names(&site, course.id).await, ["Red"]);
    }
    let student = site.user("student").await;
    site.enrol(student.id, course.id, 5).await;
    let token = site.token(student.id, &[CREATE]).await;
    let args = [
        ("groups[0][courseid]", id.as_str()),
        ("groups[0][name]", "Blue"),
        ("groups[0][description]", ""),
    ];
    let answer = site.json(&token, CREATE, &args).await;
    let message =
        assert_error(&answer, "core\\exception\\required_capability_exception", "nopermissions");
    assert_eq!(
        message,
        "Sorry, but you do not currently have permissions to do that (Manage groups)."
    );
    assert_eq!(group_names(&site, course.id).await, ["Red"]);
});

backend_test!(get_course_groups_over_rest, |store: Store| async move {
    let site = Site::start(store).await;
    let course = course(&site).await;
    let id = course.id.to_string();
    let mut blue = NewGroup { courseid: course.id, name: "Blue".into(), ..NewGroup::default() };
    blue.enrolmentkey = Some("secret".into());
    blue.description = Some("Blues".into());
    blue.participation = 1;
    let red = NewGroup { courseid: course.id, name: "Red".into(), ..NewGroup::default() };
    site.store().create_groups(&[red, blue]).await.unwrap();
    let teacher = site.user("teacher").await;
    site.enrol(teacher.id, course.id, 3).await;
    let token = site.token(teacher.id, &[LIST]).await;
    let groups = site.json(&token, LIST, &[("courseid", &id)]).await;
    let list = groups.as_array().unwrap_or_else(|| panic!("{groups}"));
    let names: Vec<&str> = list.iter().map(|g| g["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Blue", "Red"]);
    assert_eq!(list[0]["enrolmentkey"], "secret");
    assert_eq!(list[0]["participation"], true);
    assert!(list[1]["enrolmentkey"].is_null(), "{groups}");
    assert_eq!(list[1]["participation"], false);
    let xml = site.xml(&token, LIST, &[("courseid", &id)]).await;
    assert!(xml.contains("<KEY name=\"enrolmentkey\"><VALUE>secret</VALUE>"), "{xml}");
    assert!(xml.contains("<KEY name=\"enrolmentkey\"><VALUE null=\"null\"/>"), "{xml}");
    let student = site.user("student").await;
    site.enrol(student.id, course.id, 5).await;
    let token = site.mobile_token(student.id).await;
    let answer = site.json(&token, LIST, &[("courseid", &id)]).await;
    assert_error(&answer, "core\\exception\\required_capability_exception", "nopermissions");
    let answer = site.json(&token, LIST, &[("courseid", "999999")]).await;
    assert_error(&answer, "core\\exception\\moodle_exception", "errorcoursecontextnotvalid");
});

backend_test!(add_and_delete_group_members_over_rest, |store: Store| async move {
    let site = Site::start(store).await;
    let course = course(&site).await;
    let red = NewGroup { courseid: course.id, name: "Red".into(), ..NewGroup::default() };
    let red = site.store().create_groups(&[red]).await.unwrap().remove(0);
    let (g, ann, bob) = (red.id.to_string(), site.user("ann").await, site.user("bob").await);
    for user in [&ann, &bob] {
        site.enrol(user.id, course.id, 5).await;
    }
    let (a, b) = (ann.id.to_string(), bob.id.to_string());
    let token = site.token(site.admin().id, &[ADD, DELETE]).await;
    let pairs = [
        ("members[0][groupid]", g.as_str()),
        ("members[0][userid]", a.as_str()),
        ("members[1][groupid]", g.as_str()),
        ("members[1][userid]", b.as_str()),
    ];
    assert!(site.json(&token, ADD, &pairs).await.is_null());
    assert_eq!(members(&site, red.id).await, [ann.id, bob.id]);
    let xml = site.xml(&token, DELETE, &pairs[..2]).await;
    assert_eq!(xml, "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<RESPONSE>\n</RESPONSE>\n");
    assert_eq!(members(&site, red.id).await, [bob.id]);
    assert!(site.json(&token, DELETE, &pairs[2..]).await.is_null());
    assert!(members(&site, red.id).await.is_empty());
});

backend_test!(group_member_errors_leave_memberships_unchanged, |store: Store| async move {
    let site = Site::start(store).await;
    let course = course(&site).await;
    let red = NewGroup { courseid: course.id, name: "Red".into(), ..NewGroup::default() };
    let red = site.store().create_groups(&[red]).await.unwrap().remove(0);
    let g = red.id.to_string();
    let ann = site.user("ann").await;
    let carl = site.user("carl").await;
    let stranger = site.user("stranger").await;
    for user in [&ann, &carl] {
        site.enrol(user.id, course.id, 5).await;
    }
    // Carl came in through cohort sync.
    site.store()
        .add_group_members(
            &[GroupMembership { groupid: red.id, userid: carl.id }],
            "enrol_cohort",
            1,
        )
        .await
        .unwrap();
    let (a, c, s) = (ann.id.to_string(), carl.id.to_string(), stranger.id.to_string());
    let token = site.token(site.admin().id, &[ADD, DELETE]).await;
    let add_cases = [
        (
            "999999",
            a.as_str(),
            "dml_missing_record_exception",
            "invalidrecord",
            "Can't find data record in database table groups.",
        ),
        (
            g.as_str(),
            "999999",
            "dml_missing_record_exception",
            "invalidrecord",
            "Can't find data record in database table user.",
        ),
        (
            g.as_str(),
            s.as_str(),
            "core\\exception\\invalid_parameter_exception",
            "invalidparameter",
            "Invalid parameter value detected",
        ),
    ];
    for (groupid, userid, class, errorcode, message) in add_cases {
        let pairs = [
            ("members[0][groupid]", g.as_str()),
            ("members[0][userid]", a.as_str()),
            ("members[1][groupid]", groupid),
            ("members[1][userid]", userid),
        ];
        let answer = site.json(&token, ADD, &pairs).await;
        assert_eq!(assert_error(&answer, class, errorcode), message);
        assert!(site.store().group_member(red.id, ann.id).await.unwrap().is_none());
    }
    site.store()
        .add_group_members(&[GroupMembership { groupid: red.id, userid: ann.id }], "", 0)
        .await
        .unwrap();
    let pairs = [
        ("members[0][groupid]", g.as_str()),
        ("members[0][userid]", a.as_str()),
        ("members[1][groupid]", g.as_str()),
        ("members[1][userid]", c.as_str()),
    ];
    let answer = site.json(&token, DELETE, &pairs).await;
    let message =
        assert_error(&answer, "core\\exception\\moodle_exception", "errorremovenotpermitted");
    assert_eq!(
        message,
        "You do not have permission to remove automatically-added group member Test carl"
    );
    assert_eq!(site.store().group_members(red.id).await.unwrap().len(), 2);
    let token = site.token(ann.id, &[ADD, DELETE]).await;
    for function in [ADD, DELETE] {
        let answer = site.json(&token, function, &pairs[..2]).await;
        let message = assert_error(
            &answer,
            "core\\exception\\required_capability_exception",
            "nopermissions",
        );
        assert_eq!(
            message,
            "Sorry, but you do not currently have permissions to do that (Manage groups)."
        );
    }
    assert_eq!(site.store().group_members(red.id).await.unwrap().len(), 2);
});
