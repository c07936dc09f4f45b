//! The course-reading functions over HTTP, as the mobile app calls them: the course list, the
//! timeline, course details, contents and the per-course option flags, in REST JSON and XML,
//! with their documented errors.

use portico_store::Store;
use portico_store::model::{CONTEXT_COURSE, SITEID, role_id};
use portico_testkit::backend_test;
use serde_json::json;

use crate::{Site, assert_error};

const USERS_COURSES: &str = "core_enrol_get_users_courses";
const TIMELINE: &str = "core_course_get_enrolled_courses_by_timeline_classification";
const GET_COURSES: &str = "core_course_get_courses";
const BY_FIELD: &str = "core_course_get_courses_by_field";
const CONTENTS: &str = "core_course_get_contents";
const NAVIGATION: &str = "core_course_get_user_navigation_options";
const ADMINISTRATION: &str = "core_course_get_user_administration_options";

backend_test!(users_courses_is_the_apps_course_list, |store: Store| async move {
    let site = Site::start(store).await;
    let category = site.category("Science", 0).await;
    let bio = site.course("BIO1", category.id).await;
    let chem = site.course("CHEM1", category.id).await;
    let ann = site.user("ann").await;
    let bob = site.user("bob").await;
    site.enrol(ann.id, bio.id, role_id::STUDENT).await;
    site.enrol(ann.id, chem.id, role_id::STUDENT).await;
    site.enrol(bob.id, bio.id, role_id::STUDENT).await;
    let context = site.store().context_by_instance(CONTEXT_COURSE, bio.id).await.unwrap().unwrap();
    site.store().add_favourite(ann.id, "core_course", "courses", bio.id, context.id).await.unwrap();
    site.store().record_course_access(ann.id, bio.id, 1_700_000_000).await.unwrap();
    let token = site.mobile_token(ann.id).await;
    let userid = ann.id.to_string();
    let list = site.json(&token, USERS_COURSES, &[("userid", &userid)]).await;
    let courses = list.as_array().unwrap_or_else(|| panic!("a list: {list}"));
    let ids: Vec<i64> = courses.iter().map(|c| c["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [chem.id, bio.id]);
    let bio_json = &courses[1];
    assert_eq!(bio_json["shortname"], "BIO1");
    assert_eq!(bio_json["fullname"], "Course BIO1");
    assert_eq!(bio_json["isfavourite"], true);
    assert_eq!(bio_json["hidden"], false);
    assert_eq!(bio_json["lastaccess"], 1_700_000_000);
    assert_eq!(bio_json["enrolledusercount"], 2);
    assert_eq!(bio_json["visible"], 1);
    assert_eq!(bio_json["category"], category.id);
    // Always present, null when unknown, so the app needs no completion call.
    assert_eq!(bio_json["progress"], json!(null));
    assert_eq!(bio_json["completed"], false);
    assert_eq!(courses[0]["lastaccess"], json!(null));
    assert_eq!(bio_json["overviewfiles"], json!([]));
    assert_eq!(
        bio_json["courseimage"],
        format!(
            "{}/pluginfile.php/{}/course/generated/course.svg",
            site.server.base_url(),
            context.id
        )
    );
    let xml =
        site.xml(&token, USERS_COURSES, &[("userid", &userid), ("returnusercount", "0")]).await;
    assert!(xml.contains("<KEY name=\"shortname\"><VALUE>BIO1</VALUE>"), "{xml}");
    assert!(xml.contains("<KEY name=\"progress\"><VALUE null=\"null\"/>"), "{xml}");
    // REST XML writes an absent optional key as null, as Moodle's XML server does.
    assert!(xml.contains("<KEY name=\"enrolledusercount\"><VALUE null=\"null\"/>"), "{xml}");
    let uncounted =
        site.json(&token, USERS_COURSES, &[("userid", &userid), ("returnusercount", "0")]).await;
    assert_eq!(uncounted[0].get("enrolledusercount"), None, "{uncounted}");
    // Another user sees only the courses they share, and may view participants in.
    let token = site.mobile_token(bob.id).await;
    let list = site.json(&token, USERS_COURSES, &[("userid", &userid)]).await;
    let ids: Vec<i64> =
        list.as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [bio.id]);
    assert_eq!(list[0]["isfavourite"], false);
    let error = site.json(&token, USERS_COURSES, &[("userid", "x")]).await;
    assert_error(&error, "core\\exception\\invalid_parameter_exception", "invalidparameter");
});

backend_test!(timeline_pages_and_classifies_the_callers_courses, |store: Store| async move {
    let site = Site::start(store).await;
    let category = site.category("Science", 0).await;
    let bio = site.course("BIO1", category.id).await;
    let chem = site.course("CHEM1", category.id).await;
    let ann = site.user("ann").await;
    site.enrol(ann.id, bio.id, role_id::STUDENT).await;
    site.enrol(ann.id, chem.id, role_id::STUDENT).await;
    let hidden = format!("block_myoverview_hidden_course_{}", chem.id);
    site.store().set_user_preference(ann.id, &hidden, "1").await.unwrap();
    let token = site.mobile_token(ann.id).await;
    let all = site
        .json(
            &token,
            TIMELINE,
            &[("classification", "all"), ("limit", "0"), ("offset", "0"), ("sort", "fullname")],
        )
        .await;
    let ids: Vec<i64> =
        all["courses"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [bio.id], "{all}");
    assert_eq!(all["nextoffset"], 1);
    let course = &all["courses"][0];
    assert_eq!(course["fullnamedisplay"], "Course BIO1");
    assert_eq!(course["coursecategory"], "Science");
    assert_eq!(course["hidden"], false);
    assert_eq!(course["showshortname"], false);
    let hiddenlist = site.json(&token, TIMELINE, &[("classification", "hidden")]).await;
    assert_eq!(hiddenlist["courses"][0]["id"], chem.id);
    assert_eq!(hiddenlist["courses"][0]["hidden"], true);
    let xml = site.xml(&token, TIMELINE, &[("classification", "inprogress")]).await;
    assert!(xml.contains("<KEY name=\"nextoffset\"><VALUE>1</VALUE>"), "{xml}");
    let error = site.json(&token, TIMELINE, &[("classification", "recent")]).await;
    assert_error(&error, "core\\exception\\invalid_parameter_exception", "invalidparameter");
});

backend_test!(get_courses_needs_view_capability, |store: Store| async move {
    let site = Site::start(store).await;
    let category = site.category("Science", 0).await;
    let bio = site.course("BIO1", category.id).await;
    let ann = site.user("ann").await;
    site.enrol(ann.id, bio.id, role_id::STUDENT).await;
    let admin = site.token(site.admin().id, &[GET_COURSES]).await;
    let id = bio.id.to_string();
    let list = site.json(&admin, GET_COURSES, &[("options[ids][0]", &id)]).await;
    assert_eq!(list[0]["id"], bio.id, "{list}");
    assert_eq!(list[0]["categoryid"], category.id);
    assert_eq!(list[0]["visible"], 1);
    let all = site.json(&admin, GET_COURSES, &[]).await;
    assert_eq!(all.as_array().unwrap().len(), 2);
    let xml = site.xml(&admin, GET_COURSES, &[("options[ids][0]", &id)]).await;
    assert!(xml.contains("<KEY name=\"shortname\"><VALUE>BIO1</VALUE>"), "{xml}");
    let student = site.mobile_token(ann.id).await;
    let denied = site.json(&student, GET_COURSES, &[("options[ids][0]", &id)]).await;
    let message =
        assert_error(&denied, "core\\exception\\required_capability_exception", "nopermissions");
    assert_eq!(
        message,
        "Sorry, but you do not currently have permissions to do that (View courses without participation)."
    );
    let other = site.course("OTHER", category.id).await;
    let other_id = other.id.to_string();
    let denied = site.json(&student, GET_COURSES, &[("options[ids][0]", &other_id)]).await;
    assert_error(&denied, "core\\exception\\moodle_exception", "errorcoursecontextnotvalid");
});

backend_test!(courses_by_field_shows_public_and_entered_courses, |store: Store| async move {
    let site = Site::start(store).await;
    let category = site.category("Science", 0).await;
    let bio = site.course("BIO1", category.id).await;
    let chem = site.course("CHEM1", category.id).await;
    let ann = site.user("ann").await;
    let tom = site.user("tom").await;
    site.enrol(ann.id, bio.id, role_id::STUDENT).await;
    site.enrol(tom.id, bio.id, role_id::EDITINGTEACHER).await;
    let token = site.mobile_token(ann.id).await;
    let ids = format!("{},{},99999", bio.id, chem.id);
    let answer = site.json(&token, BY_FIELD, &[("field", "ids"), ("value", &ids)]).await;
    let courses = answer["courses"].as_array().unwrap_or_else(|| panic!("{answer}"));
    assert_eq!(courses.len(), 2);
    assert_eq!(courses[0]["id"], bio.id);
    assert_eq!(courses[0]["format"], "topics");
    assert_eq!(courses[0]["contacts"], json!([{"id": tom.id, "fullname": "Test tom"}]));
    assert_eq!(courses[0]["enrollmentmethods"], json!(["manual"]));
    assert_eq!(courses[0]["categoryname"], "Science");
    assert_eq!(courses[1]["id"], chem.id);
    assert_eq!(courses[1].get("format"), None);
    let warnings: Vec<i64> = answer["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["itemid"].as_i64().unwrap())
        .collect();
    assert_eq!(warnings, [chem.id, 99999]);
    let by_name = site.json(&token, BY_FIELD, &[("field", "shortname"), ("value", "BIO1")]).await;
    assert_eq!(by_name["courses"][0]["id"], bio.id);
    let xml = site.xml(&token, BY_FIELD, &[("field", "id"), ("value", &bio.id.to_string())]).await;
    assert!(xml.contains("<KEY name=\"categoryname\"><VALUE>Science</VALUE>"), "{xml}");
    let error = site.json(&token, BY_FIELD, &[("field", "fullname"), ("value", "x")]).await;
    assert_error(&error, "core\\exception\\invalid_parameter_exception", "invalidparameter");
});

backend_test!(contents_lists_sections_and_refuses_bad_requests, |store: Store| async move {
    let site = Site::start(store).await;
    let category = site.category("Science", 0).await;
    let bio = site.course("BIO1", category.id).await;
    let other = site.course("OTHER", category.id).await;
    let ann = site.user("ann").await;
    site.enrol(ann.id, bio.id, role_id::STUDENT).await;
    let token = site.mobile_token(ann.id).await;
    let id = bio.id.to_string();
    let sections = site.json(&token, CONTENTS, &[("courseid", &id)]).await;
    let names: Vec<&str> =
        sections.as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["General", "New section", "New section", "New section", "New section"]);
    assert_eq!(sections[0]["modules"], json!([]));
    let one = site
        .json(
            &token,
            CONTENTS,
            &[("courseid", &id), ("options[0][name]", "sectionnumber"), ("options[0][value]", "3")],
        )
        .await;
    assert_eq!(one.as_array().unwrap().len(), 1);
    assert_eq!(one[0]["section"], 3);
    let site_course = site.json(&token, CONTENTS, &[("courseid", &SITEID.to_string())]).await;
    assert_eq!(site_course[0]["name"], "General");
    let xml = site.xml(&token, CONTENTS, &[("courseid", &id)]).await;
    assert!(xml.contains("<KEY name=\"name\"><VALUE>General</VALUE>"), "{xml}");
    let bad = site
        .json(
            &token,
            CONTENTS,
            &[("courseid", &id), ("options[0][name]", "nope"), ("options[0][value]", "1")],
        )
        .await;
    let message = assert_error(&bad, "core\\exception\\moodle_exception", "errorinvalidparam");
    assert_eq!(message, "The param \"nope\" is invalid.");
    let missing = site.json(&token, CONTENTS, &[("courseid", "99999")]).await;
    let message = assert_error(&missing, "dml_missing_record_exception", "invalidrecord");
    assert_eq!(message, "Can't find data record in database table course.");
    let other = site.json(&token, CONTENTS, &[("courseid", &other.id.to_string())]).await;
    assert_error(&other, "core\\exception\\moodle_exception", "errorcoursecontextnotvalid");
});

backend_test!(option_flags_follow_the_callers_roles, |store: Store| async move {
    let site = Site::start(store).await;
    let category = site.category("Science", 0).await;
    let bio = site.course("BIO1", category.id).await;
    let other = site.course("OTHER", category.id).await;
    let ann = site.user("ann").await;
    let tom = site.user("tom").await;
    site.enrol(ann.id, bio.id, role_id::STUDENT).await;
    site.enrol(tom.id, bio.id, role_id::EDITINGTEACHER).await;
    let args = [("courseids[0]", bio.id.to_string()), ("courseids[1]", other.id.to_string())];
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let flag = |answer: &serde_json::Value, name: &str| {
        answer["courses"][0]["options"]
            .as_array()
            .unwrap_or_else(|| panic!("{answer}"))
            .iter()
            .find(|o| o["name"] == name)
            .map(|o| o["available"].clone())
    };
    let student = site.mobile_token(ann.id).await;
    let navigation = site.json(&student, NAVIGATION, &args).await;
    assert_eq!(flag(&navigation, "participants"), Some(json!(true)));
    assert_eq!(flag(&navigation, "grades"), Some(json!(true)));
    assert_eq!(flag(&navigation, "notes"), Some(json!(false)));
    assert_eq!(navigation["warnings"][0]["itemid"], other.id);
    assert_eq!(navigation["warnings"][0]["message"], "No access rights in course context");
    let administration = site.json(&student, ADMINISTRATION, &args).await;
    assert_eq!(flag(&administration, "update"), Some(json!(false)));
    assert_eq!(administration["courses"].as_array().unwrap().len(), 1);
    let teacher = site.mobile_token(tom.id).await;
    let administration = site.json(&teacher, ADMINISTRATION, &args).await;
    assert_eq!(flag(&administration, "update"), Some(json!(true)));
    assert_eq!(flag(&administration, "gradebook"), Some(json!(true)));
    let xml = site.xml(&teacher, NAVIGATION, &args).await;
    assert!(xml.contains("<KEY name=\"name\"><VALUE>participants</VALUE>"), "{xml}");
});
