//! Groups and their members on both backends: batches in one transaction, lookups, and
//! memberships added once and removed quietly.

use portico_store::model::SITEID;
use portico_store::{Backend, GroupMembership, NewGroup, Store};
use portico_testkit::backend_test;

fn new(courseid: i64, name: &str, idnumber: &str) -> NewGroup {
    NewGroup {
        courseid,
        name: name.into(),
        idnumber: idnumber.into(),
        description: Some(format!("About {name}")),
        descriptionformat: 1,
        participation: 1,
        ..NewGroup::default()
    }
}

backend_test!(groups_are_created_and_found, |store: Store| async move {
    let created = store
        .create_groups(&[new(SITEID, "Red", "R"), new(SITEID, "Blue", ""), new(99, "Red", "R")])
        .await
        .unwrap();
    assert_eq!(created.len(), 3);
    let red = &created[0];
    assert_eq!((red.courseid, red.name.as_str(), red.idnumber.as_str()), (SITEID, "Red", "R"));
    assert_eq!(
        (red.description.as_deref(), red.enrolmentkey.as_deref()),
        (Some("About Red"), None)
    );
    assert_eq!((red.visibility, red.participation, red.picture), (0, 1, 0));
    assert!(red.timecreated > 0 && red.timemodified == red.timecreated);
    assert_eq!(store.group_by_id(red.id).await.unwrap().as_ref(), Some(red));
    assert_eq!(store.group_by_name(SITEID, "Red").await.unwrap().map(|g| g.id), Some(red.id));
    assert_eq!(store.group_by_name(SITEID, "red").await.unwrap(), None);
    assert_eq!(store.group_by_idnumber(99, "R").await.unwrap().map(|g| g.id), Some(created[2].id));
    let names: Vec<String> =
        store.course_groups(SITEID).await.unwrap().into_iter().map(|g| g.name).collect();
    assert_eq!(names, ["Blue", "Red"]);
    assert_eq!(store.group_by_id(999_999).await.unwrap(), None);
});

backend_test!(group_memberships_are_added_once_and_removed, |store: Store| async move {
    let red = store.create_groups(&[new(SITEID, "Red", "")]).await.unwrap().remove(0);
    let ann = GroupMembership { groupid: red.id, userid: 2 };
    let bob = GroupMembership { groupid: red.id, userid: 3 };
    store.add_group_members(&[ann, bob, ann], "", 0).await.unwrap();
    // An existing membership keeps its component.
    store.add_group_members(&[bob], "enrol_cohort", 7).await.unwrap();
    let members = store.group_members(red.id).await.unwrap();
    let summary: Vec<(i64, &str, i64)> =
        members.iter().map(|m| (m.userid, m.component.as_str(), m.itemid)).collect();
    assert_eq!(summary, [(2, "", 0), (3, "", 0)]);
    let touched = store.group_by_id(red.id).await.unwrap().unwrap();
    assert!(touched.timemodified >= red.timemodified);
    store
        .add_group_members(&[GroupMembership { groupid: red.id, userid: 4 }], "enrol_cohort", 7)
        .await
        .unwrap();
    let synced = store.group_member(red.id, 4).await.unwrap().unwrap();
    assert_eq!((synced.component.as_str(), synced.itemid), ("enrol_cohort", 7));
    let missing = GroupMembership { groupid: red.id, userid: 999 };
    store.remove_group_members(&[ann, missing, ann]).await.unwrap();
    let left: Vec<i64> =
        store.group_members(red.id).await.unwrap().into_iter().map(|m| m.userid).collect();
    assert_eq!(left, [3, 4]);
    assert_eq!(store.group_member(red.id, 2).await.unwrap(), None);
});

backend_test!(a_failing_group_batch_creates_nothing, |store: Store| async move {
    store.create_groups(&[new(SITEID, "Red", "")]).await.unwrap();
    // PostgreSQL enforces the 254 characters of `groups.name`, so the second group fails the
    // batch there; SQLite stores any length.
    let too_long = "x".repeat(300);
    let result = store.create_groups(&[new(SITEID, "Green", ""), new(SITEID, &too_long, "")]).await;
    let names: Vec<String> =
        store.course_groups(SITEID).await.unwrap().into_iter().map(|g| g.name).collect();
    if store.backend() == Backend::Postgres {
        assert!(result.is_err());
        assert_eq!(names, ["Red"]);
    } else {
        assert_eq!(names.len(), 3);
    }
});
