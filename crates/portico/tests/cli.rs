//! The `portico` binary, run as an administrator runs it: every admin command's success and error
//! exits on both databases, `serve` answering and stopping on SIGTERM, and how options, the
//! environment and the configuration file combine.

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use portico_access::password::{PasswordPolicy, verify_password};
use portico_store::Store;
use portico_store::model::{MNET_LOCALHOST_ID, SYSTEM_CONTEXT_ID};
use portico_testkit::{backend_test, current_url};

const ADMIN_PASSWORD: &str = "Admin-Pass-1";

/// `portico ARGS` on `url`, with none of the caller's `PORTICO_*` settings leaking in.
fn portico(url: &str, args: &[&str]) -> Output {
    command(url).args(args).output().expect("the portico binary runs")
}

fn command(url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_portico"));
    for var in ["PORTICO_DATA_DIR", "PORTICO_LISTEN", "PORTICO_PUBLIC_URL", "PORTICO_CONFIG"] {
        command.env_remove(var);
    }
    command
        .env("PORTICO_DATABASE_URL", url)
        .env("PORTICO_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("RUST_LOG", "warn");
    command
}

/// Runs a command that must succeed; returns its standard output.
fn ok(url: &str, args: &[&str]) -> String {
    let output = portico(url, args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "portico {args:?} failed: {stderr}");
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// Runs a command that must fail with `code`; returns its standard error.
fn fails(url: &str, args: &[&str], code: i32) -> String {
    let output = portico(url, args);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(code), "portico {args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "portico {args:?} panicked: {stderr}");
    assert!(!stderr.trim().is_empty(), "portico {args:?} failed without a message");
    stderr
}

backend_test!(users_are_created_and_their_passwords_changed, |store: Store| async move {
    let url = current_url();
    let out = ok(
        &url,
        &[
            "user",
            "create",
            "--username",
            "ann",
            "--password",
            "Pw-1",
            "--email",
            "ann@example.com",
            "--firstname",
            "Ann",
            "--lastname",
            "Lee",
        ],
    );
    assert!(out.starts_with("created user ann"), "{out}");
    let user = store.user_by_username("ann", MNET_LOCALHOST_ID).await.unwrap().unwrap();
    assert_eq!(
        (user.firstname.as_str(), user.email.as_str(), user.auth.as_str()),
        ("Ann", "ann@example.com", "manual")
    );
    assert!(verify_password("Pw-1", &user.password, &PasswordPolicy::default()).is_some());

    assert!(
        fails(&url, &["user", "create", "--username", "ann", "--password", "x"], 1)
            .contains("already exists")
    );
    assert!(
        fails(&url, &["user", "create", "--username", "Ann", "--password", "x"], 1)
            .contains("lowercase")
    );
    assert!(
        fails(&url, &["user", "create", "--username", "a b", "--password", "x"], 1)
            .contains("invalid username")
    );
    assert!(
        fails(
            &url,
            &["user", "create", "--username", "bob", "--password", "x", "--email", "nope"],
            1
        )
        .contains("e-mail")
    );
    assert!(
        fails(&url, &["user", "create", "--username", "bob", "--password", ""], 1)
            .contains("empty")
    );
    fails(&url, &["user", "create", "--username", "bob"], 2);

    ok(&url, &["user", "set-password", "ann", "--password", "Pw-2"]);
    let user = store.user_by_username("ann", MNET_LOCALHOST_ID).await.unwrap().unwrap();
    assert!(verify_password("Pw-2", &user.password, &PasswordPolicy::default()).is_some());

    let mut child = command(&url)
        .args(["user", "set-password", "ann"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"From stdin 3\n").unwrap();
    assert!(child.wait_with_output().unwrap().status.success());
    let user = store.user_by_username("ann", MNET_LOCALHOST_ID).await.unwrap().unwrap();
    assert!(verify_password("From stdin 3", &user.password, &PasswordPolicy::default()).is_some());

    assert!(
        fails(&url, &["user", "set-password", "nobody", "--password", "x"], 1)
            .contains("unknown user")
    );
});

backend_test!(services_are_created_listed_extended_and_authorised, |store: Store| async move {
    let url = current_url();
    let out = ok(
        &url,
        &[
            "service",
            "create",
            "--shortname",
            "reports",
            "--name",
            "Reports",
            "--functions",
            "core_webservice_get_site_info",
            "--restricted-users",
            "--download-files",
        ],
    );
    assert!(out.contains("created service reports"), "{out}");
    let service = store.service_by_shortname("reports").await.unwrap().unwrap();
    assert_eq!(
        (service.enabled, service.restrictedusers, service.downloadfiles, service.uploadfiles),
        (1, 1, 1, 0)
    );
    assert_eq!(service.component, None);
    let functions = store.service_functions(service.id).await.unwrap();
    assert_eq!(functions.len(), 1);

    let create = |shortname: &'static str, name: &'static str, functions: &'static str| {
        vec![
            "service",
            "create",
            "--shortname",
            shortname,
            "--name",
            name,
            "--functions",
            functions,
        ]
    };
    assert!(
        fails(&url, &create("reports", "Other", "core_webservice_get_site_info"), 1)
            .contains("already exists")
    );
    assert!(
        fails(&url, &create("other", "Reports", "core_webservice_get_site_info"), 1)
            .contains("already exists")
    );
    assert!(
        fails(&url, &create("other", "Other", "no_such_function"), 1)
            .contains("unknown function no_such_function")
    );
    assert!(
        fails(&url, &create("bad name", "Other", "core_webservice_get_site_info"), 1)
            .contains("invalid short name")
    );
    let mut with_capability = create("capped", "Capped", "core_webservice_get_site_info");
    with_capability.extend(["--required-capability", "no/such:capability"]);
    assert!(fails(&url, &with_capability, 1).contains("unknown capability"));

    let list = ok(&url, &["service", "list"]);
    assert!(
        list.lines().any(|line| line.starts_with("reports ") && line.contains("0 authorised")),
        "{list}"
    );
    assert!(list.contains("moodle_mobile_app"), "{list}");

    ok(
        &url,
        &[
            "service",
            "add-functions",
            "reports",
            "core_webservice_get_site_info,core_user_create_users",
        ],
    );
    assert_eq!(store.service_functions(service.id).await.unwrap().len(), 2);
    assert!(
        fails(&url, &["service", "add-functions", "reports", "nope"], 1)
            .contains("unknown function")
    );
    assert!(
        fails(
            &url,
            &["service", "add-functions", "moodle_mobile_app", "core_user_create_users"],
            1
        )
        .contains("built in")
    );
    assert!(
        fails(&url, &["service", "add-functions", "missing", "core_user_create_users"], 1)
            .contains("unknown service")
    );

    ok(
        &url,
        &[
            "service",
            "authorise",
            "reports",
            "--user",
            "admin",
            "--ip-restriction",
            "10.0.0.0/8, 192.168.1.7",
            "--valid-until",
            "2099-01-01T00:00:00Z",
        ],
    );
    let admin = store.user_by_username("admin", MNET_LOCALHOST_ID).await.unwrap().unwrap();
    let listing = store.service_user(service.id, admin.id).await.unwrap().unwrap();
    assert_eq!(listing.iprestriction.as_deref(), Some("10.0.0.0/8,192.168.1.7"));
    assert_eq!(listing.validuntil, Some(4_070_908_800));
    ok(&url, &["service", "authorise", "reports", "--user", "admin"]);
    let listing = store.service_user(service.id, admin.id).await.unwrap().unwrap();
    assert_eq!((listing.iprestriction, listing.validuntil), (None, None));
    assert!(
        fails(&url, &["service", "authorise", "reports", "--user", "nobody"], 1)
            .contains("unknown user")
    );
    assert!(
        fails(
            &url,
            &["service", "authorise", "reports", "--user", "admin", "--valid-until", "next week"],
            1
        )
        .contains("bad date")
    );
    assert!(
        fails(
            &url,
            &[
                "service",
                "authorise",
                "reports",
                "--user",
                "admin",
                "--ip-restriction",
                "localhost"
            ],
            1
        )
        .contains("IP restriction")
    );
});

backend_test!(tokens_are_created_listed_and_revoked, |store: Store| async move {
    let url = current_url();
    let out = ok(
        &url,
        &[
            "token",
            "create",
            "--user",
            "admin",
            "--service",
            "moodle_mobile_app",
            "--valid-until",
            "2099-01-01T00:00:00Z",
            "--ip-restriction",
            "127.0.0.1",
        ],
    );
    let token = out.strip_suffix('\n').expect("one line");
    assert_eq!(token.len(), 32);
    assert!(token.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')), "{out}");
    let row = store.token_by_value(token).await.unwrap().unwrap();
    let admin = store.user_by_username("admin", MNET_LOCALHOST_ID).await.unwrap().unwrap();
    assert_eq!(
        (row.tokentype, row.userid, row.creatorid, row.contextid),
        (0, admin.id, admin.id, SYSTEM_CONTEXT_ID)
    );
    assert_eq!(row.privatetoken.as_deref().map(str::len), Some(64));
    assert!(
        row.name.as_deref().is_some_and(|name| name.starts_with("Webservice-") && name.len() == 16)
    );
    assert_eq!(
        (row.validuntil, row.iprestriction.as_deref()),
        (Some(4_070_908_800), Some("127.0.0.1"))
    );

    let create = |user: &'static str, service: &'static str| {
        vec!["token", "create", "--user", user, "--service", service]
    };
    assert!(fails(&url, &create("nobody", "moodle_mobile_app"), 1).contains("unknown user"));
    assert!(fails(&url, &create("admin", "missing"), 1).contains("unknown service"));
    assert!(fails(&url, &create("guest", "moodle_mobile_app"), 1).contains("guest"));
    let mut past = create("admin", "moodle_mobile_app");
    past.extend(["--valid-until", "2001-01-01T00:00:00Z"]);
    assert!(fails(&url, &past, 1).contains("already past"));
    let mut bad = create("admin", "moodle_mobile_app");
    bad.extend(["--valid-until", "2030-13-01"]);
    assert!(fails(&url, &bad, 1).contains("bad date"));

    ok(&url, &["user", "create", "--username", "pat", "--password", "Pw-1"]);
    ok(
        &url,
        &[
            "service",
            "create",
            "--shortname",
            "managers",
            "--name",
            "Managers",
            "--functions",
            "core_webservice_get_site_info",
            "--required-capability",
            "moodle/site:config",
        ],
    );
    assert!(
        fails(&url, &create("pat", "managers"), 1)
            .contains("The user hasn't the required capability to use this service")
    );
    ok(&url, &create("admin", "managers"));

    let list = ok(&url, &["token", "list"]);
    assert!(
        list.lines().any(|line| line.starts_with(token)
            && line.contains("moodle_mobile_app")
            && line.contains("2099-01-01T00:00:00Z")),
        "{list}"
    );
    assert_eq!(list.lines().count(), 3, "{list}");

    ok(&url, &["token", "revoke", token]);
    assert!(store.token_by_value(token).await.unwrap().is_none());
    assert!(fails(&url, &["token", "revoke", token], 1).contains("unknown token"));
});

backend_test!(functions_are_listed_with_their_services, |_store: Store| async move {
    let url = current_url();
    let list = ok(&url, &["functions", "list"]);
    let line = list
        .lines()
        .find(|line| line.starts_with("core_webservice_get_site_info "))
        .expect("site info listed");
    let columns: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(columns, ["core_webservice_get_site_info", "moodle", "read", "moodle_mobile_app"]);
});

backend_test!(settings_are_read_and_written_as_cfg_php_does, |store: Store| async move {
    let url = current_url();
    assert_eq!(ok(&url, &["config", "get", "enablewebservices"]), "1\n");
    assert_eq!(ok(&url, &["config", "get", "webserviceprotocols"]), "rest\n");
    assert!(
        fails(&url, &["config", "get", "nosuchsetting"], 3)
            .contains("No such configuration variable found.")
    );

    ok(&url, &["config", "set", "debug", "32767"]);
    assert_eq!(store.get_config("debug").await.unwrap().as_deref(), Some("32767"));
    ok(&url, &["config", "set", "debugdisplay", "on"]);
    assert_eq!(ok(&url, &["config", "get", "debugdisplay"]), "1\n");
    ok(&url, &["config", "set", "maxbytes", "1048576"]);
    assert!(fails(&url, &["config", "set", "maxbytes", "big"], 1).contains("whole number"));
    assert!(
        fails(&url, &["config", "set", "enablewebservices", "maybe"], 1)
            .contains("expected 0 or 1")
    );
    assert!(
        fails(&url, &["config", "set", "webserviceprotocols", "rest,carrier-pigeon"], 1)
            .contains("unknown protocol")
    );
    ok(&url, &["config", "set", "customsetting", "anything"]);
    assert_eq!(ok(&url, &["config", "get", "customsetting"]), "anything\n");

    ok(&url, &["config", "set", "sitename", "Test Academy"]);
    assert_eq!(store.site_name().await.unwrap(), "Test Academy");
    assert_eq!(ok(&url, &["config", "get", "sitename"]), "Test Academy\n");

    ok(&url, &["config", "set", "enablemobilewebservice", "0"]);
    let mobile = store.service_by_shortname("moodle_mobile_app").await.unwrap().unwrap();
    assert_eq!(mobile.enabled, 0);
    assert_eq!(ok(&url, &["config", "get", "enablemobilewebservice"]), "0\n");
    assert_eq!(ok(&url, &["config", "get", "enablewebservices"]), "1\n");
    ok(&url, &["config", "set", "enablewebservices", "0"]);
    ok(&url, &["config", "set", "enablemobilewebservice", "1"]);
    assert_eq!(ok(&url, &["config", "get", "enablewebservices"]), "1\n");
    assert_eq!(ok(&url, &["config", "get", "enablemobilewebservice"]), "1\n");

    let list = ok(&url, &["config", "list"]);
    assert!(list.lines().any(|line| line == "sitename\tTest Academy"), "{list}");
    assert!(list.lines().any(|line| line == "debug\t32767"), "{list}");
});

backend_test!(serve_answers_and_stops_on_sigterm, |_store: Store| async move {
    let url = current_url();
    let token = ok(&url, &["token", "create", "--user", "admin", "--service", "moodle_mobile_app"]);
    let token = token.trim().to_owned();
    let mut server = command(&url)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let first = lines.next().expect("a first line").unwrap();
    let address =
        first.strip_prefix("Portico listening on ").expect("the address first").to_owned();
    let announcement: Vec<String> = lines.by_ref().take(4).map(Result::unwrap).collect();
    assert!(
        announcement.iter().any(|line| line.contains(&format!("{address}/login/token.php"))),
        "{announcement:?}"
    );

    let response = reqwest::Client::new()
        .post(format!("{address}/webservice/rest/server.php?moodlewsrestformat=json"))
        .form(&[("wstoken", token.as_str()), ("wsfunction", "core_webservice_get_site_info")])
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["username"], "admin", "{body}");
    assert_eq!(body["siteurl"], address.as_str(), "{body}");

    let pid = server.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = server.wait().unwrap();
    assert!(status.success(), "{status}");
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    assert_eq!(rest.last().map(String::as_str), Some("Portico stopped"), "{rest:?}");
});

/// `portico ARGS` in `dir` with `env` and nothing else of Portico's.
fn in_dir(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_portico"));
    for var in [
        "PORTICO_DATA_DIR",
        "PORTICO_LISTEN",
        "PORTICO_PUBLIC_URL",
        "PORTICO_CONFIG",
        "PORTICO_DATABASE_URL",
        "PORTICO_ADMIN_PASSWORD",
    ] {
        command.env_remove(var);
    }
    command.current_dir(dir).envs(env.iter().copied()).args(args).output().unwrap()
}

#[test]
fn options_win_over_the_environment_which_wins_over_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("portico.toml"), "data-dir = \"from-file\"\n").unwrap();
    let get = ["config", "get", "sitename"];

    // The default: ./portico-data; the first run prints the generated password once.
    let first = in_dir(root, &[], &get);
    assert!(first.status.success());
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(stderr.contains("administrator admin, password "), "{stderr}");
    assert!(root.join("portico-data/portico.db").exists());
    let again = in_dir(root, &[], &get);
    assert!(!String::from_utf8_lossy(&again.stderr).contains("password"));

    let file = [("PORTICO_CONFIG", "portico.toml")];
    assert!(in_dir(root, &file, &get).status.success());
    assert!(root.join("from-file/portico.db").exists());

    let env = [("PORTICO_CONFIG", "portico.toml"), ("PORTICO_DATA_DIR", "from-env")];
    assert!(in_dir(root, &env, &get).status.success());
    assert!(root.join("from-env/portico.db").exists());

    let flag = ["--data-dir", "from-flag", "config", "get", "sitename"];
    assert!(in_dir(root, &env, &flag).status.success());
    assert!(root.join("from-flag/portico.db").exists());

    std::fs::write(root.join("bad.toml"), "data-directory = \"x\"\n").unwrap();
    let bad = in_dir(root, &[("PORTICO_CONFIG", "bad.toml")], &get);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("invalid configuration file"));

    let url = in_dir(
        root,
        &[("PORTICO_DATA_DIR", "serve-dir")],
        &["serve", "--public-url", "lms.example.org"],
    );
    assert_eq!(url.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&url.stderr).contains("public URL"));
    assert!(!root.join("serve-dir").exists(), "a bad option must change nothing");

    let database = in_dir(root, &[], &["--database-url", "mysql://x", "config", "list"]);
    assert_eq!(database.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&database.stderr).contains("cannot open the database"));
}
