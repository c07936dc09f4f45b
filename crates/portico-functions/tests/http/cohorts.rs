//! The cohort functions over HTTP (spec 04 §8.5-§8.7): creating cohorts, adding members with
//! warnings and reading cohorts, in REST JSON and XML, with Moodle's errors and all-or-nothing
//! batches.

use portico_store::model::{CONTEXT_COURSECAT, SYSTEM_CONTEXT_ID};
use portico_store::{NewCohort, NewRoleAssignment, Store};
use portico_testkit::backend_test;

use crate::{Site, assert_error};

const CREATE: &str = "core_cohort_create_cohorts";
const ADD: &str = "core_cohort_add_cohort_members";
const GET: &str = "core_cohort_get_cohorts";

fn cohort(contextid: i64, idnumber: &str) -> NewCohort {
    NewCohort {
        contextid,
        name: idnumber.to_uppercase(),
        idnumber: Some(idnumber.to_owned()),
        description: format!("About {idnumber}"),
        descriptionformat: 1,
        visible: 1,
        ..NewCohort::default()
    }
}

async fn idnumbers(site: &Site) -> Vec<String> {
    let cohorts = site.store().list_cohorts().await.unwrap();
    cohorts.into_iter().map(|c| c.idnumber.unwrap_or_default()).collect()
}

backend_test!(create_cohorts_over_rest, |store: Store| async move {
    let site = Site::start(store).await;
    let category = site.category("Science", 0).await;
    let catid = category.id.to_string();
    let token = site.token(site.admin().id, &[CREATE]).await;
    let created = site
        .json(
            &token,
            CREATE,
            &[
                ("cohorts[0][categorytype][type]", "system"),
                ("cohorts[0][categorytype][value]", ""),
                ("cohorts[0][name]", "All staff"),
                ("cohorts[0][idnumber]", "staff"),
                ("cohorts[1][categorytype][type]", "id"),
                ("cohorts[1][categorytype][value]", &catid),
                ("cohorts[1][name]", "Scientists"),
                ("cohorts[1][idnumber]", "sci"),
                ("cohorts[1][description]", "People"),
                ("cohorts[1][visible]", "0"),
            ],
        )
        .await;
    let list = created.as_array().unwrap_or_else(|| panic!("{created}"));
    let keys: Vec<&str> = list[0].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["id", "name", "idnumber", "description", "descriptionformat", "visible", "theme"]
    );
    assert_eq!(
        (list[0]["name"].as_str(), list[0]["visible"].as_bool()),
        (Some("All staff"), Some(true))
    );
    assert_eq!(
        (list[1]["description"].as_str(), list[1]["visible"].as_bool()),
        (Some("People"), Some(false))
    );
    let sci = site.store().cohort_by_idnumber("sci").await.unwrap().unwrap();
    let context =
        site.store().context_by_instance(CONTEXT_COURSECAT, category.id).await.unwrap().unwrap();
    assert_eq!((sci.contextid, sci.visible), (context.id, 0));
    let staff = site.store().cohort_by_idnumber("staff").await.unwrap().unwrap();
    assert_eq!(staff.contextid, SYSTEM_CONTEXT_ID);
    let xml = site
        .xml(
            &token,
            CREATE,
            &[
                ("cohorts[0][categorytype][type]", "system"),
                ("cohorts[0][categorytype][value]", ""),
                ("cohorts[0][name]", "Alumni"),
                ("cohorts[0][idnumber]", "alumni"),
            ],
        )
        .await;
    assert!(xml.contains("<KEY name=\"idnumber\"><VALUE>alumni</VALUE>"), "{xml}");
    assert!(xml.contains("<KEY name=\"visible\"><VALUE>1</VALUE>"), "{xml}");
    assert_eq!(idnumbers(&site).await, ["staff", "sci", "alumni"]);
});

backend_test!(create_cohorts_errors_create_nothing, |store: Store| async move {
    let site = Site::start(store).await;
    site.store().create_cohorts(&[cohort(SYSTEM_CONTEXT_ID, "staff")]).await.unwrap();
    let token = site.token(site.admin().id, &[CREATE]).await;
    for (kind, value, idnumber) in [
        ("course", "1", "b"),
        ("id", "999999", "b"),
        ("idnumber", "none", "b"),
        ("system", "", "staff"),
    ] {
        let answer = site
            .json(
                &token,
                CREATE,
                &[
                    ("cohorts[0][categorytype][type]", "system"),
                    ("cohorts[0][categorytype][value]", ""),
                    ("cohorts[0][name]", "A"),
                    ("cohorts[0][idnumber]", "a"),
                    ("cohorts[1][categorytype][type]", kind),
                    ("cohorts[1][categorytype][value]", value),
                    ("cohorts[1][name]", "B"),
                    ("cohorts[1][idnumber]", idnumber),
                ],
            )
            .await;
        let message = assert_error(
            &answer,
            "core\\exception\\invalid_parameter_exception",
            "invalidparameter",
        );
        assert_eq!(message, "Invalid parameter value detected", "{kind}");
        assert_eq!(idnumbers(&site).await, ["staff"], "{kind}");
    }
    let teacher = site.user("teacher").await;
    let token = site.token(teacher.id, &[CREATE]).await;
    let answer = site
        .json(
            &token,
            CREATE,
            &[
                ("cohorts[0][categorytype][type]", "system"),
                ("cohorts[0][categorytype][value]", ""),
                ("cohorts[0][name]", "A"),
                ("cohorts[0][idnumber]", "a"),
            ],
        )
        .await;
    let message =
        assert_error(&answer, "core\\exception\\required_capability_exception", "nopermissions");
    assert_eq!(
        message,
        "Sorry, but you do not currently have permissions to do that (Create, delete and move \
         cohorts)."
    );
    assert_eq!(idnumbers(&site).await, ["staff"]);
});

backend_test!(add_cohort_members_over_rest, |store: Store| async move {
    let site = Site::start(store).await;
    let staff =
        site.store().create_cohorts(&[cohort(SYSTEM_CONTEXT_ID, "staff")]).await.unwrap().remove(0);
    let ann = site.user("ann").await;
    let bob = site.user("bob").await;
    let a = ann.id.to_string();
    let token = site.token(site.admin().id, &[ADD]).await;
    let answer = site
        .json(
            &token,
            ADD,
            &[
                ("members[0][cohorttype][type]", "idnumber"),
                ("members[0][cohorttype][value]", "staff"),
                ("members[0][usertype][type]", "id"),
                ("members[0][usertype][value]", &a),
                ("members[1][cohorttype][type]", "idnumber"),
                ("members[1][cohorttype][value]", "staff"),
                ("members[1][usertype][type]", "username"),
                ("members[1][usertype][value]", "bob"),
                ("members[2][cohorttype][type]", "idnumber"),
                ("members[2][cohorttype][value]", "nope"),
                ("members[2][usertype][type]", "username"),
                ("members[2][usertype][value]", "bob"),
                ("members[3][cohorttype][type]", "idnumber"),
                ("members[3][cohorttype][value]", "staff"),
                ("members[3][usertype][type]", "username"),
                ("members[3][usertype][value]", "ann"),
            ],
        )
        .await;
    assert_eq!(
        answer,
        serde_json::json!({"warnings": [
            {"warningcode": "2", "message": "cohort idnumber=nope not exists"},
            {"warningcode": "3", "message": "record already exists: cohort(idnumber=staff username=ann)"}
        ]})
    );
    let members: Vec<i64> = site
        .store()
        .cohort_members(staff.id)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.userid)
        .collect();
    assert_eq!(members, [ann.id, bob.id]);
    let xml = site
        .xml(
            &token,
            ADD,
            &[
                ("members[0][cohorttype][type]", "name"),
                ("members[0][cohorttype][value]", "staff"),
                ("members[0][usertype][type]", "id"),
                ("members[0][usertype][value]", &a),
            ],
        )
        .await;
    assert!(xml.contains("<KEY name=\"warningcode\"><VALUE>1</VALUE>"), "{xml}");
    assert!(xml.contains("<VALUE>invalid parameter: cohortype=name</VALUE>"), "{xml}");
    // Without manage or assign, the batch fails and nothing is added.
    let carl = site.user("carl").await;
    let teacher = site.user("teacher").await;
    let token = site.token(teacher.id, &[ADD]).await;
    let answer = site
        .json(
            &token,
            ADD,
            &[
                ("members[0][cohorttype][type]", "id"),
                ("members[0][cohorttype][value]", &staff.id.to_string()),
                ("members[0][usertype][type]", "username"),
                ("members[0][usertype][value]", "carl"),
            ],
        )
        .await;
    let message =
        assert_error(&answer, "core\\exception\\required_capability_exception", "nopermissions");
    assert_eq!(
        message,
        "Sorry, but you do not currently have permissions to do that (Add and remove cohort \
         members)."
    );
    assert!(!site.store().is_cohort_member(staff.id, carl.id).await.unwrap());
});

backend_test!(get_cohorts_over_rest, |store: Store| async move {
    let site = Site::start(store).await;
    let category = site.category("Science", 0).await;
    let context =
        site.store().context_by_instance(CONTEXT_COURSECAT, category.id).await.unwrap().unwrap();
    let cohorts = site
        .store()
        .create_cohorts(&[
            NewCohort { theme: "boost".to_owned(), ..cohort(SYSTEM_CONTEXT_ID, "staff") },
            cohort(context.id, "sci"),
        ])
        .await
        .unwrap();
    let token = site.token(site.admin().id, &[GET]).await;
    let all = site.json(&token, GET, &[]).await;
    let list = all.as_array().unwrap_or_else(|| panic!("{all}"));
    let ids: Vec<i64> = list.iter().map(|c| c["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [cohorts[0].id, cohorts[1].id]);
    assert_eq!(list[0]["description"], "About staff");
    assert_eq!(list[0]["customfields"], serde_json::json!([]));
    // Moodle nulls a theme while cohort themes are off; the key stays.
    assert_eq!(list[0].get("theme"), Some(&serde_json::Value::Null), "{all}");
    assert_eq!(list[1]["theme"], "");
    let sci = cohorts[1].id.to_string();
    let one = site.json(&token, GET, &[("cohortids[0]", &sci)]).await;
    assert_eq!(one.as_array().map(Vec::len), Some(1), "{one}");
    let xml = site.xml(&token, GET, &[("cohortids[0]", &sci)]).await;
    assert!(xml.contains("<KEY name=\"idnumber\"><VALUE>sci</VALUE>"), "{xml}");
    // A category manager reads the category's cohort, not the system's.
    let manager = site.user("manager").await;
    let role = site.store().role_by_shortname("manager").await.unwrap().unwrap();
    let assignment = NewRoleAssignment {
        roleid: role.id,
        contextid: context.id,
        userid: manager.id,
        component: String::new(),
        itemid: 0,
        modifierid: site.admin().id,
    };
    site.store().assign_role(&assignment).await.unwrap();
    let token = site.token(manager.id, &[GET]).await;
    let one = site.json(&token, GET, &[("cohortids[0]", &sci)]).await;
    assert_eq!(one[0]["idnumber"], "sci", "{one}");
    let answer = site.json(&token, GET, &[]).await;
    let message =
        assert_error(&answer, "core\\exception\\required_capability_exception", "nopermissions");
    assert_eq!(
        message,
        "Sorry, but you do not currently have permissions to do that (View site-wide cohorts)."
    );
});
