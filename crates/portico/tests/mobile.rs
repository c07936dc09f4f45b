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
    // The demo's content: three courses with a teacher and four students each, a group, a
    // cohort.
    let course = store.course_by_shortname("ASTRO101").await.unwrap().unwrap();
    let groups = store.course_groups(course.id).await.unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(store.group_members(groups[0].id).await.unwrap().len(), 2);
    let cohort = store.cohort_by_idnumber("DEMO-STUDENTS").await.unwrap().unwrap();
    assert_eq!(store.cohort_members(cohort.id).await.unwrap().len(), 4);
    for shortname in ["ASTRO101", "WRITE201", "HIST100"] {
        let course = store.course_by_shortname(shortname).await.unwrap().unwrap();
        for username in ["teacher", "student1", "student4"] {
            let user = store.user_by_username(username, MNET_LOCALHOST_ID).await.unwrap().unwrap();
            assert!(store.is_enrolled(course.id, user.id, false, 0).await.unwrap());
        }
    }
});

backend_test!(without_demo_no_demo_data_is_created, |store: Store| async move {
    let served = serve(&current_url(), &[]);
    assert!(!served.banner.join("\n").contains("Demo site"));
    drop(served);
    assert_eq!(store.user_by_username("teacher", MNET_LOCALHOST_ID).await.unwrap(), None);
    assert_eq!(store.course_by_shortname("ASTRO101").await.unwrap(), None);
});

/// A REST JSON call as the app sends it: `moodlewsrestformat` and `wsfunction` in the query,
/// the token and arguments as a form body with percent-encoded brackets, filters and file URLs
/// switched on.
async fn app_call(
    client: &reqwest::Client,
    address: &str,
    token: &str,
    function: &str,
    args: &[(&str, &str)],
) -> serde_json::Value {
    let mut form = vec![
        ("wstoken", token),
        ("wsfunction", function),
        ("moodlewssettingfilter", "true"),
        ("moodlewssettingfileurl", "true"),
    ];
    form.extend_from_slice(args);
    let url = format!(
        "{address}/webservice/rest/server.php?moodlewsrestformat=json&wsfunction={function}"
    );
    let response = client
        .post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(portico_testkit::server::form_encode(&form))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{function}");
    let answer: serde_json::Value = response.json().await.unwrap();
    assert!(
        answer.get("exception").is_none() && answer.get("errorcode").is_none(),
        "{function}: {answer}"
    );
    answer
}

/// Asserts every key of `keys` is present in `object` (a JSON `null` counts: the app reads it).
fn assert_keys(object: &serde_json::Value, keys: &[&str]) {
    for key in keys {
        assert!(object.get(key).is_some(), "missing {key}: {object}");
    }
}

backend_test!(the_mobile_app_logs_in_and_shows_the_course_list, |_store: Store| async move {
    let served = serve(&current_url(), &["--demo"]);
    let address = served.address.clone();
    let client = reqwest::Client::new();

    // 1. The site's public configuration, over the no-login AJAX endpoint.
    let answer: serde_json::Value = client
        .post(format!(
            "{address}/lib/ajax/service-nologin.php?info=tool_mobile_get_public_config&lang=en"
        ))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(r#"[{"index":0,"methodname":"tool_mobile_get_public_config","args":{}}]"#)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer[0]["error"], false, "{answer}");
    let public = &answer[0]["data"];
    assert_eq!(public["enablewebservices"], 1, "{public}");
    assert_eq!(public["enablemobilewebservice"], 1, "{public}");
    assert_eq!(public["maintenanceenabled"], 0, "{public}");
    assert_eq!(public["typeoflogin"], 1, "{public}");
    assert_eq!(public["httpswwwroot"], address.as_str(), "{public}");
    assert_keys(public, &["sitename", "rememberusername", "showloginform", "launchurl"]);

    // 2. The token.
    let token = login(&client, &address, "student1", "Demo-pass-1").await;

    // 3. Site info: version, identity and the functions the app will call.
    let info = app_call(&client, &address, &token, "core_webservice_get_site_info", &[]).await;
    assert!(info["version"].as_str().unwrap().parse::<i64>().unwrap() >= 2_018_051_700);
    assert_eq!(info["username"], "student1");
    assert_eq!(info["siteurl"], address.as_str());
    assert_eq!(info["siteid"], 1);
    let userid = info["userid"].as_i64().unwrap();
    let functions: Vec<&str> =
        info["functions"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    for needed in [
        "core_enrol_get_users_courses",
        "core_course_get_courses_by_field",
        "core_course_get_user_navigation_options",
        "core_course_get_user_administration_options",
        "core_course_get_contents",
        "tool_mobile_get_config",
    ] {
        assert!(functions.contains(&needed), "{needed} missing from {functions:?}");
    }
    for workplace in ["tool_program_get_user_programs", "tool_catalogue_get_user_catalogue"] {
        assert!(!functions.contains(&workplace));
    }

    // 4. The mobile configuration.
    let config = app_call(&client, &address, &token, "tool_mobile_get_config", &[]).await;
    assert!(config["settings"].as_array().is_some_and(|s| !s.is_empty()), "{config}");

    // 5. The course list, as the app asks for it on sites newer than 3.7.
    let uid = userid.to_string();
    let courses = app_call(
        &client,
        &address,
        &token,
        "core_enrol_get_users_courses",
        &[("userid", &uid), ("returnusercount", "0")],
    )
    .await;
    let courses = courses.as_array().unwrap().clone();
    let mut shortnames: Vec<&str> =
        courses.iter().map(|c| c["shortname"].as_str().unwrap()).collect();
    shortnames.sort_unstable();
    assert_eq!(shortnames, ["ASTRO101", "HIST100", "WRITE201"]);
    for course in &courses {
        assert_keys(
            course,
            &[
                "id",
                "fullname",
                "shortname",
                "displayname",
                "summary",
                "summaryformat",
                "category",
                "visible",
                "startdate",
                "enddate",
                "lastaccess",
                "isfavourite",
                "hidden",
                "progress",
                "completed",
                "enablecompletion",
                "overviewfiles",
                "courseimage",
            ],
        );
        assert!(course.get("enrolledusercount").is_none(), "{course}");
    }
    let ids: Vec<String> = courses.iter().map(|c| c["id"].to_string()).collect();

    // 6. Course details by field.
    let by_field = app_call(
        &client,
        &address,
        &token,
        "core_course_get_courses_by_field",
        &[("field", "ids"), ("value", &ids.join(","))],
    )
    .await;
    let detailed = by_field["courses"].as_array().unwrap();
    assert_eq!(detailed.len(), 3, "{by_field}");
    for course in detailed {
        assert_eq!(course["categoryname"], "Demo courses");
        assert_keys(course, &["displayname", "overviewfiles", "contacts", "enrollmentmethods"]);
        let contacts: Vec<&str> = course["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["fullname"].as_str().unwrap())
            .collect();
        assert_eq!(contacts, ["Terry Teacher"]);
    }

    // 7. Navigation and administration options for every course.
    let keys: Vec<String> = (0..ids.len()).map(|i| format!("courseids[{i}]")).collect();
    let args: Vec<(&str, &str)> =
        keys.iter().zip(&ids).map(|(k, v)| (k.as_str(), v.as_str())).collect();
    for function in
        ["core_course_get_user_navigation_options", "core_course_get_user_administration_options"]
    {
        let options = app_call(&client, &address, &token, function, &args).await;
        let listed = options["courses"].as_array().unwrap();
        assert_eq!(listed.len(), 3, "{function}: {options}");
        for course in listed {
            assert!(course["options"].as_array().is_some_and(|o| !o.is_empty()), "{options}");
        }
    }
    let navigation = app_call(
        &client,
        &address,
        &token,
        "core_course_get_user_navigation_options",
        &[("courseids[0]", ids[0].as_str())],
    )
    .await;
    let participants = navigation["courses"][0]["options"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "participants")
        .cloned();
    assert_eq!(participants.map(|o| o["available"].clone()), Some(serde_json::json!(true)));

    // 8. Course contents: a demo course and the site home.
    let contents =
        app_call(&client, &address, &token, "core_course_get_contents", &[("courseid", &ids[0])])
            .await;
    let sections = contents.as_array().unwrap();
    assert_eq!(sections.len(), 5, "{contents}");
    assert_eq!(sections[0]["section"], 0);
    assert_keys(&sections[0], &["id", "name", "summary", "summaryformat", "modules"]);
    let site_home =
        app_call(&client, &address, &token, "core_course_get_contents", &[("courseid", "1")]).await;
    assert!(site_home.as_array().is_some(), "{site_home}");
});
