//! Input limits (issue 4 item 6): oversized bodies are refused with the endpoint's error
//! document, PHP's variable and nesting limits drop what PHP drops, and none of it stops the
//! server from answering the next request.

use portico_testkit::backend_test;

use super::*;

const REST: &str = "/webservice/rest/server.php";

async fn limited(store: Store) -> TestServer {
    TestServer::start_with(store, registry(), |config| {
        config.limits.max_body_bytes = 2048;
        config.limits.max_input_vars = 5;
        config.limits.max_json_depth = 16;
    })
    .await
}

backend_test!(an_oversized_body_is_refused, |store: Store| async move {
    let server = limited(store).await;
    server.set_config("debug", "15").await;
    let token = server.token(server.admin.id).await;
    let padding = "x".repeat(4096);
    let url = server.url(&format!(
        "{REST}?wstoken={token}&wsfunction=local_test_whoami&moodlewsrestformat=json"
    ));
    let response = server.client().post(url).body(format!("pad={padding}")).send().await.unwrap();
    let (status, _, body) = parts(response).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        r#"{"exception":"core\\exception\\invalid_parameter_exception","errorcode":"invalidparameter","message":"Invalid parameter value detected","debuginfo":"POST Content-Length of 4100 bytes exceeds the limit of 2048 bytes"}"#
    );
    // The AJAX endpoint refuses it as a whole-request failure.
    let response = server
        .client()
        .post(server.url("/lib/ajax/service-nologin.php"))
        .body(padding)
        .send()
        .await
        .unwrap();
    let body = parts(response).await.2;
    assert!(
        body.starts_with(
            r#"{"error":"Invalid parameter value detected","errorcode":"invalidparameter""#
        ),
        "{body}"
    );
    // The server still answers.
    let url = server.url(&format!(
        "{REST}?wstoken={token}&wsfunction=local_test_whoami&moodlewsrestformat=json"
    ));
    let body = server.client().get(url).send().await.unwrap().text().await.unwrap();
    assert_eq!(body, format!("{{\"userid\":{}}}", server.admin.id));
});

backend_test!(variables_beyond_max_input_vars_are_dropped, |store: Store| async move {
    let server = limited(store).await;
    server.set_config("debug", "15").await;
    let token = server.token(server.admin.id).await;
    // A form body keeps max_input_vars + 1 = 6 pairs: x0 and x1 arrive, x2.. do not.
    let mut form = vec![
        ("wstoken", token.as_str()),
        ("wsfunction", "local_test_get_item"),
        ("moodlewsrestformat", "json"),
        ("itemid", "1"),
    ];
    let names: Vec<String> = (0..20).map(|index| format!("x{index}")).collect();
    form.extend(names.iter().map(|name| (name.as_str(), "1")));
    let body = parts(server.rest(&form).await).await.2;
    assert!(
        body.contains(r#""debuginfo":"Unexpected keys (x0, x1) detected in parameter array.""#),
        "{body}"
    );
});

backend_test!(names_nested_too_deep_are_dropped, |store: Store| async move {
    let server = site(store).await;
    let token = server.token(server.admin.id).await;
    let deep = format!("options{}", "[a]".repeat(65));
    let kept = format!("options{}", "[a]".repeat(64));
    let base = [
        ("wstoken", token.as_str()),
        ("wsfunction", "local_test_get_item"),
        ("moodlewsrestformat", "json"),
        ("itemid", "1"),
    ];
    // 65 levels: the name vanishes and the defaults apply.
    let mut form = base.to_vec();
    form.push((deep.as_str(), "1"));
    let body = parts(server.rest(&form).await).await.2;
    assert_eq!(body, r#"{"id":1,"name":"","visible":false,"tags":[],"ratio":5}"#);
    // 64 levels are kept, and then fail validation.
    let mut form = base.to_vec();
    form.push((kept.as_str(), "1"));
    let body = parts(server.rest(&form).await).await.2;
    assert!(body.contains("invalidparameter"), "{body}");
});

backend_test!(json_nested_too_deep_is_a_coding_error, |store: Store| async move {
    let server = limited(store).await;
    let body = format!("{}{}", "[".repeat(40), "]".repeat(40));
    let response = server
        .client()
        .post(server.url("/lib/ajax/service-nologin.php"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        parts(response).await.2,
        r#"{"error":"Coding error detected, it must be fixed by a programmer: Invalid json in request: Maximum stack depth exceeded","errorcode":"codingerror","stacktrace":null,"debuginfo":null,"reproductionlink":null}"#
    );
});
