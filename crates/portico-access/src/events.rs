//! The audit log of spec 02 §10, written off the request path: [`EventLog`] and one builder per
//! event.
//!
//! A request never waits for the log. [`EventLog::record`] puts the event on an unbounded
//! in-memory queue and returns; one background task per log drains the queue and inserts events
//! in batches, one transaction per batch (`Store::append_logs`). Nothing is dropped while the
//! database is merely unavailable: the writer keeps the batch and retries with a growing pause.
//! Only an event the database refuses for good (a row it can never store) is dropped, reported
//! through `tracing`, so that it cannot hold back every event behind it. [`EventLog::flush`]
//! waits until everything recorded before it is stored; call it before shutting down, since
//! events still queued when the runtime stops are lost.
//!
//! The builders fill `logstore_standard_log` rows as Moodle's event classes do: component,
//! action and target from the class name, `crud`, `edulevel` 0 ("other"), the system context,
//! `other` JSON-encoded. This module must never put a token value, private token or password in
//! an event.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use portico_store::model::{CONTEXT_SYSTEM, ExternalToken, LogstoreStandardLog, SYSTEM_CONTEXT_ID};
use portico_store::{Store, StoreError};
use tokio::sync::{mpsc, oneshot};

use crate::decision::{Caller, LoginFailed};

/// Most events written in one transaction.
const MAX_BATCH: usize = 256;
/// Longest pause between two attempts while the database is unavailable.
const MAX_RETRY_PAUSE: Duration = Duration::from_secs(5);

/// The asynchronous event log of a node. Cheap to clone; every clone feeds the same writer.
#[derive(Clone)]
pub struct EventLog {
    inner: Arc<Inner>,
}

struct Inner {
    sender: mpsc::UnboundedSender<Message>,
    /// The writer until its task is started (on the first use inside a Tokio runtime).
    idle: Mutex<Option<Writer>>,
}

enum Message {
    Event(Box<LogstoreStandardLog>),
    Flush(oneshot::Sender<()>),
}

struct Writer {
    store: Store,
    receiver: mpsc::UnboundedReceiver<Message>,
}

impl EventLog {
    /// A log writing to `store`, whose writer task starts on first use. Unlike
    /// [`EventLog::spawn`] it can be made outside a Tokio runtime (a node is built synchronously).
    pub fn new(store: Store) -> EventLog {
        let (sender, receiver) = mpsc::unbounded_channel();
        let writer = Writer { store, receiver };
        EventLog { inner: Arc::new(Inner { sender, idle: Mutex::new(Some(writer)) }) }
    }

    /// A log writing to `store`, its writer task started now. Must be called inside a Tokio
    /// runtime.
    pub fn spawn(store: Store) -> EventLog {
        let log = EventLog::new(store);
        log.start();
        log
    }

    /// Queues `event` for writing; never blocks and never waits for the database.
    pub fn record(&self, event: LogstoreStandardLog) {
        // The receiver lives as long as the writer task, which only ends when every sender (one
        // is in `inner`) is gone, or when the runtime itself is shutting down.
        if self.inner.sender.send(Message::Event(Box::new(event))).is_err() {
            tracing::error!("event log writer is gone; an event was not stored");
        }
        self.start();
    }

    /// Waits until every event recorded before this call is stored. While the database is
    /// unavailable this waits for it to come back.
    pub async fn flush(&self) {
        self.start();
        let (done, finished) = oneshot::channel();
        if self.inner.sender.send(Message::Flush(done)).is_ok() {
            // An error here means the writer stopped (runtime shutdown): nothing left to wait for.
            let _ = finished.await;
        }
    }

    fn start(&self) {
        let mut idle = self.inner.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if idle.is_none() {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        if let Some(writer) = idle.take() {
            runtime.spawn(writer.run());
        }
    }
}

impl Writer {
    async fn run(mut self) {
        let mut batch = Vec::new();
        let mut flushes = Vec::new();
        while let Some(first) = self.receiver.recv().await {
            let mut next = Some(first);
            while let Some(message) = next {
                match message {
                    Message::Event(event) => batch.push(*event),
                    Message::Flush(done) => flushes.push(done),
                }
                next = if batch.len() < MAX_BATCH { self.receiver.try_recv().ok() } else { None };
            }
            self.write(&batch).await;
            batch.clear();
            for done in flushes.drain(..) {
                let _ = done.send(());
            }
        }
    }

    async fn write(&self, batch: &[LogstoreStandardLog]) {
        match self.retrying(|| self.store.append_logs(batch)).await {
            Ok(()) => {}
            // The database refused the batch itself: store what it accepts one by one, so one
            // bad row does not cost the others.
            Err(_) => {
                for event in batch {
                    if let Err(error) = self.retrying(|| self.store.append_log(event)).await {
                        tracing::error!(
                            eventname = %event.eventname,
                            %error,
                            "event refused by the database; dropped"
                        );
                    }
                }
            }
        }
    }

    /// Runs `attempt` until it succeeds or fails for a reason other than availability.
    async fn retrying<T, F>(&self, attempt: impl Fn() -> F) -> Result<T, StoreError>
    where
        F: Future<Output = Result<T, StoreError>>,
    {
        let mut pause = Duration::from_millis(100);
        loop {
            match attempt().await {
                Err(StoreError::Unavailable(reason)) => {
                    tracing::warn!(%reason, "event log waits for the database");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(MAX_RETRY_PAUSE);
                }
                outcome => return outcome,
            }
        }
    }
}

/// A row for an event of the core component in the system context, as Moodle's event base class
/// fills it; `eventname` is the class name without the `\core\event\` prefix.
fn core_event(
    class: &str,
    crud: &str,
    userid: i64,
    other: Option<serde_json::Value>,
    now: i64,
    origin: &str,
    ip: IpAddr,
) -> LogstoreStandardLog {
    // Moodle derives component, target and action from the class name: `core`, then everything
    // before the last underscore, then the rest.
    let (target, action) = class.rsplit_once('_').unwrap_or((class, ""));
    LogstoreStandardLog {
        id: 0,
        eventname: format!("\\core\\event\\{class}"),
        component: "core".to_owned(),
        action: action.to_owned(),
        target: target.to_owned(),
        crud: crud.to_owned(),
        edulevel: 0,
        contextid: SYSTEM_CONTEXT_ID,
        contextlevel: CONTEXT_SYSTEM,
        contextinstanceid: 0,
        userid,
        courseid: Some(0),
        other: other.map(|other| other.to_string()),
        timecreated: now,
        origin: Some(origin.to_owned()),
        ip: Some(ip.to_canonical().to_string()),
        ..LogstoreStandardLog::default()
    }
}

/// `\core\event\webservice_login_failed`: a token server refused a token or its user (§3).
pub fn webservice_login_failed(event: &LoginFailed, now: i64, ip: IpAddr) -> LogstoreStandardLog {
    let mut other = serde_json::Map::new();
    other.insert("method".into(), event.method.into());
    other.insert("reason".into(), event.reason.into());
    if let Some(id) = event.tokenid {
        other.insert("tokenid".into(), id.into());
    }
    core_event("webservice_login_failed", "r", 0, Some(other.into()), now, "ws", ip)
}

/// `\core\event\webservice_function_called`: a token-server call passed its access checks and
/// is about to validate its arguments (§3 step 18).
pub fn webservice_function_called(
    function: &str,
    caller: &Caller,
    now: i64,
    ip: IpAddr,
) -> LogstoreStandardLog {
    let other = serde_json::json!({ "function": function });
    core_event("webservice_function_called", "r", caller.userid, Some(other), now, "ws", ip)
}

/// `\core\event\webservice_token_created`: `token` was made by user `creatorid`; `auto` when
/// `login/token.php` made it (§5.2 step 6).
pub fn webservice_token_created(
    token: &ExternalToken,
    creatorid: i64,
    auto: bool,
    now: i64,
    ip: IpAddr,
) -> LogstoreStandardLog {
    let other = serde_json::json!({ "auto": auto });
    LogstoreStandardLog {
        objecttable: Some("external_tokens".to_owned()),
        objectid: Some(token.id),
        relateduserid: Some(token.userid),
        ..core_event("webservice_token_created", "c", creatorid, Some(other), now, "web", ip)
    }
}

/// `\core\event\webservice_token_sent`: `login/token.php` handed `token` out to its user (§5.3).
pub fn webservice_token_sent(token: &ExternalToken, now: i64, ip: IpAddr) -> LogstoreStandardLog {
    LogstoreStandardLog {
        objecttable: Some("external_tokens".to_owned()),
        objectid: Some(token.id),
        ..core_event("webservice_token_sent", "r", token.userid, None, now, "web", ip)
    }
}

/// `\core\event\user_login_failed`: password authentication failed for `username` (as typed,
/// after cleaning) with `reason` (`crate::decision::login_failure`); `userid` is the account's id
/// when one was found, else 0.
pub fn user_login_failed(
    userid: i64,
    username: &str,
    reason: i64,
    now: i64,
    ip: IpAddr,
) -> LogstoreStandardLog {
    let other = serde_json::json!({ "username": username, "reason": reason });
    core_event("user_login_failed", "r", userid, Some(other), now, "web", ip)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000;

    fn ip() -> IpAddr {
        "10.0.0.1".parse().expect("valid")
    }

    #[test]
    fn class_names_split_as_moodle_splits_them() {
        let caller = Caller { userid: 3, tokenid: 4, serviceid: 1, contextid: 1 };
        let event = webservice_function_called("core_webservice_get_site_info", &caller, NOW, ip());
        assert_eq!(event.eventname, "\\core\\event\\webservice_function_called");
        assert_eq!(
            (event.component.as_str(), event.target.as_str()),
            ("core", "webservice_function")
        );
        assert_eq!(event.action, "called");
        assert_eq!(event.other.as_deref(), Some(r#"{"function":"core_webservice_get_site_info"}"#));
        assert_eq!((event.userid, event.origin.as_deref()), (3, Some("ws")));

        let failed = user_login_failed(0, "anne", 1, NOW, ip());
        assert_eq!((failed.target.as_str(), failed.action.as_str()), ("user_login", "failed"));
        assert_eq!(failed.other.as_deref(), Some(r#"{"username":"anne","reason":1}"#));
    }

    #[test]
    fn token_events_name_the_token_never_its_secret() {
        let token = ExternalToken {
            id: 9,
            token: "0123456789abcdef0123456789abcdef".into(),
            privatetoken: Some("p".repeat(64)),
            tokentype: 0,
            userid: 5,
            externalserviceid: 1,
            sid: None,
            contextid: SYSTEM_CONTEXT_ID,
            creatorid: 5,
            iprestriction: None,
            validuntil: None,
            timecreated: NOW,
            lastaccess: None,
            name: Some("Webservice-abcde".into()),
        };
        let created = webservice_token_created(&token, 5, true, NOW, ip());
        assert_eq!((created.crud.as_str(), created.objectid), ("c", Some(9)));
        assert_eq!(created.relateduserid, Some(5));
        assert_eq!(created.other.as_deref(), Some(r#"{"auto":true}"#));
        let sent = webservice_token_sent(&token, NOW, ip());
        assert_eq!((sent.target.as_str(), sent.action.as_str()), ("webservice_token", "sent"));
        assert_eq!(sent.other, None);
        for event in [created, sent] {
            let text = format!("{event:?}");
            assert!(!text.contains(&token.token) && !text.contains("pppp"));
        }
    }
}
