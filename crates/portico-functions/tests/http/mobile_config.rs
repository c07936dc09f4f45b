//! The mobile app's site functions over HTTP (spec 04 §3.1-§3.3): the public configuration,
//! anonymously over `lib/ajax/service-nologin.php` and with a token over REST; the site settings
//! by section; the site information of an ordinary user and of an administrator. In REST JSON
//! and XML, with Moodle's validation errors.

use portico_store::Store;
use portico_testkit::backend_test;
use serde_json::{Value as Json, json};

use crate::{Site, assert_error};

const PUBLIC: &str = "tool_mobile_get_public_config";
const CONFIG: &str = "tool_mobile_get_config";
const INFO: &str = "core_webservice_get_site_info";

const XML_START: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<RESPONSE>\n";

/// Calls `service-nologin.php` with `body` and returns the JSON answer.
async fn nologin(site: &Site, body: &str) -> Json {
    site.server.refresh();
    let url = site.server.url("/lib/ajax/service-nologin.php?info=tool_mobile_get_public_config");
    let response = site
        .server
        .client()
        .post(url)
        .header("Content-Type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// The `name => value` settings of a `tool_mobile_get_config` answer, in order, values as text
/// (Moodle sends them with PHP's types: strings, numbers or null, which reads as "").
fn settings(answer: &Json) -> Vec<(String, String)> {
    let list = answer["settings"].as_array().unwrap_or_else(|| panic!("{answer}"));
    let text = |value: &Json| match value {
        Json::String(text) => text.clone(),
        Json::Null => String::new(),
        other => other.to_string(),
    };
    list.iter().map(|s| (s["name"].as_str().unwrap().to_owned(), text(&s["value"]))).collect()
}

fn named<'a>(settings: &'a [(String, String)], name: &str) -> Option<&'a str> {
    settings.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

backend_test!(public_config_without_login_and_over_rest, |store: Store| async move {
    let site = Site::start(store).await;
    let base = site.server.base_url();
    let call = r#"[{"index":0,"methodname":"tool_mobile_get_public_config","args":{}}]"#;
    let answer = nologin(&site, call).await;
    assert_eq!(answer[0]["error"], false, "{answer}");
    let public = &answer[0]["data"];
    assert_eq!(public["wwwroot"], base.as_str(), "{public}");
    assert_eq!(public["httpswwwroot"], base.as_str());
    assert_eq!(public["sitename"], "Portico");
    assert_eq!(public["enablewebservices"], 1);
    assert_eq!(public["enablemobilewebservice"], 1);
    assert_eq!(public["maintenanceenabled"], 0);
    assert_eq!(public["maintenancemessage"], "");
    assert_eq!(public["typeoflogin"], 1);
    assert_eq!(public["rememberusername"], 2);
    assert_eq!(public["registerauth"], "");
    assert_eq!(public["launchurl"], format!("{base}/admin/tool/mobile/launch.php"));
    // Moodle leaves the key out when no identity provider is configured.
    assert!(public.get("identityproviders").is_none(), "{public}");
    assert_eq!(public["showloginform"], 1);
    assert_eq!(public["warnings"], json!([]));
    // Settings are read at each call.
    site.server.set_config("maintenance_enabled", "1").await;
    site.server.set_config("maintenance_message", "<p>Back soon</p>").await;
    let answer = nologin(&site, call).await;
    assert_eq!(answer[0]["data"]["maintenanceenabled"], 1, "{answer}");
    assert_eq!(answer[0]["data"]["maintenancemessage"], "<p>Back soon</p>");
    site.server.set_config("maintenance_enabled", "0").await;
    // A parameter the function does not declare is refused, per call.
    let answer = nologin(
        &site,
        r#"[{"index":0,"methodname":"tool_mobile_get_public_config","args":{"x":1}}]"#,
    )
    .await;
    assert_eq!(answer[0]["error"], true, "{answer}");
    assert_eq!(answer[0]["exception"]["errorcode"], "invalidparameter", "{answer}");

    // Over REST with a token of the mobile service: the same answer.
    let user = site.user("ann").await;
    let token = site.mobile_token(user.id).await;
    let rest = site.json(&token, PUBLIC, &[]).await;
    let mut expected = nologin(&site, call).await[0]["data"].clone();
    assert_eq!(rest, expected.take());
    let xml = site.xml(&token, PUBLIC, &[]).await;
    assert!(
        xml.starts_with(&format!(
            "{XML_START}<SINGLE>\n<KEY name=\"wwwroot\"><VALUE>{base}</VALUE>\n</KEY>\n\
             <KEY name=\"httpswwwroot\"><VALUE>{base}</VALUE>\n</KEY>\n\
             <KEY name=\"sitename\"><VALUE>Portico</VALUE>\n</KEY>\n"
        )),
        "{xml}"
    );
    assert!(xml.contains("<KEY name=\"typeoflogin\"><VALUE>1</VALUE>\n</KEY>\n"), "{xml}");
    // REST XML writes every described key, an absent list as an empty MULTIPLE.
    assert!(
        xml.contains("<KEY name=\"identityproviders\"><MULTIPLE>\n</MULTIPLE>\n</KEY>"),
        "{xml}"
    );
    // Moodle's order: the warnings come before the login-form and security keys.
    assert!(
        xml.contains(
            "<KEY name=\"warnings\"><MULTIPLE>\n</MULTIPLE>\n</KEY>\n\
             <KEY name=\"showloginform\"><VALUE>1</VALUE>\n</KEY>\n"
        ),
        "{xml}"
    );
    assert!(xml.ends_with("</SINGLE>\n</RESPONSE>\n"), "{xml}");
    let answer = site.json(&token, PUBLIC, &[("x", "1")]).await;
    assert_error(&answer, "invalid_parameter_exception", "invalidparameter");
});

backend_test!(config_by_section_over_rest, |store: Store| async move {
    let site = Site::start(store).await;
    let user = site.user("ann").await;
    let token = site.mobile_token(user.id).await;
    // Every section.
    let answer = site.json(&token, CONFIG, &[]).await;
    assert_eq!(answer["warnings"], json!([]));
    let all = settings(&answer);
    assert_eq!(named(&all, "fullname"), Some("Portico"));
    assert_eq!(named(&all, "sitepolicy"), Some(""));
    assert_eq!(named(&all, "tool_mobile_autologinmintimebetweenreq"), Some("360"));
    assert_eq!(named(&all, "enablemyhome"), Some("1"));
    assert_eq!(named(&all, "enabledashboard"), Some("1"));
    assert_eq!(named(&all, "enablemycourses"), Some("1"));
    assert_eq!(named(&all, "core_admin_coursecolor1"), Some("#81ecec"));
    assert_eq!(named(&all, "calendartype"), Some("gregorian"));
    // Without moodle/site:config, no front page role.
    assert_eq!(named(&all, "defaultfrontpageroleid"), None);
    // One section.
    let answer = site.json(&token, CONFIG, &[("section", "navigation")]).await;
    assert_eq!(
        answer,
        json!({
            "settings": [
                {"name": "enablemyhome", "value": "1"},
                {"name": "enabledashboard", "value": "1"},
                {"name": "enablemycourses", "value": "1"},
            ],
            "warnings": [],
        })
    );
    // Settings are read at each call.
    site.server.set_config("enabledashboard", "0").await;
    let xml = site.xml(&token, CONFIG, &[("section", "navigation")]).await;
    let setting = |name: &str, value: &str| {
        format!(
            "<SINGLE>\n<KEY name=\"name\"><VALUE>{name}</VALUE>\n</KEY>\n\
             <KEY name=\"value\"><VALUE>{value}</VALUE>\n</KEY>\n</SINGLE>\n"
        )
    };
    assert_eq!(
        xml,
        format!(
            "{XML_START}<SINGLE>\n<KEY name=\"settings\"><MULTIPLE>\n{}{}{}</MULTIPLE>\n</KEY>\n\
             <KEY name=\"warnings\"><MULTIPLE>\n</MULTIPLE>\n</KEY>\n</SINGLE>\n</RESPONSE>\n",
            setting("enablemyhome", "1"),
            setting("enabledashboard", "0"),
            setting("enablemycourses", "1"),
        )
    );
    // A section nobody knows has no settings.
    let answer = site.json(&token, CONFIG, &[("section", "nosuchsection")]).await;
    assert_eq!(answer, json!({"settings": [], "warnings": []}));
    // A section name that is not PARAM_ALPHANUMEXT fails validation.
    site.server.set_config("debug", "15").await;
    let answer = site.json(&token, CONFIG, &[("section", "front page")]).await;
    let message = assert_error(&answer, "invalid_parameter_exception", "invalidparameter");
    assert_eq!(message, "Invalid parameter value detected");
    assert_eq!(
        answer["debuginfo"],
        "section => Invalid parameter value detected: Invalid external api parameter: the value \
         is \"front page\", the server was expecting \"alphanumext\" type",
        "{answer}"
    );
    // An administrator holds moodle/site:config and learns the front page role.
    let token = site.mobile_token(site.admin().id).await;
    let answer = site.json(&token, CONFIG, &[("section", "frontpagesettings")]).await;
    let front = settings(&answer);
    let names: Vec<&str> = front.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "fullname",
            "shortname",
            "summary",
            "summaryformat",
            "frontpage",
            "frontpageloggedin",
            "maxcategorydepth",
            "frontpagecourselimit",
            "numsections",
            "newsitems",
            "commentsperpage",
            "defaultfrontpageroleid",
        ]
    );
    assert_eq!(named(&front, "defaultfrontpageroleid"), Some("8"));
});

backend_test!(site_info_of_a_user_and_of_an_admin, |store: Store| async move {
    let site = Site::start(store).await;
    let base = site.server.base_url();
    let ann = site.user("ann").await;
    let token = site.mobile_token(ann.id).await;
    let info = site.json(&token, INFO, &[("serviceshortnames[0]", "ignored")]).await;
    assert_eq!(info["sitename"], "Portico", "{info}");
    assert_eq!(info["username"], "ann");
    assert_eq!(info["firstname"], "Test");
    assert_eq!(info["lastname"], "ann");
    assert_eq!(info["fullname"], "Test ann");
    assert_eq!(info["lang"], "en");
    assert_eq!(info["userid"], ann.id);
    assert_eq!(info["siteurl"], base.as_str());
    assert_eq!(info["siteid"], 1);
    assert_eq!(info["version"], "2024100700");
    assert_eq!(info["release"], "4.5 (Build: 20241007)");
    assert_eq!((info["downloadfiles"].as_i64(), info["uploadfiles"].as_i64()), (Some(1), Some(1)));
    assert_eq!(info["userissiteadmin"], false);
    assert_eq!(info["sitecalendartype"], "gregorian");
    assert_eq!(info["usercalendartype"], "gregorian");
    let names: Vec<&str> =
        info["functions"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    for name in [INFO, PUBLIC, CONFIG, "core_user_get_users_by_field"] {
        assert!(names.contains(&name), "{name}: {names:?}");
    }
    assert!(!names.contains(&"core_user_create_users"), "{names:?}");
    let xml = site.xml(&token, INFO, &[]).await;
    assert!(
        xml.starts_with(&format!(
            "{XML_START}<SINGLE>\n<KEY name=\"sitename\"><VALUE>Portico</VALUE>\n</KEY>\n\
             <KEY name=\"username\"><VALUE>ann</VALUE>\n</KEY>\n\
             <KEY name=\"firstname\"><VALUE>Test</VALUE>\n</KEY>\n\
             <KEY name=\"lastname\"><VALUE>ann</VALUE>\n</KEY>\n\
             <KEY name=\"fullname\"><VALUE>Test ann</VALUE>\n</KEY>\n\
             <KEY name=\"lang\"><VALUE>en</VALUE>\n</KEY>\n\
             <KEY name=\"userid\"><VALUE>{}</VALUE>\n</KEY>\n\
             <KEY name=\"siteurl\"><VALUE>{base}</VALUE>\n</KEY>\n",
            ann.id
        )),
        "{xml}"
    );
    assert!(xml.contains("<KEY name=\"userissiteadmin\"><VALUE>0</VALUE>\n</KEY>\n"), "{xml}");

    // The administrator.
    let token = site.mobile_token(site.admin().id).await;
    let info = site.json(&token, INFO, &[]).await;
    assert_eq!(info["username"], "admin");
    assert_eq!(info["fullname"], "Admin User");
    assert_eq!(info["userid"], site.admin().id);
    assert_eq!(info["userissiteadmin"], true);
    let xml = site.xml(&token, INFO, &[]).await;
    assert!(xml.contains("<KEY name=\"userissiteadmin\"><VALUE>1</VALUE>\n</KEY>\n"), "{xml}");
    // A parameter of the wrong type is refused.
    let answer = site.json(&token, INFO, &[("serviceshortnames[0]", "a b")]).await;
    assert_error(&answer, "invalid_parameter_exception", "invalidparameter");
});
