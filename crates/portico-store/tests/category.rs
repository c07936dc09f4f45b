//! Course categories on both backends: Moodle's depth-first numbering, contexts, and an
//! all-or-nothing batch.

use portico_store::model::CONTEXT_COURSECAT;
use portico_store::{NewCategory, Store, StoreError};
use portico_testkit::backend_test;

backend_test!(categories_are_numbered_depth_first, |store: Store| async move {
    let new = |name: &str, parent: i64| NewCategory {
        name: name.into(),
        parent,
        visible: 1,
        descriptionformat: 1,
        ..NewCategory::default()
    };
    let top = store.create_categories(&[new("Science", 0)]).await.unwrap();
    let science = top[0].id;
    assert_eq!((top[0].sortorder, top[0].depth), (20_000, 1));
    assert_eq!(top[0].path, format!("/{science}"));
    let more = store.create_categories(&[new("Arts", 0), new("Physics", science)]).await.unwrap();
    let physics = &more[1];
    assert_eq!((physics.depth, physics.path.clone()), (2, format!("/{science}/{}", physics.id)));
    let names: Vec<(String, i64)> =
        store.list_categories().await.unwrap().into_iter().map(|c| (c.name, c.sortorder)).collect();
    assert_eq!(
        names,
        [
            ("Category 1".to_owned(), 10_000),
            ("Science".to_owned(), 20_000),
            ("Physics".to_owned(), 30_000),
            ("Arts".to_owned(), 40_000)
        ]
    );
    let context = store.context_by_instance(CONTEXT_COURSECAT, physics.id).await.unwrap();
    assert_eq!(context.unwrap().depth, 3);
    let missing = store.create_categories(&[new("Orphan", 999_999), new("X", 0)]).await;
    assert!(matches!(missing, Err(StoreError::NotFound { .. })));
    assert_eq!(store.list_categories().await.unwrap().len(), 4);
});
