//! The course and category functions over HTTP: `core_course_get_categories`,
//! `core_course_create_categories`, `core_course_create_courses`, `core_course_update_courses`
//! and `core_course_delete_courses`, with bracket-encoded arguments as clients send them.

use portico_store::model::{CONTEXT_COURSE, SYSTEM_CONTEXT_ID};
use portico_store::{NewCategory, NewRoleAssignment, Store};
use portico_testkit::backend_test;
use serde_json::Value as Json;

use crate::{Site, assert_error};

const GET_CATEGORIES: &str = "core_course_get_categories";
const CREATE_CATEGORIES: &str = "core_course_create_categories";
const CREATE_COURSES: &str = "core_course_create_courses";
const UPDATE_COURSES: &str = "core_course_update_courses";
const DELETE_COURSES: &str = "core_course_delete_courses";

fn ids(answer: &Json) -> Vec<i64> {
    answer
        .as_array()
        .unwrap_or_else(|| panic!("{answer}"))
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect()
}

/// The warnings of an answer, as (item id, code, message).
fn warnings(answer: &Json) -> Vec<(i64, String, String)> {
    answer["warnings"]
        .as_array()
        .unwrap_or_else(|| panic!("{answer}"))
        .iter()
        .map(|w| {
            let text = |key: &str| w[key].as_str().unwrap().to_owned();
            (w["itemid"].as_i64().unwrap(), text("warningcode"), text("message"))
        })
        .collect()
}

/// Gives `userid` the manager role at system level.
async fn make_manager(site: &Site, userid: i64) {
    let manager = site.store().role_by_shortname("manager").await.unwrap().unwrap();
    let assignment = NewRoleAssignment {
        roleid: manager.id,
        contextid: SYSTEM_CONTEXT_ID,
        userid,
        component: String::new(),
        itemid: 0,
        modifierid: 0,
    };
    site.store().assign_role(&assignment).await.unwrap();
}

backend_test!(get_categories_in_json_and_xml, |store: Store| async move {
    let site = Site::start(store).await;
    let science = site.category("Science", 0).await;
    let physics = site.category("Physics", science.id).await;
    let hidden = NewCategory { name: "Hidden".into(), descriptionformat: 1, ..Default::default() };
    let hidden = site.store().create_categories(&[hidden]).await.unwrap().remove(0);
    let student = site.user("student").await;
    // The mobile app's token.
    let token = site.mobile_token(student.id).await;
    let id = science.id.to_string();
    let args = [("criteria[0][key]", "id"), ("criteria[0][value]", id.as_str())];
    let answer = site.json(&token, GET_CATEGORIES, &args).await;
    assert_eq!(ids(&answer), [science.id, physics.id]);
    assert_eq!(answer[1]["path"], format!("/{}/{}", science.id, physics.id));
    assert_eq!(answer[1]["depth"], 2);
    assert!(answer[0].get("idnumber").is_none(), "{answer}");
    let all = site.json(&token, GET_CATEGORIES, &[]).await;
    assert!(!ids(&all).contains(&hidden.id), "{all}");
    let xml = site
        .xml(
            &token,
            GET_CATEGORIES,
            &[
                ("addsubcategories", "0"),
                ("criteria[0][key]", "name"),
                ("criteria[0][value]", "Physics"),
            ],
        )
        .await;
    assert!(xml.contains(&format!("<KEY name=\"id\"><VALUE>{}</VALUE>", physics.id)), "{xml}");
    assert!(!xml.contains("Science"), "{xml}");
    let denied = site
        .json(
            &token,
            GET_CATEGORIES,
            &[("criteria[0][key]", "idnumber"), ("criteria[0][value]", "x")],
        )
        .await;
    let message = assert_error(&denied, "core\\exception\\moodle_exception", "criteriaerror");
    assert_eq!(message, "Missing permissions to search on a criterion.");
    let unknown = site
        .json(
            &token,
            GET_CATEGORIES,
            &[("criteria[0][key]", "colour"), ("criteria[0][value]", "x")],
        )
        .await;
    assert_error(&unknown, "core\\exception\\moodle_exception", "criteriaerror");
    let admin = site.token(site.admin().id, &[GET_CATEGORIES]).await;
    let all = site.json(&admin, GET_CATEGORIES, &[]).await;
    assert!(ids(&all).contains(&hidden.id), "{all}");
    assert_eq!(all[0]["visible"], 1);
});

backend_test!(create_categories_over_http, |store: Store| async move {
    let site = Site::start(store).await;
    let science = site.category("Science", 0).await;
    let token = site.token(site.admin().id, &[CREATE_CATEGORIES]).await;
    let parent = science.id.to_string();
    let answer = site
        .json(
            &token,
            CREATE_CATEGORIES,
            &[
                ("categories[0][name]", "Physics"),
                ("categories[0][parent]", parent.as_str()),
                ("categories[0][idnumber]", "PHY"),
                ("categories[1][name]", "Arts"),
            ],
        )
        .await;
    assert_eq!(answer[0]["name"], "Physics");
    let physics =
        site.store().category_by_id(answer[0]["id"].as_i64().unwrap()).await.unwrap().unwrap();
    assert_eq!((physics.parent, physics.idnumber.as_deref()), (science.id, Some("PHY")));
    let xml = site.xml(&token, CREATE_CATEGORIES, &[("categories[0][name]", "Music")]).await;
    assert!(xml.contains("<KEY name=\"name\"><VALUE>Music</VALUE>"), "{xml}");
    let before = site.store().list_categories().await.unwrap();
    let cases = [
        (
            vec![("categories[1][name]", "X"), ("categories[1][parent]", "999999")],
            "unknowcategory",
            "Category not known!",
        ),
        (
            vec![("categories[1][name]", "X"), ("categories[1][idnumber]", "PHY")],
            "categoryidnumbertaken",
            "ID number is already used for another category",
        ),
        (vec![("categories[1][name]", "0")], "categorynamerequired", "Category name is required"),
    ];
    for (rest, errorcode, message) in cases {
        let mut args = vec![("categories[0][name]", "Fine")];
        args.extend(rest);
        let answer = site.json(&token, CREATE_CATEGORIES, &args).await;
        assert_eq!(assert_error(&answer, "core\\exception\\moodle_exception", errorcode), message);
        // Atomic: "Fine" was not created.
        assert_eq!(site.store().list_categories().await.unwrap(), before);
    }
    let student = site.user("student").await;
    let token = site.token(student.id, &[CREATE_CATEGORIES]).await;
    let answer = site.json(&token, CREATE_CATEGORIES, &[("categories[0][name]", "X")]).await;
    let message =
        assert_error(&answer, "core\\exception\\required_capability_exception", "nopermissions");
    assert_eq!(
        message,
        "Sorry, but you do not currently have permissions to do that (Manage categories)."
    );
});

backend_test!(create_courses_over_http, |store: Store| async move {
    let site = Site::start(store).await;
    let science = site.category("Science", 0).await;
    let manager = site.user("manager").await;
    make_manager(&site, manager.id).await;
    let token = site.token(manager.id, &[CREATE_COURSES]).await;
    let category = science.id.to_string();
    let answer = site
        .json(
            &token,
            CREATE_COURSES,
            &[
                ("courses[0][fullname]", "Biology"),
                ("courses[0][shortname]", "BIO"),
                ("courses[0][categoryid]", category.as_str()),
                ("courses[0][summary]", "<p>Cells</p>"),
                ("courses[0][courseformatoptions][0][name]", "numsections"),
                ("courses[0][courseformatoptions][0][value]", "6"),
            ],
        )
        .await;
    assert_eq!(answer[0]["shortname"], "BIO", "{answer}");
    let id = answer[0]["id"].as_i64().unwrap();
    let course = site.store().course_by_id(id).await.unwrap().unwrap();
    assert_eq!(
        (course.fullname.as_str(), course.summary.as_deref()),
        ("Biology", Some("<p>Cells</p>"))
    );
    assert_eq!(
        (course.format.as_str(), course.newsitems, course.category),
        ("topics", 5, science.id)
    );
    assert_eq!(
        site.store().course_section_numbers(id).await.unwrap(),
        (0..=6).collect::<Vec<i64>>()
    );
    assert!(site.store().context_by_instance(CONTEXT_COURSE, id).await.unwrap().is_some());
    assert!(!site.store().is_enrolled(id, manager.id, false, 0).await.unwrap());
    let xml = site
        .xml(
            &token,
            CREATE_COURSES,
            &[
                ("courses[0][fullname]", "Chemistry"),
                ("courses[0][shortname]", "CHEM"),
                ("courses[0][categoryid]", category.as_str()),
            ],
        )
        .await;
    assert!(xml.contains("<KEY name=\"shortname\"><VALUE>CHEM</VALUE>"), "{xml}");
    let cases = [
        (
            vec![
                ("courses[1][fullname]", "X"),
                ("courses[1][shortname]", "X"),
                ("courses[1][categoryid]", "999999"),
            ],
            "errorcatcontextnotvalid",
            "You cannot execute functions in the category context (category id:999999). The context error message was: Invalid parameter value detected",
        ),
        (
            vec![
                ("courses[1][fullname]", " "),
                ("courses[1][shortname]", "X"),
                ("courses[1][categoryid]", category.as_str()),
            ],
            "errorinvalidparam",
            "The param \"fullname\" is invalid.",
        ),
        (
            vec![
                ("courses[1][fullname]", "X"),
                ("courses[1][shortname]", "BIO"),
                ("courses[1][categoryid]", category.as_str()),
            ],
            "shortnametaken",
            "Short name is already used for another course (BIO)",
        ),
        (
            vec![
                ("courses[1][fullname]", "X"),
                ("courses[1][shortname]", "NEW"),
                ("courses[1][categoryid]", category.as_str()),
            ],
            "shortnametaken",
            "Short name is already used for another course (NEW)",
        ),
    ];
    for (rest, errorcode, message) in cases {
        let mut args = vec![
            ("courses[0][fullname]", "New"),
            ("courses[0][shortname]", "NEW"),
            ("courses[0][categoryid]", category.as_str()),
        ];
        args.extend(rest);
        let answer = site.json(&token, CREATE_COURSES, &args).await;
        assert_eq!(assert_error(&answer, "core\\exception\\moodle_exception", errorcode), message);
        assert!(site.store().course_by_shortname("NEW").await.unwrap().is_none(), "{errorcode}");
    }
    let student = site.user("student").await;
    let token = site.token(student.id, &[CREATE_COURSES]).await;
    let answer = site
        .json(
            &token,
            CREATE_COURSES,
            &[
                ("courses[0][fullname]", "X"),
                ("courses[0][shortname]", "X"),
                ("courses[0][categoryid]", category.as_str()),
            ],
        )
        .await;
    let message =
        assert_error(&answer, "core\\exception\\required_capability_exception", "nopermissions");
    assert_eq!(
        message,
        "Sorry, but you do not currently have permissions to do that (Create courses)."
    );
});

backend_test!(update_courses_over_http, |store: Store| async move {
    let site = Site::start(store).await;
    let science = site.category("Science", 0).await;
    let arts = site.category("Arts", 0).await;
    let bio = site.course("BIO", science.id).await;
    let chem = site.course("CHEM", science.id).await;
    let token = site.token(site.admin().id, &[UPDATE_COURSES]).await;
    let (bio_id, chem_id, arts_id) = (bio.id.to_string(), chem.id.to_string(), arts.id.to_string());
    let answer = site
        .json(
            &token,
            UPDATE_COURSES,
            &[
                ("courses[0][id]", bio_id.as_str()),
                ("courses[0][fullname]", "Biology"),
                ("courses[0][categoryid]", arts_id.as_str()),
                ("courses[1][id]", chem_id.as_str()),
                ("courses[1][shortname]", "BIO"),
                ("courses[2][id]", "999999"),
                ("courses[2][fullname]", "X"),
            ],
        )
        .await;
    assert_eq!(
        warnings(&answer),
        [
            (
                chem.id,
                "shortnametaken".into(),
                "Short name is already used for another course (BIO)".into()
            ),
            (
                999_999,
                "invalidrecord".into(),
                "Can't find data record in database table course.".into()
            ),
        ]
    );
    let course = site.store().course_by_id(bio.id).await.unwrap().unwrap();
    assert_eq!((course.fullname.as_str(), course.category), ("Biology", arts.id));
    assert_eq!(site.store().category_by_id(arts.id).await.unwrap().unwrap().coursecount, 1);
    assert_eq!(site.store().course_by_id(chem.id).await.unwrap().unwrap().shortname, "CHEM");
    let xml = site
        .xml(
            &token,
            UPDATE_COURSES,
            &[("courses[0][id]", bio_id.as_str()), ("courses[0][summary]", "New")],
        )
        .await;
    assert!(xml.contains("<KEY name=\"warnings\"><MULTIPLE>\n</MULTIPLE>"), "{xml}");
    // A teacher without editing rights gets a warning per course, not an error.
    let teacher = site.user("teacher").await;
    site.enrol(teacher.id, bio.id, 4).await;
    let token = site.token(teacher.id, &[UPDATE_COURSES]).await;
    let answer = site
        .json(
            &token,
            UPDATE_COURSES,
            &[("courses[0][id]", bio_id.as_str()), ("courses[0][fullname]", "Mine")],
        )
        .await;
    assert_eq!(
        warnings(&answer),
        [(
            bio.id,
            "nopermissions".into(),
            "Sorry, but you do not currently have permissions to do that (Update course settings)."
                .into()
        )]
    );
    assert_eq!(site.store().course_by_id(bio.id).await.unwrap().unwrap().fullname, "Biology");
});

backend_test!(delete_courses_over_http, |store: Store| async move {
    let site = Site::start(store).await;
    let science = site.category("Science", 0).await;
    let bio = site.course("BIO", science.id).await;
    let chem = site.course("CHEM", science.id).await;
    let student = site.user("student").await;
    site.enrol(student.id, bio.id, 5).await;
    // A student of the course may enter it but not delete it.
    let token = site.token(student.id, &[DELETE_COURSES]).await;
    let bio_id = bio.id.to_string();
    let answer = site.json(&token, DELETE_COURSES, &[("courseids[0]", bio_id.as_str())]).await;
    assert_eq!(
        warnings(&answer),
        [(
            bio.id,
            "cannotdeletecourse".into(),
            format!("You do not have the permission to delete this course{}", bio.id)
        )]
    );
    assert!(site.store().course_by_id(bio.id).await.unwrap().is_some());
    let token = site.token(site.admin().id, &[DELETE_COURSES]).await;
    let answer = site
        .json(
            &token,
            DELETE_COURSES,
            &[("courseids[0]", bio_id.as_str()), ("courseids[1]", "999999"), ("courseids[2]", "1")],
        )
        .await;
    assert_eq!(
        warnings(&answer),
        [
            (999_999, "unknowncourseidnumber".into(), "Unknown course ID 999999".into()),
            (1, "cannotdeletecategorycourse".into(), "Course 1 failed to be deleted".into()),
        ]
    );
    assert!(site.store().course_by_id(bio.id).await.unwrap().is_none());
    assert!(site.store().context_by_instance(CONTEXT_COURSE, bio.id).await.unwrap().is_none());
    assert!(site.store().role_assignments_of_user(student.id).await.unwrap().is_empty());
    assert_eq!(site.store().category_by_id(science.id).await.unwrap().unwrap().coursecount, 1);
    let chem_id = chem.id.to_string();
    let xml = site.xml(&token, DELETE_COURSES, &[("courseids[0]", chem_id.as_str())]).await;
    assert!(xml.contains("<KEY name=\"warnings\"><MULTIPLE>\n</MULTIPLE>"), "{xml}");
    assert!(site.store().course_by_id(chem.id).await.unwrap().is_none());
});
