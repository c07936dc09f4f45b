//! `lib/ajax/service.php`, `lib/ajax/service-nologin.php` and the browser login (spec 01 §5,
//! spec 02 §6).

use portico_testkit::backend_test;
use portico_testkit::server::ADMIN_PASSWORD;

use super::*;

const NOLOGIN: &str = "/lib/ajax/service-nologin.php";
const SESSION: &str = "/lib/ajax/service.php";

async fn post_json(
    server: &TestServer,
    path: &str,
    body: &str,
    cookie: Option<&str>,
) -> (u16, Vec<(String, String)>, String) {
    let mut request = server
        .client()
        .post(server.url(path))
        .header("Content-Type", "application/json")
        .body(body.to_owned());
    if let Some(cookie) = cookie {
        request = request.header("Cookie", format!("MoodleSession={cookie}"));
    }
    parts(request.send().await.unwrap()).await
}

fn item_call(index: i64, itemid: i64) -> String {
    format!(
        r#"{{"index":{index},"methodname":"local_test_get_item","args":{{"itemid":{itemid},"options":{{"visible":true}}}}}}"#
    )
}

fn item_result(itemid: i64) -> String {
    format!(
        r#"{{"error":false,"data":{{"id":{itemid},"name":"","visible":true,"tags":[],"ratio":5}}}}"#
    )
}

fn script_error(message: &str, errorcode: &str) -> String {
    format!(
        r#"{{"error":"{message}","errorcode":"{errorcode}","stacktrace":null,"debuginfo":null,"reproductionlink":null}}"#
    )
}

fn script_headers(headers: &[(String, String)]) -> Vec<(String, String)> {
    // `Last-Modified` is the current time; check it is there, then compare the rest.
    let position = headers.iter().position(|(name, _)| name == "last-modified");
    assert!(position.is_some(), "{headers:?}");
    moodle_headers(headers).into_iter().filter(|(name, _)| name != "last-modified").collect()
}

fn no_cache() -> Vec<(String, String)> {
    pairs(&[
        ("cache-control", "no-store, no-cache, must-revalidate"),
        ("cache-control", "post-check=0, pre-check=0"),
        ("pragma", "no-cache"),
        ("expires", "Mon, 20 Aug 1969 09:23:00 GMT"),
        ("accept-ranges", "none"),
    ])
}

backend_test!(nologin_batch_success_and_per_call_errors, |store: Store| async move {
    let server = site(store).await;
    let body = format!("[{},{}]", item_call(0, 4), item_call(1, 5));
    let (status, headers, response) = post_json(&server, NOLOGIN, &body, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        moodle_headers(&headers),
        pairs(&[("content-type", "application/json; charset=utf-8")])
    );
    assert_eq!(response, format!("[{},{}]", item_result(4), item_result(5)));
    // Per-call errors; every call still runs through service-nologin.php.
    let body = format!(
        r#"[{{"index":0,"methodname":"local_test_whoami","args":{{}}}},{{"index":1,"methodname":"local_test_not_ajax","args":{{}}}},{}]"#,
        item_call(2, 6)
    );
    let (_, _, response) = post_json(&server, NOLOGIN, &body, None).await;
    let base = server.base_url();
    assert_eq!(
        response,
        format!(
            r#"[{{"error":true,"exception":{{"message":"Web service is not available. (The session has been logged out or has expired.)","errorcode":"servicerequireslogin","link":"{base}\/","moreinfourl":"https:\/\/docs.moodle.org\/405\/en\/error\/webservice\/servicerequireslogin"}}}},{{"error":true,"exception":{{"message":"Web service is not available. (It doesn't exist or might be disabled.)","errorcode":"servicenotavailable","link":"{base}\/","moreinfourl":"https:\/\/docs.moodle.org\/405\/en\/error\/webservice\/servicenotavailable"}}}},{}]"#,
            item_result(6)
        )
        .replace(&format!("{base}\\/"), &format!("{}\\/", base.replace('/', "\\/")))
    );
    // A validation error per call, and indexes that are not 0..n make an object.
    let body = format!(
        r#"[{},{{"index":2,"methodname":"local_test_get_item","args":{{"itemid":"x"}}}}]"#,
        item_call(5, 1)
    );
    let (_, _, response) = post_json(&server, NOLOGIN, &body, None).await;
    assert!(
        response.starts_with(&format!(r#"{{"5":{},"2":{{"error":true"#, item_result(1))),
        "{response}"
    );
    assert!(response.contains(r#""errorcode":"invalidparameter""#), "{response}");
    // The args parameter works instead of a body, and web services need not be enabled.
    server.set_config("enablewebservices", "0").await;
    let url = server.url(NOLOGIN);
    let response = server
        .client()
        .get(url)
        .query(&[("args", format!("[{}]", item_call(0, 9)))])
        .send()
        .await
        .unwrap();
    assert_eq!(response.text().await.unwrap(), format!("[{}]", item_result(9)));
});

backend_test!(whole_request_errors, |store: Store| async move {
    let server = site(store).await;
    // An unknown function aborts the batch, calls already run included.
    let body = format!(r#"[{},{{"index":1,"methodname":"nope","args":{{}}}}]"#, item_call(0, 1));
    let (status, headers, response) = post_json(&server, NOLOGIN, &body, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        response,
        script_error(
            "Can't find data record in database table external_functions.",
            "invalidrecord"
        )
    );
    let mut expected = pairs(&[("content-type", "application/json; charset=utf-8")]);
    expected.extend(no_cache());
    assert_eq!(script_headers(&headers), expected);
    // Bodies that are not JSON.
    for (body, text) in [("{", "Syntax error"), ("", "Syntax error"), ("null", "No error")] {
        let (_, _, response) = post_json(&server, NOLOGIN, body, None).await;
        assert_eq!(
            response,
            script_error(
                &format!(
                    "Coding error detected, it must be fixed by a programmer: Invalid json in request: {text}"
                ),
                "codingerror"
            ),
            "{body:?}"
        );
    }
    // A scalar is not a batch: nothing runs.
    assert_eq!(post_json(&server, NOLOGIN, r#""abc""#, None).await.2, "[]");
    assert_eq!(post_json(&server, NOLOGIN, "[]", None).await.2, "[]");
});

backend_test!(cachekey_enables_public_caching, |store: Store| async move {
    let server = site(store).await;
    let url = server.url(&format!("{NOLOGIN}?cachekey=1"));
    let response =
        server.client().post(url).body(format!("[{}]", item_call(0, 1))).send().await.unwrap();
    let (_, headers, _) = parts(response).await;
    let headers = moodle_headers(&headers);
    let names: Vec<&str> = headers.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["content-type", "expires", "pragma", "cache-control", "accept-ranges"]);
    assert_eq!(headers[3].1, "public, max-age=7776000, immutable");
    // A key in the future adds nothing.
    let url = server.url(&format!("{NOLOGIN}?cachekey=99999999999"));
    let response =
        server.client().post(url).body(format!("[{}]", item_call(0, 1))).send().await.unwrap();
    assert_eq!(moodle_headers(&parts(response).await.1).len(), 1);
});

/// Logs in through `login/index.php`; returns the session cookie and the page's sesskey.
async fn browser_login(server: &TestServer, username: &str, password: &str) -> (String, String) {
    let response = server
        .post_form("/login/index.php", &[("username", username), ("password", password)])
        .await;
    assert_eq!(response.status().as_u16(), 303);
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("MoodleSession="))
        .and_then(|value| value.split(';').next())
        .expect("a session cookie")
        .to_owned();
    let page = server
        .client()
        .get(server.url("/login/index.php"))
        .header("Cookie", format!("MoodleSession={cookie}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let sesskey = page
        .split("data-sesskey=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the page exposes the sesskey")
        .to_owned();
    assert!(page.contains(&format!("var M = {{cfg: {{sesskey: \"{sesskey}\"}}}};")));
    (cookie, sesskey)
}

backend_test!(session_calls_need_login_and_sesskey, |store: Store| async move {
    let server = site(store).await;
    let whoami = r#"[{"index":0,"methodname":"local_test_whoami","args":{}}]"#;
    // Anonymous: a new session with PHP's session headers; login-required calls refused, and
    // processing stops at the first failure.
    let body = format!(
        r#"[{{"index":0,"methodname":"local_test_whoami","args":{{}}}},{}]"#,
        item_call(1, 1)
    );
    let (status, headers, response) = post_json(&server, SESSION, &body, None).await;
    assert_eq!(status, 200);
    let headers = moodle_headers(&headers);
    assert_eq!(
        headers[0],
        ("content-type".to_owned(), "application/json; charset=utf-8".to_owned())
    );
    assert!(
        headers[1].0 == "set-cookie" && headers[1].1.starts_with("MoodleSession="),
        "{headers:?}"
    );
    assert!(headers[1].1.ends_with("; path=/"));
    assert_eq!(
        headers[2..].to_vec(),
        pairs(&[
            ("expires", "Thu, 19 Nov 1981 08:52:00 GMT"),
            ("cache-control", "no-store, no-cache, must-revalidate"),
            ("pragma", "no-cache"),
        ])
    );
    assert!(response.starts_with(r#"[{"error":true,"exception":{"message":"Web service is not available. (The session has been logged out or has expired.)""#), "{response}");
    assert!(!response.contains(r#""error":false"#), "stops at the first failure: {response}");
    // Functions without login run anonymously.
    assert_eq!(
        post_json(&server, SESSION, &format!("[{}]", item_call(0, 3)), None).await.2,
        format!("[{}]", item_result(3))
    );

    // Logged in: wrong or missing sesskey refused, the right one accepted.
    let (cookie, sesskey) = browser_login(&server, "admin", ADMIN_PASSWORD).await;
    let call = |query: String| {
        let server = &server;
        let cookie = cookie.clone();
        async move {
            let response = server
                .client()
                .post(server.url(&format!("{SESSION}{query}")))
                .header("Cookie", format!("MoodleSession={cookie}"))
                .body(whoami)
                .send()
                .await
                .unwrap();
            parts(response).await
        }
    };
    let (_, headers, response) = call(String::new()).await;
    assert!(
        response.contains(
            r#""message":"A required parameter (sesskey) was missing","errorcode":"missingparam""#
        ),
        "{response}"
    );
    assert!(
        !headers.iter().any(|(name, _)| name == "set-cookie"),
        "an existing session sends no cookie"
    );
    let (_, _, response) = call("?sesskey=wrong".to_owned()).await;
    assert!(response.contains(r#""message":"Your session has most likely timed out. Please log in again.","errorcode":"invalidsesskey""#), "{response}");
    let (_, _, response) = call(format!("?sesskey={sesskey}")).await;
    assert_eq!(response, format!(r#"[{{"error":false,"data":{{"userid":{}}}}}]"#, server.admin.id));

    // A wrong password shows the form again; logging out ends the session.
    let response =
        server.post_form("/login/index.php", &[("username", "admin"), ("password", "x")]).await;
    assert_eq!(response.status().as_u16(), 200);
    assert!(response.text().await.unwrap().contains("Invalid login, please try again"));
    let response = server
        .client()
        .get(server.url(&format!("/login/logout.php?sesskey={sesskey}")))
        .header("Cookie", format!("MoodleSession={cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    assert!(server.store.session_by_sid(&cookie).await.unwrap().is_none());
    let (_, _, response) = call(format!("?sesskey={sesskey}")).await;
    assert!(response.contains("servicerequireslogin"), "{response}");
});
