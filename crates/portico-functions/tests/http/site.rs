//! `core_webservice_get_site_info` over HTTP: the function list is exactly the token's
//! service's; `tool_mobile_get_public_config`'s keys in Moodle's order.

use portico_store::Store;
use portico_testkit::{TestServer, backend_test};
use serde_json::Value as Json;

use crate::Site;

backend_test!(site_info_lists_exactly_the_services_functions, |store: Store| async move {
    let site = Site::start(store).await;
    let user = site.user("ann").await;
    let token = site.token(user.id, &["core_webservice_get_site_info"]).await;
    let info = site.json(&token, "core_webservice_get_site_info", &[]).await;
    assert_eq!(info["username"], "ann");
    let names: Vec<&str> =
        info["functions"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["core_webservice_get_site_info"]);
    let xml = site.xml(&token, "core_webservice_get_site_info", &[]).await;
    assert!(xml.contains("<KEY name=\"username\"><VALUE>ann</VALUE>"), "{xml}");
    let denied = site.json(&token, "core_user_get_users", &[("criteria[0][key]", "id")]).await;
    crate::assert_error(&denied, "webservice_access_exception", "accessexception");
});

backend_test!(autologin_keys_are_for_the_app_only, |store: Store| async move {
    let server = TestServer::start_with(store, portico_functions::registry(), |config| {
        config.public_url = "https://portico.example".to_owned();
    })
    .await;
    let user = server.create_user("ann", "Passw0rd!").await;
    let token = server.token(user.id).await;
    let private = server.store.token_by_value(&token).await.unwrap().unwrap().privatetoken.unwrap();
    let url = server.url("/webservice/rest/server.php");
    let form = [
        ("wstoken", token.as_str()),
        ("wsfunction", "tool_mobile_get_autologin_key"),
        ("moodlewsrestformat", "json"),
        ("privatetoken", private.as_str()),
    ];
    let call = |agent: &'static str, query: &'static str| {
        server.client().post(format!("{url}{query}")).header("User-Agent", agent).form(&form).send()
    };
    let answer: Json = call("Mozilla/5.0", "").await.unwrap().json().await.unwrap();
    let message = crate::assert_error(&answer, "moodle_exception", "apprequired");
    assert_eq!(
        message,
        "This functionality is only available when accessed via the Moodle mobile or desktop app."
    );
    let app = "Mozilla/5.0 (Linux; Android 14) MoodleMobile 4.4.0";
    let answer: Json = call(app, "?privatetoken=x").await.unwrap().json().await.unwrap();
    crate::assert_error(&answer, "moodle_exception", "invalidprivatetoken");
    // The refused attempt above did not start the waiting time: it failed before the check.
    let answer: Json = call(app, "").await.unwrap().json().await.unwrap();
    assert_eq!(answer["autologinurl"], "https://portico.example/admin/tool/mobile/autologin.php");
    let key = server.store.user_private_key("tool_mobile", user.id).await.unwrap().unwrap();
    assert_eq!(answer["key"], key.value.as_str());
    assert_eq!(key.iprestriction.as_deref(), Some("127.0.0.1"));
});

backend_test!(public_config_keys_come_in_moodles_order, |store: Store| async move {
    let site = Site::start(store).await;
    let user = site.user("ann").await;
    let token = site.mobile_token(user.id).await;
    let config = site.json(&token, "tool_mobile_get_public_config", &[]).await;
    assert_eq!(config["showloginform"], 1);
    assert_eq!(config["supportavailability"], 1);
    assert!(config.get("identityproviders").is_none(), "{config}");
    // The wire order is the declaration order: `warnings` sits before `showloginform`.
    let xml = site.xml(&token, "tool_mobile_get_public_config", &[]).await;
    let at = |key: &str| {
        xml.find(&format!("<KEY name=\"{key}\">")).unwrap_or_else(|| panic!("{key}: {xml}"))
    };
    assert!(at("tool_mobile_qrcodetype") < at("warnings"), "{xml}");
    assert!(at("warnings") < at("showloginform"), "{xml}");
    assert!(at("showloginform") < at("enableforgotpasswordrecaptcha"), "{xml}");
    assert!(at("agedigitalconsentverification") < at("supportpage"), "{xml}");
    assert!(at("supportavailability") < at("autolang"), "{xml}");
});
