//! `core_webservice_get_site_info` over HTTP: the function list is exactly the token's
//! service's.

use portico_store::Store;
use portico_testkit::backend_test;

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
