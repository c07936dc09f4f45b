//! The asynchronous event log on a real store: nothing is lost, order is kept, `flush` waits.

use portico_access::EventLog;
use portico_access::events::user_login_failed;
use portico_store::Store;
use portico_testkit::backend_test;

use crate::common::*;

backend_test!(every_recorded_event_is_stored_in_order, |store: Store| async move {
    let log = EventLog::spawn(store.clone());
    // More than one batch, recorded from several tasks at once.
    let mut tasks = Vec::new();
    for task in 0..4 {
        let log = log.clone();
        tasks.push(tokio::spawn(async move {
            for n in 0..300 {
                log.record(user_login_failed(task, &format!("u{task}-{n}"), 3, NOW, ip()));
            }
        }));
    }
    for task in tasks {
        task.await.expect("recording task");
    }
    log.flush().await;
    let mut events = store.recent_log(2000).await.expect("read");
    assert_eq!(events.len(), 1200);
    events.reverse();
    for task in 0..4 {
        let names: Vec<String> =
            events.iter().filter(|e| e.userid == task).filter_map(|e| e.other.clone()).collect();
        let expected: Vec<String> =
            (0..300).map(|n| format!(r#"{{"username":"u{task}-{n}","reason":3}}"#)).collect();
        assert_eq!(names, expected);
    }
});

backend_test!(a_log_made_outside_the_runtime_starts_on_first_use, |store: Store| async move {
    let log = std::thread::spawn({
        let store = store.clone();
        move || EventLog::new(store)
    })
    .join()
    .expect("made on a plain thread");
    log.record(user_login_failed(0, "late", 1, NOW, ip()));
    log.flush().await;
    assert_eq!(store.recent_log(10).await.expect("read").len(), 1);
    // Flushing an empty queue returns at once.
    log.flush().await;
});
