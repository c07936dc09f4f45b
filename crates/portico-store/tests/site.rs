//! The site's name on both backends: read from and written to the site course, reported on the
//! change feed.

use portico_store::{ChangeKind, Store};
use portico_testkit::backend_test;

backend_test!(the_site_can_be_renamed, |store: Store| async move {
    assert_eq!(store.site_name().await.unwrap(), "Portico");
    let mut changes = store.changes().await.unwrap();
    store.set_site_name("École «Ouest»").await.unwrap();
    assert_eq!(store.site_name().await.unwrap(), "École «Ouest»");
    let change = changes.recv().await.unwrap();
    assert_eq!((change.kind, change.key.as_str()), (ChangeKind::Config, "sitename"));
});
