//! Updating and deleting courses on both backends: a moved course takes its context subtree
//! and its course count along; a deleted course leaves nothing behind.

use portico_store::model::{CONTEXT_BLOCK, CONTEXT_COURSE, CONTEXT_COURSECAT, Course};
use portico_store::{
    CourseUpdate, DefaultEnrol, NewCategory, NewCourse, NewEnrolment, NewRoleAssignment, Store,
    StoreError,
};
use portico_testkit::backend_test;

fn category(name: &str) -> NewCategory {
    NewCategory { name: name.into(), visible: 1, descriptionformat: 1, ..NewCategory::default() }
}

async fn course(store: &Store, shortname: &str, category: i64) -> Course {
    let row = Course {
        category,
        fullname: shortname.into(),
        shortname: shortname.into(),
        format: "topics".into(),
        visible: 1,
        ..Course::default()
    };
    let new = NewCourse {
        course: row,
        numsections: 2,
        format_options: vec![("hiddensections".into(), "0".into())],
    };
    let manual =
        DefaultEnrol { enrol: "manual".into(), status: 0, roleid: 5, ..DefaultEnrol::default() };
    store.create_courses(&[new], &[manual]).await.unwrap().remove(0)
}

backend_test!(a_moved_course_takes_its_contexts_along, |store: Store| async move {
    let categories =
        store.create_categories(&[category("Science"), category("Arts")]).await.unwrap();
    let (science, arts) = (categories[0].id, categories[1].id);
    let bio = course(&store, "BIO", science).await;
    let course_context = store.context_by_instance(CONTEXT_COURSE, bio.id).await.unwrap().unwrap();
    let block = store.create_context(CONTEXT_BLOCK, 77, Some(course_context.id)).await.unwrap();
    let before = store.change_log_since(0).await.unwrap().last().map_or(0, |row| row.id);
    let mut row = bio.clone();
    row.category = arts;
    row.fullname = "Biology".into();
    let update =
        CourseUpdate { course: row, format_options: vec![("hiddensections".into(), "1".into())] };
    let stored = store.update_course(&update).await.unwrap();
    assert_eq!((stored.category, stored.fullname.as_str()), (arts, "Biology"));
    assert_eq!(stored.sortorder, categories[1].sortorder + 1);
    assert!(stored.cacherev > bio.cacherev);
    assert_eq!(store.category_by_id(science).await.unwrap().unwrap().coursecount, 0);
    assert_eq!(store.category_by_id(arts).await.unwrap().unwrap().coursecount, 1);
    let parent = store.context_by_instance(CONTEXT_COURSECAT, arts).await.unwrap().unwrap();
    let parent_path = parent.path.unwrap();
    let moved = store.context_by_id(course_context.id).await.unwrap().unwrap();
    assert_eq!(moved.path, Some(format!("{parent_path}/{}", moved.id)));
    let block = store.context_by_id(block.id).await.unwrap().unwrap();
    assert_eq!(block.path, Some(format!("{parent_path}/{}/{}", moved.id, block.id)));
    assert_eq!(block.depth, moved.depth + 1);
    let changes = store.change_log_since(before).await.unwrap();
    assert!(changes.iter().any(|c| c.kind == "context" && c.key == moved.id.to_string()));
    assert_eq!(
        store.course_format_options(bio.id, "topics").await.unwrap(),
        [("hiddensections".to_owned(), "1".to_owned())]
    );
    // A new format drops the previous format's options.
    let mut weeks = store.course_by_id(bio.id).await.unwrap().unwrap();
    weeks.format = "weeks".into();
    let update = CourseUpdate {
        course: weeks,
        format_options: vec![("automaticenddate".into(), "1".into())],
    };
    store.update_course(&update).await.unwrap();
    assert_eq!(
        store.course_format_options(bio.id, "weeks").await.unwrap(),
        [("automaticenddate".to_owned(), "1".to_owned())]
    );
    let mut lost = bio.clone();
    lost.category = 999_999;
    let update = CourseUpdate { course: lost, format_options: vec![] };
    assert!(matches!(store.update_course(&update).await, Err(StoreError::NotFound { .. })));
    assert_eq!(store.course_by_id(bio.id).await.unwrap().unwrap().category, arts);
});

backend_test!(a_deleted_course_leaves_nothing_behind, |store: Store| async move {
    let science = store.create_categories(&[category("Science")]).await.unwrap().remove(0);
    let bio = course(&store, "BIO", science.id).await;
    let chem = course(&store, "CHEM", science.id).await;
    let user = store
        .create_user(&portico_store::model::User {
            username: "ann".into(),
            auth: "manual".into(),
            confirmed: 1,
            mnethostid: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    for course in [&bio, &chem] {
        let manual = store.enrol_instances(course.id).await.unwrap().remove(0);
        let enrolment =
            NewEnrolment { enrolid: manual.id, userid: user.id, roleid: 5, ..Default::default() };
        store.enrol_users(&[enrolment]).await.unwrap();
    }
    let context = store.context_by_instance(CONTEXT_COURSE, bio.id).await.unwrap().unwrap();
    let block = store.create_context(CONTEXT_BLOCK, 78, Some(context.id)).await.unwrap();
    store
        .assign_role(&NewRoleAssignment {
            roleid: 4,
            contextid: block.id,
            userid: user.id,
            component: String::new(),
            itemid: 0,
            modifierid: 0,
        })
        .await
        .unwrap();
    let before = store.change_log_since(0).await.unwrap().last().map_or(0, |row| row.id);
    assert!(store.delete_course(bio.id).await.unwrap());
    assert!(store.course_by_id(bio.id).await.unwrap().is_none());
    assert!(store.context_by_id(context.id).await.unwrap().is_none());
    assert!(store.context_by_id(block.id).await.unwrap().is_none());
    assert!(store.enrol_instances(bio.id).await.unwrap().is_empty());
    assert!(store.course_section_numbers(bio.id).await.unwrap().is_empty());
    assert!(store.course_format_options(bio.id, "weeks").await.unwrap().is_empty());
    assert!(!store.is_enrolled(bio.id, user.id, false, 0).await.unwrap());
    // The other course keeps its enrolment and its role assignment.
    assert!(store.is_enrolled(chem.id, user.id, false, 0).await.unwrap());
    assert_eq!(store.role_assignments_of_user(user.id).await.unwrap().len(), 1);
    assert_eq!(store.course_section_numbers(chem.id).await.unwrap(), [0, 1, 2]);
    assert_eq!(store.category_by_id(science.id).await.unwrap().unwrap().coursecount, 1);
    let changes = store.change_log_since(before).await.unwrap();
    assert!(changes.iter().any(|c| c.kind == "roleassignment" && c.key == user.id.to_string()));
    assert!(changes.iter().any(|c| c.kind == "context" && c.key == block.id.to_string()));
    // Twice, or the site course: nothing happens.
    assert!(!store.delete_course(bio.id).await.unwrap());
    assert!(matches!(store.delete_course(1).await, Err(StoreError::Invalid { .. })));
    assert!(store.course_by_id(1).await.unwrap().is_some());
});
