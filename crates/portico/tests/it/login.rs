//! `login/token.php` over HTTP (spec 01 §4, spec 02 §5).

use portico_testkit::backend_test;
use portico_testkit::server::ADMIN_PASSWORD;

use super::*;

const TOKEN: &str = "/login/token.php";

fn error(message: &str, errorcode: &str) -> String {
    format!(
        r#"{{"error":"{message}","errorcode":"{errorcode}","stacktrace":null,"debuginfo":null,"reproductionlink":null}}"#
    )
}

backend_test!(login_issues_and_reuses_tokens, |store: Store| async move {
    let server = site(store).await;
    let anne = server.create_user("anne", "Anne-pass-1").await;
    let form =
        [("username", "  ANNE "), ("password", "Anne-pass-1"), ("service", "moodle_mobile_app")];
    let (status, headers, body) = parts(server.post_form(TOKEN, &form).await).await;
    assert_eq!(status, 200);
    let names: Vec<String> = moodle_headers(&headers).into_iter().map(|(name, _)| name).collect();
    assert_eq!(
        names,
        [
            "content-type",
            "access-control-allow-origin",
            "cache-control",
            "cache-control",
            "pragma",
            "expires",
            "last-modified",
            "accept-ranges"
        ]
    );
    let token = body
        .strip_prefix(r#"{"token":""#)
        .and_then(|rest| rest.strip_suffix(r#"","privatetoken":null}"#))
        .unwrap_or_else(|| panic!("a token on a plain-HTTP site: {body}"))
        .to_owned();
    assert_eq!(token.len(), 32);
    // The same user and service get the same token; it works on the REST server.
    let again = parts(server.post_form(TOKEN, &form).await).await.2;
    assert_eq!(again, body);
    let whoami = parts(
        server
            .rest(&[
                ("wstoken", &token),
                ("wsfunction", "local_test_whoami"),
                ("moodlewsrestformat", "json"),
            ])
            .await,
    )
    .await
    .2;
    assert_eq!(whoami, format!(r#"{{"userid":{}}}"#, anne.id));
    // The admin gets a mobile token too; GET with a query string works.
    let url = server.url(&format!(
        "{TOKEN}?username=admin&password={ADMIN_PASSWORD}&service=moodle_mobile_app"
    ));
    let body = server.client().get(url).send().await.unwrap().text().await.unwrap();
    assert!(body.starts_with(r#"{"token":""#), "{body}");
});

backend_test!(every_login_error, |store: Store| async move {
    let server = site(store).await;
    server.create_user("anne", "Anne-pass-1").await;
    let cases: &[(&[(&str, &str)], String)] = &[
        (&[], error("A required parameter (username) was missing", "missingparam")),
        (
            &[("username", "anne")],
            error("A required parameter (password) was missing", "missingparam"),
        ),
        (
            &[("username", "anne"), ("password", "x")],
            error("A required parameter (service) was missing", "missingparam"),
        ),
        (
            &[("username", "anne"), ("password", "wrong"), ("service", "moodle_mobile_app")],
            error("Invalid login, please try again", "invalidlogin"),
        ),
        (
            &[("username", "nobody"), ("password", "x"), ("service", "moodle_mobile_app")],
            error("Invalid login, please try again", "invalidlogin"),
        ),
        (
            &[("username", "anne"), ("password", "Anne-pass-1"), ("service", "moodle mobile app!")],
            error(
                "Web service is not available. (It doesn't exist or might be disabled.)",
                "servicenotavailable",
            ),
        ),
    ];
    for (form, expected) in cases {
        let (status, _, body) = parts(server.post_form(TOKEN, form).await).await;
        assert_eq!((status, &body), (200, expected), "{form:?}");
    }
    // A form body under PUT is not read.
    let response = server
        .client()
        .put(server.url(TOKEN))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("username=anne&password=Anne-pass-1&service=moodle_mobile_app")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.text().await.unwrap(),
        error("A required parameter (username) was missing", "missingparam")
    );
    // The probe, then web services off.
    let (_, headers, body) = parts(server.post_form(TOKEN, &[("appsitecheck", "1")]).await).await;
    assert_eq!(body, r#"{"appsitecheck":"ok"}"#);
    assert_eq!(
        moodle_headers(&headers),
        pairs(&[
            ("content-type", "application/json; charset=utf-8"),
            ("access-control-allow-origin", "*")
        ])
    );
    server.set_config("enablewebservices", "0").await;
    let body = parts(server.post_form(TOKEN, &[("appsitecheck", "1")]).await).await.2;
    assert_eq!(
        body,
        error("Web services must be enabled in Advanced features.", "enablewsdescription")
    );
    // Another host name: the early-error shape, JSON content type only.
    let response = server
        .client()
        .post(server.url(TOKEN))
        .header("Host", "elsewhere.example")
        .send()
        .await
        .unwrap();
    let (_, headers, body) = parts(response).await;
    assert_eq!(
        body,
        r#"{"error":"Invalid url or port.","stacktrace":null,"debuginfo":null,"errorcode":"requirecorrectaccess"}"#
    );
    assert_eq!(
        moodle_headers(&headers),
        pairs(&[("content-type", "application/json; charset=utf-8")])
    );
});
