//! Cohorts and their members on both backends: batches in one transaction, lookups, and
//! memberships added once.

use portico_store::model::SYSTEM_CONTEXT_ID;
use portico_store::{Backend, CohortMembership, NewCohort, Store};
use portico_testkit::backend_test;

fn new(idnumber: &str) -> NewCohort {
    NewCohort {
        contextid: SYSTEM_CONTEXT_ID,
        name: idnumber.to_uppercase(),
        idnumber: Some(idnumber.to_owned()),
        description: String::new(),
        descriptionformat: 1,
        visible: 1,
        ..NewCohort::default()
    }
}

backend_test!(cohorts_are_created_and_found, |store: Store| async move {
    let mut hidden = new("b");
    hidden.visible = 0;
    hidden.theme = "boost".into();
    let created = store.create_cohorts(&[new("a"), hidden]).await.unwrap();
    let (a, b) = (&created[0], &created[1]);
    assert_eq!((a.name.as_str(), a.idnumber.as_deref(), a.visible), ("A", Some("a"), 1));
    assert_eq!((a.component.as_str(), a.theme.as_deref()), ("", Some("")));
    assert_eq!((b.visible, b.theme.as_deref()), (0, Some("boost")));
    assert!(a.timecreated > 0 && a.timemodified == a.timecreated);
    assert_eq!(store.cohort_by_id(a.id).await.unwrap().as_ref(), Some(a));
    assert_eq!(store.cohort_by_idnumber("b").await.unwrap().map(|c| c.id), Some(b.id));
    assert_eq!(store.cohort_by_idnumber("c").await.unwrap(), None);
    let all: Vec<i64> = store.list_cohorts().await.unwrap().into_iter().map(|c| c.id).collect();
    assert_eq!(all, [a.id, b.id]);
    let some = store.cohorts_by_ids(&[b.id, 999_999, b.id, a.id]).await.unwrap();
    assert_eq!(some.iter().map(|c| c.id).collect::<Vec<_>>(), [a.id, b.id]);
});

backend_test!(cohort_members_are_added_once, |store: Store| async move {
    let a = store.create_cohorts(&[new("a")]).await.unwrap().remove(0);
    let ann = CohortMembership { cohortid: a.id, userid: 2 };
    let bob = CohortMembership { cohortid: a.id, userid: 3 };
    store.add_cohort_members(&[ann, bob, ann]).await.unwrap();
    store.add_cohort_members(&[bob]).await.unwrap();
    let members = store.cohort_members(a.id).await.unwrap();
    assert_eq!(members.iter().map(|m| m.userid).collect::<Vec<_>>(), [2, 3]);
    assert!(members.iter().all(|m| m.timeadded > 0));
    assert!(store.is_cohort_member(a.id, 2).await.unwrap());
    assert!(!store.is_cohort_member(a.id, 4).await.unwrap());
});

backend_test!(a_failing_cohort_batch_creates_nothing, |store: Store| async move {
    // PostgreSQL enforces the 100 characters of `cohort.idnumber`, so the second cohort fails
    // the batch there; SQLite stores any length.
    let result = store.create_cohorts(&[new("a"), new(&"x".repeat(150))]).await;
    let count = store.list_cohorts().await.unwrap().len();
    if store.backend() == Backend::Postgres {
        assert!(result.is_err());
        assert_eq!(count, 0);
    } else {
        assert_eq!(count, 2);
    }
});
