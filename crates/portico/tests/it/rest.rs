//! `webservice/rest/server.php` over HTTP (spec 01 §3, spec 02 §3).

use portico_testkit::backend_test;

use super::*;

const REST: &str = "/webservice/rest/server.php";

fn rest_json_headers() -> Vec<(String, String)> {
    pairs(&[
        ("content-type", "application/json"),
        ("cache-control", "private, must-revalidate, pre-check=0, post-check=0, max-age=0"),
        ("expires", "Thu, 01 Jan 1970 00:00:00 GMT"),
        ("pragma", "no-cache"),
        ("accept-ranges", "none"),
        ("access-control-allow-origin", "*"),
    ])
}

fn rest_xml_headers() -> Vec<(String, String)> {
    let mut headers = pairs(&[
        ("content-type", "application/xml; charset=utf-8"),
        ("content-disposition", "inline; filename=\"response.xml\""),
    ]);
    headers.extend(rest_json_headers().into_iter().skip(1));
    headers
}

/// A JSON call of `local_test_get_item` with `extra` arguments, by `token`.
async fn get_item(server: &TestServer, token: &str, extra: &[(&str, &str)]) -> (u16, String) {
    let mut form = vec![
        ("wstoken", token),
        ("wsfunction", "local_test_get_item"),
        ("moodlewsrestformat", "json"),
    ];
    form.extend_from_slice(extra);
    let (status, _, body) = parts(server.rest(&form).await).await;
    (status, body)
}

backend_test!(json_success_with_exact_headers, |store: Store| async move {
    let server = site(store).await;
    let token = server.token(server.admin.id).await;
    let response = server
        .rest(&[
            ("wstoken", &token),
            ("wsfunction", "local_test_get_item"),
            ("moodlewsrestformat", "json"),
            ("itemid", "7"),
            ("name", "First"),
            ("options[visible]", "1"),
            ("moodlewssettingfilter", "true"),
            ("moodlewssettingfileurl", "true"),
        ])
        .await;
    let (status, headers, body) = parts(response).await;
    assert_eq!(status, 200);
    assert_eq!(moodle_headers(&headers), rest_json_headers());
    assert_eq!(body, r#"{"id":7,"name":"First","visible":true,"tags":[],"ratio":5}"#);
});

backend_test!(xml_success_byte_exact, |store: Store| async move {
    let server = site(store).await;
    let token = server.token(server.admin.id).await;
    let response = server
        .rest(&[
            ("wstoken", &token),
            ("wsfunction", "local_test_get_item"),
            ("itemid", "7"),
            ("name", "Fish & \"Chips\" > it's"),
            ("options[visible]", "0"),
            ("options[tags][]", "a"),
        ])
        .await;
    let (status, headers, body) = parts(response).await;
    assert_eq!(status, 200);
    assert_eq!(moodle_headers(&headers), rest_xml_headers());
    assert_eq!(
        body,
        "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<RESPONSE>\n<SINGLE>\n\
         <KEY name=\"id\"><VALUE>7</VALUE>\n</KEY>\n\
         <KEY name=\"name\"><VALUE>Fish &amp; &quot;Chips&quot; &gt; it's</VALUE>\n</KEY>\n\
         <KEY name=\"visible\"><VALUE>0</VALUE>\n</KEY>\n\
         <KEY name=\"tags\"><MULTIPLE>\n<VALUE>a</VALUE>\n</MULTIPLE>\n</KEY>\n\
         <KEY name=\"ratio\"><VALUE>5</VALUE>\n</KEY>\n</SINGLE>\n</RESPONSE>\n"
    );
});

backend_test!(the_body_wins_over_the_query_and_get_works, |store: Store| async move {
    let server = site(store).await;
    let token = server.token(server.admin.id).await;
    let url = server.url(&format!("{REST}?moodlewsrestformat=xml&wsfunction=local_test_whoami"));
    let body = format!("wstoken={token}&wsfunction=local_test_whoami&moodlewsrestformat=json");
    let response = server
        .client()
        .post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.text().await.unwrap(), format!("{{\"userid\":{}}}", server.admin.id));
    let url = server.url(&format!(
        "{REST}?wstoken={token}&wsfunction=local_test_whoami&moodlewsrestformat=json"
    ));
    let response = server.client().get(url.as_str()).send().await.unwrap();
    assert_eq!(response.text().await.unwrap(), format!("{{\"userid\":{}}}", server.admin.id));
    // HEAD: the same headers, no body.
    let (status, headers, body) = parts(server.client().head(url).send().await.unwrap()).await;
    assert_eq!((status, body.as_str()), (200, ""));
    assert_eq!(moodle_headers(&headers), rest_json_headers());
    // A JSON body is not read by the REST server.
    let response = server
        .client()
        .post(server.url(REST))
        .header("Content-Type", "application/json")
        .body(format!(r#"{{"wstoken":"{token}"}}"#))
        .send()
        .await
        .unwrap();
    assert!(response.text().await.unwrap().contains("<ERRORCODE>invalidtoken</ERRORCODE>"));
});

backend_test!(multipart_bodies_are_form_bodies, |store: Store| async move {
    let server = site(store).await;
    let token = server.token(server.admin.id).await;
    let boundary = "XyZ";
    let mut body = String::new();
    for (name, value) in [
        ("wstoken", token.as_str()),
        ("wsfunction", "local_test_whoami"),
        ("moodlewsrestformat", "json"),
    ] {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    let response = server
        .client()
        .post(server.url(REST))
        .header("Content-Type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.text().await.unwrap(), format!("{{\"userid\":{}}}", server.admin.id));
});

backend_test!(invalid_token_in_json_and_xml, |store: Store| async move {
    let server = site(store).await;
    let token = server.token(server.admin.id).await;
    let json = r#"{"exception":"core\\exception\\moodle_exception","errorcode":"invalidtoken","message":"Invalid token - token not found"}"#;
    for bad in ["", "nope", &token.to_uppercase()] {
        assert_eq!(get_item(&server, bad, &[]).await, (200, json.to_owned()));
    }
    let (status, headers, body) =
        parts(server.rest(&[("wstoken", "nope"), ("wsfunction", "x")]).await).await;
    assert_eq!(status, 200);
    assert_eq!(moodle_headers(&headers), rest_xml_headers());
    assert_eq!(
        body,
        "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n\
         <EXCEPTION class=\"core\\exception\\moodle_exception\">\n\
         <ERRORCODE>invalidtoken</ERRORCODE>\n\
         <MESSAGE>Invalid token - token not found</MESSAGE>\n</EXCEPTION>\n"
    );
    // A site claiming Moodle 4.1 reports the global class names (spec 01 §3.9).
    server.set_config("version", "2022112800").await;
    let json = r#"{"exception":"moodle_exception","errorcode":"invalidtoken","message":"Invalid token - token not found"}"#;
    assert_eq!(get_item(&server, "nope", &[]).await, (200, json.to_owned()));
});

backend_test!(disabled_web_services_or_protocol_answer_403, |store: Store| async move {
    let server = site(store).await;
    let token = server.token(server.admin.id).await;
    for (name, value) in [("enablewebservices", "0"), ("webserviceprotocols", "soap")] {
        server.set_config(name, value).await;
        let (status, headers, body) =
            parts(server.rest(&[("wstoken", &token), ("wsfunction", "local_test_whoami")]).await)
                .await;
        assert_eq!((status, body.as_str()), (403, ""), "{name}");
        assert_eq!(
            moodle_headers(&headers),
            pairs(&[("content-type", "text/html; charset=utf-8")])
        );
        server.set_config("enablewebservices", "1").await;
        server.set_config("webserviceprotocols", "rest").await;
    }
    let (status, _) = get_item(&server, &token, &[("itemid", "1")]).await;
    assert_eq!(status, 200);
});

backend_test!(access_control_failures_spec_02_section_3, |store: Store| async move {
    let server = site(store).await;
    let token = server.token(server.admin.id).await;
    // 15: no function name (debuginfo only at debug level NORMAL).
    let missing = |debug: bool| {
        let mut body = String::from(
            r#"{"exception":"core\\exception\\invalid_parameter_exception","errorcode":"invalidparameter","message":"Invalid parameter value detected""#,
        );
        if debug {
            body.push_str(r#","debuginfo":"Missing function name""#);
        }
        body.push('}');
        body
    };
    let form = [("wstoken", token.as_str()), ("moodlewsrestformat", "json")];
    assert_eq!(parts(server.rest(&form).await).await.2, missing(false));
    server.set_config("debug", "15").await;
    assert_eq!(parts(server.rest(&form).await).await.2, missing(true));
    server.set_config("debug", "0").await;
    // 16: unknown function.
    let form =
        [("wstoken", token.as_str()), ("moodlewsrestformat", "json"), ("wsfunction", "nope")];
    assert_eq!(
        parts(server.rest(&form).await).await.2,
        r#"{"exception":"dml_missing_record_exception","errorcode":"invalidrecord","message":"Can't find data record in database table external_functions."}"#
    );
    server.set_config("debug", "15").await;
    assert_eq!(
        parts(server.rest(&form).await).await.2,
        r#"{"exception":"dml_missing_record_exception","errorcode":"invalidrecord","message":"Can't find data record in database table external_functions.","debuginfo":"SELECT * FROM {external_functions} WHERE name = ?\n[array (\n  0 => 'nope',\n)]"}"#
    );
    server.set_config("debug", "0").await;
    // 17: the function is not in the token's service.
    let form = [
        ("wstoken", token.as_str()),
        ("moodlewsrestformat", "json"),
        ("wsfunction", "local_test_outside_service"),
    ];
    assert_eq!(
        parts(server.rest(&form).await).await.2,
        r#"{"exception":"webservice_access_exception","errorcode":"accessexception","message":"Access control exception"}"#
    );
    server.set_config("debug", "15").await;
    let body = parts(server.rest(&form).await).await.2;
    let indent = format!("\\n{}", " ".repeat(21));
    assert!(
        body.starts_with(&format!(
            r#"{{"exception":"webservice_access_exception","errorcode":"accessexception","message":"Access control exception","debuginfo":"Access to the function local_test_outside_service() is not allowed.{indent}There could be multiple reasons for this:{indent}1. The service"#
        )),
        "{body}"
    );
    assert!(body.contains(r#"username\/password"#), "{body}");
    // 10: a suspended user's token.
    let anne = server.create_user("anne", "Anne-pass-1").await;
    let anne_token = server.token(anne.id).await;
    server.store.set_user_suspended(anne.id, true).await.unwrap();
    server.refresh();
    assert_eq!(
        get_item(&server, &anne_token, &[("itemid", "1")]).await.1,
        r#"{"exception":"core\\exception\\moodle_exception","errorcode":"wsaccessusersuspended","message":"Refused web service access for suspended username: anne"}"#
    );
    // 17: a token of a disabled service.
    let service = server.store.service_by_shortname("moodle_mobile_app").await.unwrap().unwrap();
    server.store.set_service_enabled(service.id, false).await.unwrap();
    server.refresh();
    assert!(get_item(&server, &token, &[("itemid", "1")]).await.1.contains("accessexception"));
});

backend_test!(every_validation_error_over_the_wire, |store: Store| async move {
    let server = site(store).await;
    let token = server.token(server.admin.id).await;
    server.set_config("debug", "15").await;
    let error = |debuginfo: &str| {
        format!(
            r#"{{"exception":"core\\exception\\invalid_parameter_exception","errorcode":"invalidparameter","message":"Invalid parameter value detected","debuginfo":"{debuginfo}"}}"#
        )
    };
    let cases: &[(&[(&str, &str)], &str)] = &[
        // Missing top-level key: no path prefix.
        (&[], "Missing required key in single structure: itemid"),
        // Wrong type.
        (
            &[("itemid", "abc")],
            r#"itemid => Invalid parameter value detected: Invalid external api parameter: the value is \"abc\", the server was expecting \"int\" type"#,
        ),
        (
            &[("itemid", "1.5")],
            r#"itemid => Invalid parameter value detected: Invalid external api parameter: the value is \"1.5\", the server was expecting \"int\" type"#,
        ),
        // Unexpected keys, e.g. a cache-busting `_`.
        (&[("itemid", "1"), ("_", "123")], "Unexpected keys (_) detected in parameter array."),
        // Nested paths.
        (
            &[("itemid", "1"), ("options[tags][]", "a")],
            "options => Invalid parameter value detected: Missing required key in single structure: visible",
        ),
        (
            &[("itemid", "1"), ("options[visible]", "true")],
            r#"options => Invalid parameter value detected: visible => Invalid parameter value detected: Invalid external api parameter: the value is \"true\", the server was expecting \"bool\" type"#,
        ),
        // A scalar where a structure is expected, and the reverse.
        (
            &[("itemid", "1"), ("options", "abc")],
            "options => Invalid parameter value detected: Only arrays accepted. The bad value is: 'abc'",
        ),
        (
            &[("itemid[]", "1")],
            "itemid => Invalid parameter value detected: Scalar type expected, array or object received.",
        ),
    ];
    for (extra, debuginfo) in cases {
        assert_eq!(get_item(&server, &token, extra).await, (200, error(debuginfo)), "{extra:?}");
    }
    // Developer display repeats nested texts in the message (spec 01 §3.8).
    server.set_config("debug", "32767").await;
    server.set_config("debugdisplay", "1").await;
    let (_, body) = get_item(&server, &token, &[]).await;
    assert!(
        body.contains(r#""message":"Invalid parameter value detected (Missing required key in single structure: itemid)""#),
        "{body}"
    );
});

backend_test!(invalid_responses_and_the_event_log, |store: Store| async move {
    let server = site(store).await;
    let token = server.token(server.admin.id).await;
    let form = [
        ("wstoken", token.as_str()),
        ("wsfunction", "local_test_bad_response"),
        ("moodlewsrestformat", "json"),
    ];
    let body = parts(server.rest(&form).await).await.2;
    assert!(
        body.starts_with(r#"{"exception":"core\\exception\\invalid_response_exception","errorcode":"invalidresponse","message":"Invalid response value detected""#),
        "{body}"
    );
    server.node.access.events().flush().await;
    let events = server.store.recent_log(10).await.unwrap();
    let called = events
        .iter()
        .find(|event| event.eventname == "\\core\\event\\webservice_function_called")
        .expect("the call was logged");
    assert_eq!(called.userid, server.admin.id);
    assert_eq!(called.other.as_deref(), Some(r#"{"function":"local_test_bad_response"}"#));
});

backend_test!(every_token_and_user_check_of_spec_02_section_3, |store: Store| async move {
    let server = site(store).await;
    server.set_config("debug", "15").await;
    let access = |debuginfo: &str| {
        format!(
            r#"{{"exception":"webservice_access_exception","errorcode":"accessexception","message":"Access control exception","debuginfo":"{debuginfo}"}}"#
        )
    };
    let refused = |errorcode: &str, message: &str| {
        format!(
            r#"{{"exception":"core\\exception\\moodle_exception","errorcode":"{errorcode}","message":"{message}"}}"#
        )
    };
    // A fresh user and token for each check, so that one check's state does not hide another's.
    async fn user_and_token(
        server: &TestServer,
        name: &str,
        adjust: fn(&mut portico_store::model::User),
    ) -> (portico_store::model::User, String) {
        let mut user = server.create_user(name, "Bob-pass-1").await;
        let token = server.token(user.id).await;
        adjust(&mut user);
        server.store.update_user(&user).await.unwrap();
        server.refresh();
        (user, token)
    }

    // 2: an expired token is refused, and deleted.
    let (_, token) = user_and_token(&server, "bob1", |_| {}).await;
    let mut row = server.store.token_by_value(&token).await.unwrap().unwrap();
    row.validuntil = Some(1);
    server.store.update_token(&row).await.unwrap();
    server.refresh();
    assert_eq!(
        get_item(&server, &token, &[("itemid", "1")]).await.1,
        access("Invalid token - token expired - check validuntil time for the token")
    );
    assert!(server.store.token_by_value(&token).await.unwrap().is_none());

    // 4: the token's IP restriction does not admit the client.
    let (_, token) = user_and_token(&server, "bob2", |_| {}).await;
    let mut row = server.store.token_by_value(&token).await.unwrap().unwrap();
    row.iprestriction = Some("10.1.2.0/24".into());
    server.store.update_token(&row).await.unwrap();
    server.refresh();
    assert_eq!(
        get_item(&server, &token, &[("itemid", "1")]).await.1,
        access("Invalid service - IP:127.0.0.1 is not supported - check this allowed user")
    );
    row.iprestriction = Some("127.0.0.1".into());
    server.store.update_token(&row).await.unwrap();
    server.refresh();
    assert_eq!(get_item(&server, &token, &[("itemid", "1")]).await.0, 200);
    assert!(!get_item(&server, &token, &[("itemid", "1")]).await.1.contains("exception"));

    // 8, 9, 12: deleted, unconfirmed and nologin users.
    let (user, token) = user_and_token(&server, "bob3", |user| user.deleted = 1).await;
    let expected = refused(
        "wsaccessuserdeleted",
        &format!("Refused web service access for deleted username: {}", user.username),
    );
    assert_eq!(get_item(&server, &token, &[("itemid", "1")]).await.1, expected);
    let (user, token) = user_and_token(&server, "bob4", |user| user.confirmed = 0).await;
    let expected = refused(
        "wsaccessuserunconfirmed",
        &format!("Refused web service access for unconfirmed username: {}", user.username),
    );
    assert_eq!(get_item(&server, &token, &[("itemid", "1")]).await.1, expected);
    let (user, token) = user_and_token(&server, "bob5", |user| user.auth = "nologin".into()).await;
    let expected = refused(
        "wsaccessusernologin",
        &format!(
            "Refused web service access for nologin authentication username: {}",
            user.username
        ),
    );
    assert_eq!(get_item(&server, &token, &[("itemid", "1")]).await.1, expected);

    // 7: maintenance mode refuses users without moodle/site:maintenanceaccess.
    let (_, token) = user_and_token(&server, "bob6", |_| {}).await;
    server.set_config("maintenance_enabled", "1").await;
    assert_eq!(
        get_item(&server, &token, &[("itemid", "1")]).await.1,
        r#"{"exception":"core\\exception\\moodle_exception","errorcode":"sitemaintenance","message":"The site is undergoing maintenance and is currently not available"}"#
    );
    server.set_config("maintenance_enabled", "0").await;

    // 14: the protocol capability, taken away from the authenticated-user role.
    server.store.set_role_capability(7, 1, "webservice/rest:use", 0, 0).await.unwrap();
    server.refresh();
    assert_eq!(
        get_item(&server, &token, &[("itemid", "1")]).await.1,
        access(
            r"You are not allowed to use the rest protocol (missing capability: webservice\/rest:use)"
        )
    );
});
