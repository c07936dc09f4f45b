//! The enrolment and role functions over HTTP: `enrol_manual_enrol_users`,
//! `enrol_manual_unenrol_users`, `enrol_self_enrol_user`, `enrol_self_get_instance_info`,
//! `core_role_assign_roles`, `core_role_unassign_roles` and `core_enrol_get_enrolled_users`,
//! with bracket-encoded parameters as clients send them, in REST JSON and XML.

use portico_store::Store;
use portico_store::model::{CONTEXT_COURSE, Enrol, role_id};
use portico_store::{GroupMembership, NewGroup};
use portico_testkit::backend_test;
use serde_json::{Value as Json, json};

use crate::{Site, assert_error};

const ENROL: &str = "enrol_manual_enrol_users";
const UNENROL: &str = "enrol_manual_unenrol_users";
const SELF_ENROL: &str = "enrol_self_enrol_user";
const INFO: &str = "enrol_self_get_instance_info";
const ASSIGN: &str = "core_role_assign_roles";
const UNASSIGN: &str = "core_role_unassign_roles";
const PARTICIPANTS: &str = "core_enrol_get_enrolled_users";

fn nopermissions(answer: &Json, capability: &str) {
    let message =
        assert_error(answer, "core\\exception\\required_capability_exception", "nopermissions");
    assert_eq!(
        message,
        format!("Sorry, but you do not currently have permissions to do that ({capability}).")
    );
}

backend_test!(manual_enrolment_over_rest, |store: Store| async move {
    let site = Site::start(store).await;
    let category = site.category("Science", 0).await;
    let course = site.course("BIO1", category.id).await;
    let (ann, bob) = (site.user("ann").await, site.user("bob").await);
    let token = site.token(site.admin().id, &[ENROL, UNENROL]).await;
    let (course_id, ann_id, bob_id) =
        (course.id.to_string(), ann.id.to_string(), bob.id.to_string());
    let answer = site
        .json(
            &token,
            ENROL,
            &[
                ("enrolments[0][roleid]", "5"),
                ("enrolments[0][userid]", &ann_id),
                ("enrolments[0][courseid]", &course_id),
                ("enrolments[0][timestart]", "0"),
                ("enrolments[0][suspend]", "0"),
            ],
        )
        .await;
    assert_eq!(answer, Json::Null);
    assert!(site.store().is_enrolled(course.id, ann.id, false, 0).await.unwrap());
    // Moodle answers a function without a return value with an empty RESPONSE in XML.
    let xml = site
        .xml(
            &token,
            ENROL,
            &[
                ("enrolments[0][roleid]", "5"),
                ("enrolments[0][userid]", &bob_id),
                ("enrolments[0][courseid]", &course_id),
            ],
        )
        .await;
    assert!(!xml.contains("EXCEPTION"), "{xml}");
    assert!(site.store().is_enrolled(course.id, bob.id, false, 0).await.unwrap());
    // A batch with one bad row changes nothing.
    let carl = site.user("carl").await;
    let carl_id = carl.id.to_string();
    let answer = site
        .json(
            &token,
            ENROL,
            &[
                ("enrolments[0][roleid]", "5"),
                ("enrolments[0][userid]", &carl_id),
                ("enrolments[0][courseid]", &course_id),
                ("enrolments[1][roleid]", "999999"),
                ("enrolments[1][userid]", &carl_id),
                ("enrolments[1][courseid]", &course_id),
            ],
        )
        .await;
    let message = assert_error(&answer, "core\\exception\\moodle_exception", "wsusercannotassign");
    assert_eq!(
        message,
        format!(
            "You don't have the permission to assign this role (999999) to this user ({}) in \
             this course ({}).",
            carl.id, course.id
        )
    );
    assert!(!site.store().is_enrolled(course.id, carl.id, false, 0).await.unwrap());
    let answer = site
        .json(
            &token,
            ENROL,
            &[
                ("enrolments[0][roleid]", "5"),
                ("enrolments[0][userid]", &carl_id),
                ("enrolments[0][courseid]", "999999"),
            ],
        )
        .await;
    assert_error(&answer, "core\\exception\\invalid_parameter_exception", "invalidparameter");
    // Unenrol: a missing user fails the batch; then both leave.
    let answer = site
        .json(
            &token,
            UNENROL,
            &[
                ("enrolments[0][userid]", &ann_id),
                ("enrolments[0][courseid]", &course_id),
                ("enrolments[1][userid]", "999999"),
                ("enrolments[1][courseid]", &course_id),
            ],
        )
        .await;
    assert_error(&answer, "core\\exception\\invalid_parameter_exception", "invalidparameter");
    assert!(site.store().is_enrolled(course.id, ann.id, false, 0).await.unwrap());
    let answer = site
        .json(
            &token,
            UNENROL,
            &[
                ("enrolments[0][userid]", &ann_id),
                ("enrolments[0][courseid]", &course_id),
                ("enrolments[1][userid]", &bob_id),
                ("enrolments[1][courseid]", &course_id),
            ],
        )
        .await;
    assert_eq!(answer, Json::Null);
    assert!(!site.store().is_enrolled(course.id, ann.id, false, 0).await.unwrap());
    assert!(!site.store().is_enrolled(course.id, bob.id, false, 0).await.unwrap());
    let answer = site
        .json(
            &token,
            UNENROL,
            &[("enrolments[0][userid]", &ann_id), ("enrolments[0][courseid]", "999999")],
        )
        .await;
    let message = assert_error(&answer, "dml_missing_record_exception", "invalidrecord");
    assert_eq!(message, "Can't find data record in database table course.");
});

backend_test!(manual_enrolment_errors_over_rest, |store: Store| async move {
    let site = Site::start(store).await;
    let category = site.category("Science", 0).await;
    let course = site.course("BIO1", category.id).await;
    let student = site.user("student").await;
    site.enrol(student.id, course.id, role_id::STUDENT).await;
    let (course_id, student_id) = (course.id.to_string(), student.id.to_string());
    let row = [
        ("enrolments[0][roleid]", "5"),
        ("enrolments[0][userid]", student_id.as_str()),
        ("enrolments[0][courseid]", course_id.as_str()),
    ];
    let token = site.token(student.id, &[ENROL, UNENROL]).await;
    nopermissions(&site.json(&token, ENROL, &row).await, "Enrol users");
    nopermissions(&site.json(&token, UNENROL, &row[1..]).await, "Unenrol users from the course");
    let admin = site.token(site.admin().id, &[ENROL]).await;
    site.store().set_config("enrol_plugins_enabled", "self").await.unwrap();
    // A disabled manual plugin hides the manual instances (Moodle's enrol_get_instances).
    let answer = site.json(&admin, ENROL, &row).await;
    let message = assert_error(&answer, "core\\exception\\moodle_exception", "wsnoinstance");
    assert_eq!(
        message,
        format!(
            "Manual enrolment plugin instance doesn't exist or is disabled for the course (id = {})",
            course.id
        )
    );
    // A course created without a manual instance.
    let other = site.course("NOMANUAL", category.id).await;
    site.store().set_config("enrol_plugins_enabled", "manual,self").await.unwrap();
    let other_id = other.id.to_string();
    let answer = site
        .json(
            &admin,
            ENROL,
            &[
                ("enrolments[0][roleid]", "5"),
                ("enrolments[0][userid]", &student_id),
                ("enrolments[0][courseid]", &other_id),
            ],
        )
        .await;
    let message = assert_error(&answer, "core\\exception\\moodle_exception", "wsnoinstance");
    assert_eq!(
        message,
        format!(
            "Manual enrolment plugin instance doesn't exist or is disabled for the course (id = {})",
            other.id
        )
    );
});

backend_test!(self_enrolment_over_rest, |store: Store| async move {
    let site = Site::start(store).await;
    let category = site.category("Science", 0).await;
    let course = site.course("BIO1", category.id).await;
    let ann = site.user("ann").await;
    let token = site.mobile_token(ann.id).await;
    let course_id = course.id.to_string();
    // The default self instance is disabled.
    let answer = site.json(&token, SELF_ENROL, &[("courseid", &course_id)]).await;
    let message = assert_error(&answer, "core\\exception\\moodle_exception", "canntenrol");
    assert_eq!(message, "Enrolment is disabled or inactive");
    let answer = site.json(&token, SELF_ENROL, &[("courseid", "999999")]).await;
    assert_error(&answer, "dml_missing_record_exception", "invalidrecord");
    let instance: Enrol = site
        .store()
        .enrol_instances(course.id)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.enrol == "self")
        .unwrap();
    let enabled = Enrol {
        status: 0,
        password: Some("Secret".into()),
        customint6: Some(1),
        ..instance.clone()
    };
    site.store().update_enrol_instance(&enabled).await.unwrap();
    let instance_id = instance.id.to_string();
    let info = site.json(&token, INFO, &[("instanceid", &instance_id)]).await;
    assert_eq!(
        info,
        json!({"id": instance.id, "courseid": course.id, "type": "self",
            "name": "Self enrolment (Student)", "status": true, "enrolpassword": "Enrolment key"})
    );
    let answer =
        site.json(&token, SELF_ENROL, &[("courseid", &course_id), ("password", "nope")]).await;
    assert_eq!(
        answer,
        json!({"status": false, "warnings": [{"item": "instance", "itemid": instance.id,
            "warningcode": "4", "message": "Incorrect enrolment key, please try again"}]})
    );
    let xml =
        site.xml(&token, SELF_ENROL, &[("courseid", &course_id), ("password", "Secret")]).await;
    assert!(xml.contains("<KEY name=\"status\"><VALUE>1</VALUE>"), "{xml}");
    assert!(site.store().is_enrolled(course.id, ann.id, false, 0).await.unwrap());
    // No self instance with that id.
    let answer =
        site.json(&token, SELF_ENROL, &[("courseid", &course_id), ("instanceid", "999999")]).await;
    assert_error(&answer, "core\\exception\\moodle_exception", "canntenrol");
});

backend_test!(role_assignment_over_rest, |store: Store| async move {
    let site = Site::start(store).await;
    let category = site.category("Science", 0).await;
    let course = site.course("BIO1", category.id).await;
    let ann = site.user("ann").await;
    let context =
        site.store().context_by_instance(CONTEXT_COURSE, course.id).await.unwrap().unwrap();
    let token = site.token(site.admin().id, &[ASSIGN, UNASSIGN]).await;
    let (ann_id, course_id, context_id) =
        (ann.id.to_string(), course.id.to_string(), context.id.to_string());
    let answer = site
        .json(
            &token,
            ASSIGN,
            &[
                ("assignments[0][roleid]", "4"),
                ("assignments[0][userid]", &ann_id),
                ("assignments[0][contextlevel]", "course"),
                ("assignments[0][instanceid]", &course_id),
                ("assignments[1][roleid]", "5"),
                ("assignments[1][userid]", &ann_id),
                ("assignments[1][contextid]", &context_id),
            ],
        )
        .await;
    assert_eq!(answer, Json::Null);
    assert_eq!(site.store().role_assignments_in_context(context.id).await.unwrap().len(), 2);
    // Atomic: a bad second row leaves the first unassigned.
    let answer = site
        .json(
            &token,
            UNASSIGN,
            &[
                ("unassignments[0][roleid]", "4"),
                ("unassignments[0][userid]", &ann_id),
                ("unassignments[0][contextid]", &context_id),
                ("unassignments[1][roleid]", "5"),
                ("unassignments[1][userid]", &ann_id),
            ],
        )
        .await;
    assert_error(&answer, "core\\exception\\invalid_parameter_exception", "invalidparameter");
    assert_eq!(site.store().role_assignments_in_context(context.id).await.unwrap().len(), 2);
    let xml = site
        .xml(
            &token,
            UNASSIGN,
            &[
                ("unassignments[0][roleid]", "4"),
                ("unassignments[0][userid]", &ann_id),
                ("unassignments[0][contextlevel]", "50"),
                ("unassignments[0][instanceid]", &course_id),
            ],
        )
        .await;
    assert!(!xml.contains("EXCEPTION"), "{xml}");
    let left = site.store().role_assignments_in_context(context.id).await.unwrap();
    assert_eq!(left.iter().map(|a| a.roleid).collect::<Vec<_>>(), [role_id::STUDENT]);
    // Errors: unknown level, missing context, no capability.
    let answer = site
        .json(
            &token,
            ASSIGN,
            &[
                ("assignments[0][roleid]", "5"),
                ("assignments[0][userid]", &ann_id),
                ("assignments[0][contextlevel]", "galaxy"),
                ("assignments[0][instanceid]", "1"),
            ],
        )
        .await;
    assert_error(&answer, "core\\exception\\invalid_parameter_exception", "invalidparameter");
    let answer = site
        .json(
            &token,
            ASSIGN,
            &[
                ("assignments[0][roleid]", "5"),
                ("assignments[0][userid]", &ann_id),
                ("assignments[0][contextid]", "999999"),
            ],
        )
        .await;
    assert_error(&answer, "core\\exception\\invalid_parameter_exception", "invalidparameter");
    // Enrolled as a student, Ann may enter the course but not assign roles.
    site.enrol(ann.id, course.id, role_id::STUDENT).await;
    let token = site.token(ann.id, &[ASSIGN]).await;
    let answer = site
        .json(
            &token,
            ASSIGN,
            &[
                ("assignments[0][roleid]", "5"),
                ("assignments[0][userid]", &ann_id),
                ("assignments[0][contextid]", &context_id),
            ],
        )
        .await;
    nopermissions(&answer, "Assign roles to users");
});

backend_test!(participants_over_rest, |store: Store| async move {
    let site = Site::start(store).await;
    let category = site.category("Science", 0).await;
    let course = site.course("BIO1", category.id).await;
    let teacher = site.user("teacher").await;
    let ann = site.user("ann").await;
    site.enrol(teacher.id, course.id, role_id::EDITINGTEACHER).await;
    site.enrol(ann.id, course.id, role_id::STUDENT).await;
    let group = NewGroup { courseid: course.id, name: "Red".into(), ..NewGroup::default() };
    let group = site.store().create_groups(&[group]).await.unwrap().remove(0);
    site.store()
        .add_group_members(&[GroupMembership { groupid: group.id, userid: ann.id }], "", 0)
        .await
        .unwrap();
    let token = site.mobile_token(teacher.id).await;
    let course_id = course.id.to_string();
    let answer = site
        .json(
            &token,
            PARTICIPANTS,
            &[
                ("courseid", &course_id),
                ("options[0][name]", "userfields"),
                ("options[0][value]", "id,fullname,roles,groups"),
                ("options[1][name]", "sortby"),
                ("options[1][value]", "lastname"),
            ],
        )
        .await;
    assert_eq!(
        answer[0],
        json!({"id": ann.id, "fullname": "Test ann", "groups": [{"id": group.id,
            "name": "Red", "description": "", "descriptionformat": 0}],
            "roles": [{"roleid": 5, "name": "", "shortname": "student", "sortorder": 5}]})
    );
    let xml = site.xml(&token, PARTICIPANTS, &[("courseid", &course_id)]).await;
    assert!(xml.contains("<KEY name=\"fullname\"><VALUE>Test ann</VALUE>"), "{xml}");
    let answer = site
        .json(
            &token,
            PARTICIPANTS,
            &[("courseid", &course_id), ("options[0][name]", "sortby"), ("options[0][value]", "x")],
        )
        .await;
    assert_error(&answer, "core\\exception\\invalid_parameter_exception", "invalidparameter");
    let answer = site.json(&token, PARTICIPANTS, &[("courseid", "999999")]).await;
    assert_error(&answer, "dml_missing_record_exception", "invalidrecord");
    let stranger = site.user("stranger").await;
    let token = site.mobile_token(stranger.id).await;
    let answer = site.json(&token, PARTICIPANTS, &[("courseid", &course_id)]).await;
    assert_error(&answer, "core\\exception\\moodle_exception", "errorcoursecontextnotvalid");
    // A student lacks the option's capability.
    let token = site.mobile_token(ann.id).await;
    let answer = site
        .json(
            &token,
            PARTICIPANTS,
            &[
                ("courseid", &course_id),
                ("options[0][name]", "onlyactive"),
                ("options[0][value]", "1"),
            ],
        )
        .await;
    nopermissions(&answer, "Review course enrolments");
});
