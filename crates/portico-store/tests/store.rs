//! The storage layer on both backends: migrations, every repository, conflicts, rollbacks and
//! the change feed.

use std::time::Duration;

use portico_store::model::{
    CAP_ALLOW, CAP_INHERIT, CAP_PROHIBIT, CONTEXT_COURSE, CONTEXT_COURSECAT, CONTEXT_SYSTEM,
    CONTEXT_USER, Capability, EXTERNAL_TOKEN_PERMANENT, ExternalFunction, ExternalService,
    ExternalServiceUser, ExternalToken, LogstoreStandardLog, MNET_LOCALHOST_ID, Session, User,
    role_id,
};
use portico_store::{Change, ChangeKind, NewRoleAssignment, Store, StoreError};
use portico_testkit::{backend_test, open_another};

fn user(username: &str) -> User {
    User {
        auth: "manual".into(),
        confirmed: 1,
        mnethostid: MNET_LOCALHOST_ID,
        username: username.into(),
        password: "$6$rounds=10000$salt$hash".into(),
        firstname: "First".into(),
        lastname: "Last".into(),
        email: format!("{username}@example.com"),
        lang: "en".into(),
        calendartype: "gregorian".into(),
        timezone: "99".into(),
        descriptionformat: 1,
        mailformat: 1,
        maildisplay: 2,
        autosubscribe: 1,
        timecreated: 1_700_000_000,
        ..User::default()
    }
}

fn service(shortname: &str) -> ExternalService {
    ExternalService {
        id: 0,
        name: format!("Service {shortname}"),
        enabled: 1,
        requiredcapability: None,
        restrictedusers: 0,
        component: None,
        timecreated: 1_700_000_000,
        timemodified: None,
        shortname: Some(shortname.into()),
        downloadfiles: 0,
        uploadfiles: 0,
    }
}

fn token(value: &str, userid: i64, serviceid: i64, timecreated: i64) -> ExternalToken {
    ExternalToken {
        id: 0,
        token: value.into(),
        privatetoken: Some("p".repeat(64)),
        tokentype: EXTERNAL_TOKEN_PERMANENT,
        userid,
        externalserviceid: serviceid,
        sid: None,
        contextid: 1,
        creatorid: userid,
        iprestriction: None,
        validuntil: Some(0),
        timecreated,
        lastaccess: None,
        name: Some("Webservice-abcde".into()),
    }
}

/// Waits up to one second for `wanted` on `receiver`, skipping other changes.
async fn expect_change(receiver: &mut portico_store::ChangeReceiver, wanted: &Change) {
    let found = tokio::time::timeout(Duration::from_secs(1), async {
        while let Some(change) = receiver.recv().await {
            if &change == wanted {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(found, Ok(true), "{wanted:?} not reported within one second");
}

backend_test!(migrations_create_everything_and_twice_is_a_no_op, |store: Store| async move {
    let latest = Store::latest_schema_version();
    assert_eq!(store.schema_version().await.unwrap(), latest);
    let again = store.migrate().await.unwrap();
    assert_eq!(again.from, latest);
    assert_eq!(again.to, latest);
    assert!(again.applied.is_empty());
    assert_eq!(store.system_context().await.unwrap().path.as_deref(), Some("/1"));
});

backend_test!(migrations_upgrade_an_old_version, |store: Store| async move {
    // A second prefix in the same database is an empty schema of its own.
    let options = portico_store::StoreOptions { prefix: "old_".into(), ..Default::default() };
    let old = reopen_with(options).await;
    let first = old.migrate_to(1).await.unwrap();
    assert_eq!((first.from, first.to), (0, 1));
    assert_eq!(old.schema_version().await.unwrap(), 1);
    let upgrade = old.migrate().await.unwrap();
    assert_eq!(upgrade.from, 1);
    assert_eq!(upgrade.to, Store::latest_schema_version());
    assert_eq!(upgrade.applied, (2..=Store::latest_schema_version()).collect::<Vec<_>>());
    assert!(old.service_by_shortname("moodle_mobile_app").await.unwrap().is_some());
    // The default-prefix tables are untouched by the other prefix.
    assert_eq!(store.list_roles().await.unwrap().len(), 8);
});

async fn reopen_with(options: portico_store::StoreOptions) -> Store {
    Store::open_with(&portico_testkit::current_url(), options).await.unwrap()
}

backend_test!(install_data_matches_moodle, |store: Store| async move {
    let roles = store.list_roles().await.unwrap();
    let names: Vec<_> = roles.iter().map(|role| (role.id, role.shortname.as_str())).collect();
    assert_eq!(
        names,
        [
            (role_id::MANAGER, "manager"),
            (role_id::COURSECREATOR, "coursecreator"),
            (role_id::EDITINGTEACHER, "editingteacher"),
            (role_id::TEACHER, "teacher"),
            (role_id::STUDENT, "student"),
            (role_id::GUEST, "guest"),
            (role_id::USER, "user"),
            (role_id::FRONTPAGE, "frontpage"),
        ]
    );
    assert_eq!(store.role_context_levels(role_id::MANAGER).await.unwrap(), [10, 40, 50]);
    let guest = store.user_by_username("guest", MNET_LOCALHOST_ID).await.unwrap().unwrap();
    assert_eq!(guest.id, 1);
    let mobile = store.service_by_shortname("moodle_mobile_app").await.unwrap().unwrap();
    assert_eq!((mobile.enabled, mobile.downloadfiles, mobile.uploadfiles), (0, 1, 1));
    assert_eq!(store.get_config("tokenduration").await.unwrap().as_deref(), Some("7257600"));
    assert_eq!(store.get_config("defaultuserroleid").await.unwrap().as_deref(), Some("7"));
});

backend_test!(config_get_set_list, |store: Store| async move {
    assert_eq!(store.get_config("sitename").await.unwrap(), None);
    store.set_config("sitename", "Portico").await.unwrap();
    store.set_config("sitename", "Portico 2").await.unwrap();
    assert_eq!(store.get_config("sitename").await.unwrap().as_deref(), Some("Portico 2"));
    assert!(store.list_config().await.unwrap().iter().any(|c| c.name == "sitename"));
    assert!(store.unset_config("sitename").await.unwrap());
    assert_eq!(store.get_config("sitename").await.unwrap(), None);

    store.set_plugin_config("tool_mobile", "autologinmintimebetweenreq", "360").await.unwrap();
    assert_eq!(
        store.get_plugin_config("tool_mobile", "autologinmintimebetweenreq").await.unwrap(),
        Some("360".into())
    );
    assert_eq!(store.list_plugin_config("tool_mobile").await.unwrap().len(), 1);
    // Quotes and placeholders in values are data, not SQL.
    store.set_config("odd", "it's a ? {user}").await.unwrap();
    assert_eq!(store.get_config("odd").await.unwrap().as_deref(), Some("it's a ? {user}"));
});

backend_test!(users_create_find_update, |store: Store| async move {
    let alice = store.create_user(&user("alice")).await.unwrap();
    assert!(alice.id > 1);
    let found = store.user_by_id(alice.id).await.unwrap().unwrap();
    assert_eq!(found, alice);
    assert_eq!(
        store.user_by_username("alice", MNET_LOCALHOST_ID).await.unwrap().map(|u| u.id),
        Some(alice.id)
    );
    assert_eq!(store.user_by_username("alice", 2).await.unwrap(), None);
    assert_eq!(store.users_by_email("ALICE@example.com").await.unwrap().len(), 1);

    let context = store.context_by_instance(CONTEXT_USER, alice.id).await.unwrap().unwrap();
    assert_eq!(context.depth, 2);
    assert_eq!(context.path, Some(format!("/1/{}", context.id)));

    store.update_user_password(alice.id, "$2y$10$other").await.unwrap();
    store.set_user_suspended(alice.id, true).await.unwrap();
    let changed = store.user_by_id(alice.id).await.unwrap().unwrap();
    assert_eq!((changed.password.as_str(), changed.suspended), ("$2y$10$other", 1));

    let mut edited = changed.clone();
    edited.firstname = "Alicia".into();
    edited.description = Some("About me".into());
    store.update_user(&edited).await.unwrap();
    assert_eq!(store.user_by_id(alice.id).await.unwrap().unwrap(), edited);

    assert!(matches!(
        store.set_user_suspended(999_999, true).await,
        Err(StoreError::NotFound { entity: "user", id: 999_999 })
    ));
});

backend_test!(duplicate_username_is_a_conflict, |store: Store| async move {
    store.create_user(&user("bob")).await.unwrap();
    let error = store.create_user(&user("bob")).await.unwrap_err();
    assert!(matches!(error, StoreError::Conflict { entity: "user" }), "{error:?}");
    let mut other_host = user("bob");
    other_host.mnethostid = 3;
    store.create_user(&other_host).await.unwrap();
});

backend_test!(a_failed_transaction_rolls_back_every_table, |store: Store| async move {
    let carol = store.create_user(&user("carol")).await.unwrap();
    // Occupy the user context the next user would get, so that its creation fails halfway.
    for next in carol.id + 1..carol.id + 4 {
        store.create_context(CONTEXT_USER, next, None).await.unwrap();
    }
    let error = store.create_user(&user("dave")).await.unwrap_err();
    assert!(matches!(error, StoreError::Conflict { entity: "context" }), "{error:?}");
    assert_eq!(store.user_by_username("dave", MNET_LOCALHOST_ID).await.unwrap(), None);
});

backend_test!(user_delete_removes_tokens_and_assignments, |store: Store| async move {
    let erin = store.create_user(&user("erin")).await.unwrap();
    let service = store.create_service(&service("svc")).await.unwrap();
    store.create_token(&token("t1", erin.id, service.id, 1)).await.unwrap();
    let assignment = NewRoleAssignment {
        roleid: role_id::MANAGER,
        userid: erin.id,
        contextid: 1,
        component: String::new(),
        itemid: 0,
        modifierid: 2,
    };
    store.assign_role(&assignment).await.unwrap();
    store.delete_user(erin.id).await.unwrap();
    assert_eq!(store.user_by_id(erin.id).await.unwrap().unwrap().deleted, 1);
    assert!(store.tokens_of_user(erin.id).await.unwrap().is_empty());
    assert!(store.role_assignments_of_user(erin.id).await.unwrap().is_empty());
});

backend_test!(login_failures_count_within_the_window, |store: Store| async move {
    let frank = store.create_user(&user("frank")).await.unwrap();
    assert_eq!(store.record_login_failure(frank.id, 1000, 1800).await.unwrap(), 1);
    assert_eq!(store.record_login_failure(frank.id, 1100, 1800).await.unwrap(), 2);
    // The previous failure is older than the window: the count starts again.
    assert_eq!(store.record_login_failure(frank.id, 5000, 1800).await.unwrap(), 1);
    assert_eq!(
        store.get_user_preference(frank.id, "login_failed_count_since_success").await.unwrap(),
        Some("3".into())
    );
    store.set_user_preference(frank.id, "login_lockout", "5000").await.unwrap();
    store.reset_login_failures(frank.id).await.unwrap();
    assert_eq!(store.get_user_preference(frank.id, "login_failed_count").await.unwrap(), None);
    assert_eq!(store.list_user_preferences(frank.id).await.unwrap().len(), 1);
    store.unset_user_preference(frank.id, "login_lockout").await.unwrap();
    assert!(store.list_user_preferences(frank.id).await.unwrap().is_empty());
});

backend_test!(contexts_form_a_tree, |store: Store| async move {
    let system = store.system_context().await.unwrap();
    assert_eq!((system.contextlevel, system.depth), (CONTEXT_SYSTEM, 1));
    let category = store.create_context(CONTEXT_COURSECAT, 50, None).await.unwrap();
    let course = store.create_context(CONTEXT_COURSE, 60, Some(category.id)).await.unwrap();
    assert_eq!(course.depth, 3);
    assert_eq!(course.path, Some(format!("/1/{}/{}", category.id, course.id)));
    let chain = store.context_chain(&course).await.unwrap();
    assert_eq!(chain.iter().map(|c| c.id).collect::<Vec<_>>(), [1, category.id, course.id]);
    assert_eq!(store.context_by_id(course.id).await.unwrap(), Some(course.clone()));
    assert!(matches!(
        store.create_context(CONTEXT_COURSE, 60, None).await,
        Err(StoreError::Conflict { entity: "context" })
    ));
    assert!(matches!(
        store.create_context(CONTEXT_COURSE, 61, Some(999_999)).await,
        Err(StoreError::NotFound { entity: "context", id: 999_999 })
    ));
    store.set_context_locked(course.id, true).await.unwrap();
    assert_eq!(store.context_by_id(course.id).await.unwrap().unwrap().locked, 1);
});

backend_test!(role_permissions_and_assignments, |store: Store| async move {
    let capability = Capability {
        id: 0,
        name: "webservice/rest:use".into(),
        captype: "read".into(),
        contextlevel: CONTEXT_COURSE,
        component: "webservice_rest".into(),
        riskbitmask: 0,
    };
    let id = store.upsert_capability(&capability).await.unwrap();
    assert_eq!(store.upsert_capability(&capability).await.unwrap(), id);
    assert_eq!(store.capability_by_name("webservice/rest:use").await.unwrap().unwrap().id, id);
    assert_eq!(store.list_capabilities().await.unwrap().len(), 1);

    store.set_role_capability(role_id::USER, 1, "webservice/rest:use", CAP_ALLOW, 2).await.unwrap();
    store
        .set_role_capability(role_id::USER, 1, "webservice/rest:use", CAP_PROHIBIT, 2)
        .await
        .unwrap();
    let rows = store.role_capabilities_in_context(1).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].permission, CAP_PROHIBIT);
    assert_eq!(store.role_capabilities_for("webservice/rest:use").await.unwrap().len(), 1);
    assert_eq!(store.role_capabilities_of_role(role_id::USER).await.unwrap().len(), 1);
    store
        .set_role_capability(role_id::USER, 1, "webservice/rest:use", CAP_INHERIT, 2)
        .await
        .unwrap();
    assert!(store.role_capabilities_in_context(1).await.unwrap().is_empty());

    let grace = store.create_user(&user("grace")).await.unwrap();
    let assignment = NewRoleAssignment {
        roleid: role_id::STUDENT,
        userid: grace.id,
        contextid: 1,
        component: String::new(),
        itemid: 0,
        modifierid: 2,
    };
    let first = store.assign_role(&assignment).await.unwrap();
    let again = store.assign_role(&assignment).await.unwrap();
    assert_eq!(first.id, again.id);
    assert_eq!(store.role_assignments_of_user(grace.id).await.unwrap().len(), 1);
    assert_eq!(store.role_assignments_in_context(1).await.unwrap().len(), 1);
    assert_eq!(store.unassign_role(role_id::STUDENT, grace.id, 1).await.unwrap(), 1);
    assert!(store.role_assignments_of_user(grace.id).await.unwrap().is_empty());

    let custom = store.create_role("Auditor", "auditor", "Reads logs", "").await.unwrap();
    assert_eq!(custom.sortorder, 9);
    assert_eq!(store.role_by_shortname("auditor").await.unwrap(), Some(custom.clone()));
    assert_eq!(store.role_by_id(custom.id).await.unwrap(), Some(custom));
    assert!(matches!(
        store.create_role("Again", "auditor", "", "").await,
        Err(StoreError::Conflict { entity: "role" })
    ));
});

backend_test!(services_functions_and_authorised_users, |store: Store| async move {
    let created = store.create_service(&service("reports")).await.unwrap();
    assert_eq!(store.service_by_id(created.id).await.unwrap(), Some(created.clone()));
    assert_eq!(store.service_by_shortname("reports").await.unwrap(), Some(created.clone()));
    assert_eq!(store.list_services().await.unwrap().len(), 2);
    assert!(matches!(
        store.create_service(&service("reports")).await,
        Err(StoreError::Conflict { entity: "external_service" })
    ));

    store.set_service_enabled(created.id, false).await.unwrap();
    let mut edited = store.service_by_id(created.id).await.unwrap().unwrap();
    assert_eq!(edited.enabled, 0);
    edited.restrictedusers = 1;
    edited.requiredcapability = Some("moodle/site:config".into());
    store.update_service(&edited).await.unwrap();
    assert_eq!(store.service_by_id(created.id).await.unwrap(), Some(edited));

    let function = ExternalFunction {
        id: 0,
        name: "core_webservice_get_site_info".into(),
        classname: "core_webservice_external".into(),
        methodname: "get_site_info".into(),
        classpath: None,
        component: "moodle".into(),
        capabilities: Some(String::new()),
        services: Some("moodle_mobile_app".into()),
    };
    let id = store.upsert_external_function(&function).await.unwrap();
    let mut changed = function.clone();
    changed.methodname = "site_info".into();
    assert_eq!(store.upsert_external_function(&changed).await.unwrap(), id);
    let stored = store.external_function_by_name(&function.name).await.unwrap().unwrap();
    assert_eq!(stored, ExternalFunction { id, ..changed });
    assert_eq!(store.list_external_functions().await.unwrap().len(), 1);

    store.add_service_function(created.id, &function.name).await.unwrap();
    store.add_service_function(created.id, &function.name).await.unwrap();
    let functions = store.service_functions(created.id).await.unwrap();
    assert_eq!(functions.len(), 1);
    assert_eq!(functions[0].functionname, function.name);
    assert!(store.remove_service_function(created.id, &function.name).await.unwrap());
    assert!(store.service_functions(created.id).await.unwrap().is_empty());

    let henry = store.create_user(&user("henry")).await.unwrap();
    let listing = ExternalServiceUser {
        id: 0,
        externalserviceid: created.id,
        userid: henry.id,
        iprestriction: Some("192.168.1.0/24".into()),
        validuntil: Some(2_000_000_000),
        timecreated: Some(1_700_000_000),
    };
    let stored = store.add_service_user(&listing).await.unwrap();
    assert!(matches!(
        store.add_service_user(&listing).await,
        Err(StoreError::Conflict { entity: "external_service_user" })
    ));
    assert_eq!(store.service_user(created.id, henry.id).await.unwrap(), Some(stored.clone()));
    let mut edited = stored.clone();
    edited.iprestriction = None;
    edited.validuntil = None;
    store.update_service_user(&edited).await.unwrap();
    assert_eq!(store.service_users(created.id).await.unwrap(), [edited]);
    assert!(store.remove_service_user(created.id, henry.id).await.unwrap());
    assert!(store.service_users(created.id).await.unwrap().is_empty());

    store.create_token(&token("svc-token", henry.id, created.id, 1)).await.unwrap();
    store.add_service_function(created.id, &function.name).await.unwrap();
    store.delete_service(created.id).await.unwrap();
    assert_eq!(store.service_by_id(created.id).await.unwrap(), None);
    assert_eq!(store.token_by_value("svc-token").await.unwrap(), None);
    assert!(store.service_functions(created.id).await.unwrap().is_empty());
});

backend_test!(tokens_create_find_reuse_revoke, |store: Store| async move {
    let ida = store.create_user(&user("ida")).await.unwrap();
    let mobile = store.service_by_shortname("moodle_mobile_app").await.unwrap().unwrap();
    let older = store.create_token(&token("a".repeat(32).as_str(), ida.id, mobile.id, 10)).await;
    let older = older.unwrap();
    let newer = store.create_token(&token(&"b".repeat(32), ida.id, mobile.id, 20)).await.unwrap();
    assert_eq!(store.token_by_value(&"a".repeat(32)).await.unwrap(), Some(older.clone()));
    assert_eq!(store.token_by_id(newer.id).await.unwrap(), Some(newer.clone()));
    assert!(store.token_exists(&"b".repeat(32)).await.unwrap());
    assert!(!store.token_exists("missing").await.unwrap());
    let reusable = store
        .tokens_of_user_for_service(ida.id, mobile.id, EXTERNAL_TOKEN_PERMANENT)
        .await
        .unwrap();
    assert_eq!(reusable.iter().map(|t| t.id).collect::<Vec<_>>(), [older.id, newer.id]);
    assert_eq!(store.list_tokens().await.unwrap().len(), 2);

    assert!(store.touch_token(older.id, 1000, 60).await.unwrap());
    assert!(!store.touch_token(older.id, 1030, 60).await.unwrap());
    assert!(store.touch_token(older.id, 1060, 60).await.unwrap());
    assert_eq!(store.token_by_id(older.id).await.unwrap().unwrap().lastaccess, Some(1060));

    let mut edited = newer.clone();
    edited.iprestriction = Some("10.0.0.1".into());
    edited.validuntil = Some(3_000_000_000);
    store.update_token(&edited).await.unwrap();
    assert_eq!(store.token_by_id(newer.id).await.unwrap(), Some(edited));

    assert!(store.delete_token(older.id).await.unwrap());
    assert!(!store.delete_token(older.id).await.unwrap());
    assert_eq!(store.delete_tokens_of_user(ida.id).await.unwrap(), 1);
    assert!(store.tokens_of_user(ida.id).await.unwrap().is_empty());
});

backend_test!(sessions_and_their_embedded_tokens, |store: Store| async move {
    let jane = store.create_user(&user("jane")).await.unwrap();
    let session = Session {
        id: 0,
        state: 0,
        sid: "s".repeat(26),
        userid: jane.id,
        sessdata: Some("sesskey=abcdefghij".into()),
        timecreated: 100,
        timemodified: 100,
        firstip: Some("127.0.0.1".into()),
        lastip: Some("127.0.0.1".into()),
    };
    let stored = store.create_session(&session).await.unwrap();
    assert!(matches!(
        store.create_session(&session).await,
        Err(StoreError::Conflict { entity: "session" })
    ));
    assert_eq!(store.session_by_sid(&session.sid).await.unwrap(), Some(stored));
    assert!(store.touch_session(&session.sid, 200, "10.0.0.2").await.unwrap());
    store.update_session(&session.sid, jane.id, Some("sesskey=rotated")).await.unwrap();
    let touched = store.session_by_sid(&session.sid).await.unwrap().unwrap();
    assert_eq!(touched.timemodified, 200);
    assert_eq!(touched.lastip.as_deref(), Some("10.0.0.2"));
    assert_eq!(touched.sessdata.as_deref(), Some("sesskey=rotated"));

    let mut embedded = token("embedded", jane.id, 1, 100);
    embedded.tokentype = 1;
    embedded.sid = Some(session.sid.clone());
    store.create_token(&embedded).await.unwrap();
    assert!(store.delete_session(&session.sid).await.unwrap());
    assert_eq!(store.session_by_sid(&session.sid).await.unwrap(), None);
    assert_eq!(store.token_by_value("embedded").await.unwrap(), None);

    let idle = Session { sid: "idle".into(), ..session.clone() };
    store.create_session(&idle).await.unwrap();
    assert_eq!(store.delete_sessions_idle_since(150).await.unwrap(), 1);
});

backend_test!(event_log_appends, |store: Store| async move {
    let event = LogstoreStandardLog {
        eventname: "\\core\\event\\webservice_function_called".into(),
        component: "core".into(),
        action: "called".into(),
        target: "webservice_function".into(),
        crud: "r".into(),
        contextid: 1,
        contextlevel: CONTEXT_SYSTEM,
        userid: 2,
        other: Some(r#"{"function":"core_webservice_get_site_info"}"#.into()),
        timecreated: 1_700_000_000,
        origin: Some("ws".into()),
        ip: Some("127.0.0.1".into()),
        ..LogstoreStandardLog::default()
    };
    let first = store.append_log(&event).await.unwrap();
    let second = store.append_log(&event).await.unwrap();
    assert!(second > first);
    let recent = store.recent_log(1).await.unwrap();
    assert_eq!(recent, [LogstoreStandardLog { id: second, ..event.clone() }]);

    // A batch is stored in order, in one transaction; an empty batch is nothing.
    store.append_logs(&[]).await.unwrap();
    let batch: Vec<LogstoreStandardLog> =
        (0..3).map(|n| LogstoreStandardLog { userid: 10 + n, ..event.clone() }).collect();
    store.append_logs(&batch).await.unwrap();
    let recent = store.recent_log(10).await.unwrap();
    let users: Vec<i64> = recent.iter().map(|e| e.userid).collect();
    assert_eq!(users, [12, 11, 10, 2, 2]);
});

backend_test!(writes_append_to_the_change_log, |store: Store| async move {
    let before = store.change_log_since(0).await.unwrap().last().map_or(0, |row| row.id);
    let kate = store.create_user(&user("kate")).await.unwrap();
    store.set_user_suspended(kate.id, true).await.unwrap();
    store.set_config("enablewebservices", "1").await.unwrap();
    let kinds: Vec<_> = store
        .change_log_since(before)
        .await
        .unwrap()
        .into_iter()
        .map(|row| (row.kind, row.key))
        .collect();
    assert!(kinds.contains(&("user".into(), kate.id.to_string())), "{kinds:?}");
    assert!(kinds.contains(&("config".into(), "enablewebservices".into())), "{kinds:?}");
    assert_eq!(
        store.prune_change_log(i64::MAX).await.unwrap() as usize,
        kinds.len() + before as usize
    );
});

backend_test!(a_revoked_token_is_reported_to_another_handle, |store: Store| async move {
    let other = open_another().await;
    let mut feed = other.changes().await.unwrap();
    let leo = store.create_user(&user("leo")).await.unwrap();
    let created = store.create_token(&token("revoke-me", leo.id, 1, 1)).await.unwrap();
    assert!(store.delete_token(created.id).await.unwrap());
    let wanted = Change { kind: ChangeKind::Token, key: created.id.to_string() };
    expect_change(&mut feed, &wanted).await;
    store.set_user_suspended(leo.id, true).await.unwrap();
    expect_change(&mut feed, &Change { kind: ChangeKind::User, key: leo.id.to_string() }).await;
    other.close().await;
});

#[test]
fn a_bad_url_or_prefix_is_invalid_not_a_panic() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        assert!(matches!(Store::open("mysql://x").await, Err(StoreError::Invalid { .. })));
        let options =
            portico_store::StoreOptions { prefix: "x; DROP".into(), ..Default::default() };
        assert!(matches!(
            Store::open_with("sqlite://unused.db", options).await,
            Err(StoreError::Invalid { what: "table prefix", .. })
        ));
        let quick = portico_store::StoreOptions {
            acquire_timeout: Duration::from_millis(300),
            ..Default::default()
        };
        let unreachable = Store::open_with("postgres://nobody@127.0.0.1:1/none", quick).await;
        assert!(matches!(unreachable, Err(StoreError::Unavailable(_))), "{unreachable:?}");
    });
}

backend_test!(planner_statistics_can_be_refreshed, |store: Store| async move {
    store.analyze().await.unwrap();
    // The store still answers afterwards.
    assert_eq!(store.site_name().await.unwrap(), "Portico");
});
