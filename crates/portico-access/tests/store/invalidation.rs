//! Two nodes on one database: a change made through one is refused through the other within a
//! second (PostgreSQL: LISTEN/NOTIFY; SQLite: the polling feed).

use std::sync::Arc;
use std::time::Duration;

use portico_access::{Access, AccessError, Caller, StoreSource};
use portico_store::Store;
use portico_testkit::{backend_test, open_another};

use crate::common::*;

const TOKEN: &str = "0123456789abcdef0123456789abcdef";

/// Node A is the fixture site; node B is another handle on the same database with its own cache
/// and watcher. B's cache is warm when this returns.
async fn two_nodes(store: Store) -> (Site, Arc<Access<StoreSource>>, i64) {
    let site = site(store).await;
    let token = token(&site.store, &site.student, &site.mobile, TOKEN, |_| {}).await;
    watch(&site.access).await;
    let other = Arc::new(Access::new(StoreSource::new(open_another().await)));
    watch(&other).await;
    assert!(call(&other, TOKEN, FUNCTION).await.is_ok());
    assert!(call(&site.access, TOKEN, FUNCTION).await.is_ok());
    (site, other, token.id)
}

/// Calls through `access` at once and then every 50 ms, for up to a second, until the call is
/// refused.
async fn refused_within_a_second(access: &Access<StoreSource>) -> AccessError {
    let mut last: Result<Caller, AccessError> = call(access, TOKEN, FUNCTION).await;
    for _ in 0..20 {
        if last.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        last = call(access, TOKEN, FUNCTION).await;
    }
    last.expect_err("the change reached the other node within a second")
}

backend_test!(a_revoked_token_is_refused_on_the_other_node, |store: Store| async move {
    let (site, other, id) = two_nodes(store).await;
    site.store.delete_token(id).await.expect("revoke");
    let error = refused_within_a_second(&other).await;
    assert_eq!(error.exception().errorcode, "invalidtoken");
    other.source().store().close().await;
});

backend_test!(a_suspended_user_is_refused_on_the_other_node, |store: Store| async move {
    let (site, other, _) = two_nodes(store).await;
    site.store.set_user_suspended(site.student.id, true).await.expect("suspend");
    let error = refused_within_a_second(&other).await;
    assert_eq!(error.exception().errorcode, "wsaccessusersuspended");
    other.source().store().close().await;
});
