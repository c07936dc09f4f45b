//! `portico serve --demo` and the Moodle app's login sequence (spec 04 §9) against it, over a
//! real socket, on SQLite and PostgreSQL: the binary is run as an operator runs it.

use std::io::{BufRead as _, BufReader, Lines};
use std::process::{Child, ChildStdout, Command, Stdio};

use portico_store::Store;
use portico_store::model::MNET_LOCALHOST_ID;
use portico_testkit::{backend_test, current_url};

/// A running `portico serve`, stopped when dropped.
struct Served {
    child: Child,
    /// The site's address, `http://127.0.0.1:<port>`.
    address: String,
    /// What it printed after the address, up to the demo logins.
    banner: Vec<String>,
    _lines: Lines<BufReader<ChildStdout>>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `portico serve [extra]` on the test database `url` and reads its banner.
fn serve(url: &str, extra: &[&str]) -> Served {
    let mut command = Command::new(env!("CARGO_BIN_EXE_portico"));
    for var in ["PORTICO_DATA_DIR", "PORTICO_LISTEN", "PORTICO_PUBLIC_URL", "PORTICO_CONFIG"] {
        command.env_remove(var);
    }
    let mut child = command
        .env("PORTICO_DATABASE_URL", url)
        .env("PORTICO_ADMIN_PASSWORD", "Admin-Pass-1")
        .env("RUST_LOG", "warn")
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the portico binary runs");
    let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
    let first = lines.next().expect("a first line").expect("UTF-8");
    let address =
        first.strip_prefix("Portico listening on ").expect("the address first").to_owned();
    let mut banner = Vec::new();
    for line in lines.by_ref() {
        let line = line.expect("UTF-8");
        let last = line.starts_with("Stop with") || line.starts_with("  courses:");
        let done = line.starts_with("  courses:") || (last && !extra.contains(&"--demo"));
        banner.push(line);
        if done {
            break;
        }
    }
    Served { child, address, banner, _lines: lines }
}

/// Logs in at `login/token.php` as the app does; returns the token.
async fn login(client: &reqwest::Client, address: &str, username: &str, password: &str) -> String {
    let answer: serde_json::Value = client
        .post(format!("{address}/login/token.php?lang=en"))
        .form(&[("username", username), ("password", password), ("service", "moodle_mobile_app")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["token"].as_str().unwrap_or_else(|| panic!("no token: {answer}")).to_owned()
}

backend_test!(the_demo_is_created_only_on_an_empty_database, |store: Store| async move {
    let url = current_url();
    let served = serve(&url, &["--demo"]);
    let banner = served.banner.join("\n");
    assert!(banner.contains("Demo site: every demo user's password is Demo-pass-1"), "{banner}");
    assert!(banner.contains("teacher:  teacher"), "{banner}");
    assert!(banner.contains("student:  student1"), "{banner}");
    let client = reqwest::Client::new();
    let token = login(&client, &served.address, "student1", "Demo-pass-1").await;
    assert_eq!(token.len(), 32);
    drop(served);
    let teacher = store.user_by_username("teacher", MNET_LOCALHOST_ID).await.unwrap().unwrap();
    // A second run with --demo changes nothing and prints the logins again.
    let served = serve(&url, &["--demo"]);
    assert!(served.banner.join("\n").contains("teacher:  teacher"));
    drop(served);
    let again = store.user_by_username("teacher", MNET_LOCALHOST_ID).await.unwrap().unwrap();
    assert_eq!(again.id, teacher.id);
    assert_eq!(store.user_by_username("student5", MNET_LOCALHOST_ID).await.unwrap(), None);
});

backend_test!(without_demo_no_demo_data_is_created, |store: Store| async move {
    let served = serve(&current_url(), &[]);
    assert!(!served.banner.join("\n").contains("Demo site"));
    drop(served);
    assert_eq!(store.user_by_username("teacher", MNET_LOCALHOST_ID).await.unwrap(), None);
    assert_eq!(store.course_by_shortname("ASTRO101").await.unwrap(), None);
});
