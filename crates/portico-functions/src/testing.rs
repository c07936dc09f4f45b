//! Test support: an installed site on a real store, callers built from real tokens, and calls
//! through `portico_engine::invoke` with arguments written as clients send them.

use std::sync::Arc;

use portico_access::Caller;
use portico_access::token::generate_token;
use portico_engine::install::{
    InstallOptions, MOBILE_SERVICE, hash_new_password, install, new_local_user,
};
use portico_engine::{CallContext, CallSettings, Portico, invoke};
use portico_schema::{Exception, SiteSettings, Value};
use portico_store::Store;
use portico_store::model::{
    Course, CourseCategory, EXTERNAL_TOKEN_PERMANENT, Enrol, ExternalService, ExternalToken,
    SYSTEM_CONTEXT_ID, User,
};
use portico_wire::form::{FormLimits, parse_body};

/// An installed site.
pub(crate) struct TestSite {
    pub(crate) node: Portico,
    pub(crate) admin: User,
    site: Arc<SiteSettings>,
}

impl TestSite {
    /// Installs a site with every built-in function on `store`.
    pub(crate) async fn install(store: Store) -> TestSite {
        let registry = crate::registry();
        let options = InstallOptions {
            admin_username: "admin".into(),
            admin_password: "Adm1n!pass".into(),
            admin_email: "admin@example.com".into(),
        };
        let admin = install(&store, &registry, &options).await.expect("the site installs");
        let site =
            SiteSettings { wwwroot: "https://portico.example".into(), ..SiteSettings::default() };
        TestSite { node: Portico::new(store, registry), admin, site: Arc::new(site) }
    }

    /// The store.
    pub(crate) fn store(&self) -> &Store {
        &self.node.store
    }

    /// Creates a local user `username` (password `Passw0rd!`).
    pub(crate) async fn user(&self, username: &str) -> User {
        let hash = hash_new_password("Passw0rd!").expect("hashes");
        let user = new_local_user(
            username,
            hash,
            &format!("First{username}"),
            &format!("Last{username}"),
            &format!("{username}@example.com"),
        );
        self.store().create_user(&user).await.expect("the user is created")
    }

    /// Creates a visible top-level category `name` (or below `parent`).
    pub(crate) async fn category(&self, name: &str, parent: i64) -> CourseCategory {
        crate::fixtures::category(self.store(), name, parent)
            .await
            .expect("the category is created")
    }

    /// Creates a visible course `shortname` in `category` with Moodle's default sections and
    /// enrolment instances.
    pub(crate) async fn course(&self, shortname: &str, category: i64) -> Course {
        self.node.access.invalidate(&portico_access::Invalidation::All);
        crate::fixtures::course(&self.node, shortname, category)
            .await
            .expect("the course is created")
    }

    /// The first enrolment instance of plugin `enrol` in course `courseid`.
    pub(crate) async fn instance(&self, courseid: i64, enrol: &str) -> Enrol {
        let instances = self.store().enrol_instances(courseid).await.expect("instances load");
        instances.into_iter().find(|e| e.enrol == enrol).expect("the course has the instance")
    }

    /// Enrols `userid` in `courseid` through its manual instance with role `roleid`.
    pub(crate) async fn enrol(&self, userid: i64, courseid: i64, roleid: i64) {
        crate::fixtures::enrol(self.store(), userid, courseid, roleid)
            .await
            .expect("the user is enrolled");
    }

    /// A caller with a token of the mobile service.
    pub(crate) async fn mobile_caller(&self, userid: i64) -> Caller {
        let service =
            self.store().service_by_shortname(MOBILE_SERVICE).await.unwrap().expect("installed");
        self.token_caller(userid, service.id).await
    }

    /// A caller with a token of a new custom service holding `functions`.
    pub(crate) async fn custom_caller(&self, userid: i64, functions: &[&str]) -> Caller {
        let shortname = format!("custom{}", generate_token());
        let service = ExternalService {
            id: 0,
            name: shortname.clone(),
            enabled: 1,
            requiredcapability: None,
            restrictedusers: 0,
            component: None,
            timecreated: crate::now(),
            timemodified: None,
            shortname: Some(shortname),
            downloadfiles: 0,
            uploadfiles: 0,
        };
        let service = self.store().create_service(&service).await.unwrap();
        for function in functions {
            self.store().add_service_function(service.id, function).await.unwrap();
        }
        self.token_caller(userid, service.id).await
    }

    async fn token_caller(&self, userid: i64, serviceid: i64) -> Caller {
        let token = ExternalToken {
            id: 0,
            token: generate_token(),
            privatetoken: Some(format!("private{}", generate_token())),
            tokentype: EXTERNAL_TOKEN_PERMANENT,
            userid,
            externalserviceid: serviceid,
            sid: None,
            contextid: SYSTEM_CONTEXT_ID,
            creatorid: userid,
            iprestriction: None,
            validuntil: None,
            timecreated: crate::now(),
            lastaccess: None,
            name: None,
        };
        let token = self.store().create_token(&token).await.unwrap();
        Caller { userid, tokenid: token.id, serviceid, contextid: SYSTEM_CONTEXT_ID }
    }

    /// Calls `function` with form-encoded `args` as `caller` (or anonymously).
    pub(crate) async fn call(
        &self,
        caller: Option<&Caller>,
        function: &str,
        args: &str,
    ) -> Result<Value, Exception> {
        let mut context = CallContext::new(self.site.clone(), 0, CallSettings::default())
            .with_node(self.node.clone());
        if let Some(caller) = caller {
            context = context.with_caller(caller.clone());
        }
        self.run(&context, function, args).await
    }

    /// Calls `function` as `userid` without a token (an AJAX call).
    pub(crate) async fn call_as(
        &self,
        userid: i64,
        function: &str,
        args: &str,
    ) -> Result<Value, Exception> {
        let context = CallContext::new(self.site.clone(), userid, CallSettings::default())
            .with_node(self.node.clone());
        self.run(&context, function, args).await
    }

    async fn run(
        &self,
        context: &CallContext,
        function: &str,
        args: &str,
    ) -> Result<Value, Exception> {
        // Tests write to the store directly, with no change feed running: every call starts on a
        // cold cache, as the first call after a change does on a real node.
        self.node.access.invalidate(&portico_access::Invalidation::All);
        let function = self.node.registry.get(function).expect("a registered function").clone();
        let args = Value::Array(parse_body(args.as_bytes(), &FormLimits::default()).vars);
        invoke(function.as_ref(), context, args).await.map_err(|error| error.to_exception())
    }
}

/// The key `key` of the structure `value` (`Null` when absent).
pub(crate) fn field(value: &Value, key: &str) -> Value {
    match value {
        Value::Array(array) => array.get_str(key).cloned().unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

/// The elements of the list `value` (none when it is not a list).
pub(crate) fn items(value: &Value) -> Vec<Value> {
    match value {
        Value::Array(array) => array.values().cloned().collect(),
        _ => Vec::new(),
    }
}

/// The integer key `key` of the structure `value` (`i64::MIN` when absent or not an integer).
pub(crate) fn int_field(value: &Value, key: &str) -> i64 {
    match field(value, key) {
        Value::Int(int) => int,
        _ => i64::MIN,
    }
}

/// Asserts that `function` returns Moodle's `external_warnings` under `warnings`: an optional
/// list "list of warnings" of single structures "warning" whose `warningcode` is PARAM_ALPHANUM.
pub(crate) fn assert_declares_warnings(function: &str) {
    use portico_schema::desc::{DescKind, Required};
    let registry = crate::registry();
    let info = registry.get(function).expect("a registered function").info().clone();
    let returns = info.returns.expect("a return description");
    let warnings = returns.fields().iter().find(|field| field.name == "warnings").unwrap();
    assert_eq!(warnings.desc.required, Required::Optional, "{function}");
    assert_eq!(warnings.desc.desc, "list of warnings", "{function}");
    let DescKind::Multiple(warning) = &warnings.desc.kind else { panic!("a list") };
    assert_eq!(warning.desc, "warning", "{function}");
    let names: Vec<&str> = warning.fields().iter().map(|field| field.name.as_ref()).collect();
    assert_eq!(names, ["item", "itemid", "warningcode", "message"], "{function}");
    let code = &warning.fields()[2].desc;
    assert_eq!(code.kind, DescKind::Value(portico_schema::ParamType::AlphaNum), "{function}");
}

/// The `(key, default)` pairs of the `VALUE_DEFAULT` keys of the structures listed in parameter
/// `list` of `function`, in description order.
pub(crate) fn param_defaults(function: &str, list: &str) -> Vec<(String, Value)> {
    use portico_schema::desc::{DescKind, Required};
    let registry = crate::registry();
    let info = registry.get(function).expect("a registered function").info().clone();
    let list = info.parameters.desc().fields().iter().find(|field| field.name == list).unwrap();
    let DescKind::Multiple(item) = &list.desc.kind else { panic!("a list") };
    item.fields()
        .iter()
        .filter_map(|field| match &field.desc.required {
            Required::Default(value) => Some((field.name.to_string(), value.clone())),
            _ => None,
        })
        .collect()
}

/// The description of the parameter at `path` of `function` (keys of single structures, looking
/// through lists).
pub(crate) fn param_desc(function: &str, path: &[&str]) -> portico_schema::Desc {
    use portico_schema::desc::DescKind;
    let registry = crate::registry();
    let info = registry.get(function).expect("a registered function").info().clone();
    let mut node = info.parameters.desc().clone();
    for key in path {
        while let DescKind::Multiple(content) = node.kind {
            node = *content;
        }
        node = node.fields().iter().find(|field| field.name == *key).expect(key).desc.clone();
    }
    node
}

/// The description text of the parameter at `path` of `function`.
pub(crate) fn param_text(function: &str, path: &[&str]) -> String {
    param_desc(function, path).desc.into_owned()
}

/// Whether the parameter at `path` of `function` allows `null`.
pub(crate) fn param_allows_null(function: &str, path: &[&str]) -> bool {
    param_desc(function, path).allow_null
}

/// The texts of every single structure in the parameter and return descriptions of
/// `function`, in tree order.
pub(crate) fn structure_texts(function: &str) -> Vec<String> {
    use portico_schema::desc::DescKind;
    fn walk(desc: &portico_schema::Desc, texts: &mut Vec<String>) {
        match &desc.kind {
            DescKind::Value(_) => {}
            DescKind::Multiple(content) => walk(content, texts),
            DescKind::Single(fields) => {
                texts.push(desc.desc.to_string());
                for field in fields {
                    walk(&field.desc, texts);
                }
            }
        }
    }
    let registry = crate::registry();
    let info = registry.get(function).expect("a registered function").info().clone();
    let mut texts = Vec::new();
    walk(info.parameters.desc(), &mut texts);
    if let Some(returns) = &info.returns {
        walk(returns, &mut texts);
    }
    texts
}

#[cfg(test)]
mod tests {
    use portico_store::Store;
    use portico_store::model::CONTEXT_COURSE;
    use portico_testkit::backend_test;

    use super::TestSite;

    backend_test!(
        fixtures_create_a_course_with_sections_and_enrolments,
        |store: Store| async move {
            let site = TestSite::install(store).await;
            let category = site.category("Science", 0).await;
            let first = site.course("BIO1", category.id).await;
            let second = site.course("BIO2", category.id).await;
            // Moodle puts a new course first in its category.
            let first = site.store().course_by_id(first.id).await.unwrap().unwrap();
            assert_eq!((second.sortorder, first.sortorder), (20_001, 20_002));
            let category = site.store().category_by_id(category.id).await.unwrap().unwrap();
            assert_eq!(category.coursecount, 2);
            let instances = site.store().enrol_instances(first.id).await.unwrap();
            let summary: Vec<(&str, i64, Option<i64>)> =
                instances.iter().map(|e| (e.enrol.as_str(), e.status, e.roleid)).collect();
            assert_eq!(
                summary,
                [("manual", 0, Some(5)), ("guest", 1, Some(0)), ("self", 1, Some(5))]
            );
            // Self enrolment's defaults: new enrolments allowed, welcome message on.
            let own = &instances[2];
            assert_eq!(
                (own.customint6, own.customint4, own.customint1),
                (Some(1), Some(1), Some(0))
            );
            assert_eq!(instances[0].expirythreshold, Some(86_400));
            let student = site.user("student").await;
            site.enrol(student.id, first.id, 5).await;
            site.enrol(student.id, first.id, 5).await;
            assert!(
                site.store().is_enrolled(first.id, student.id, true, crate::now()).await.unwrap()
            );
            let context =
                site.store().context_by_instance(CONTEXT_COURSE, first.id).await.unwrap().unwrap();
            let assignments = site.store().role_assignments_in_context(context.id).await.unwrap();
            assert_eq!(assignments.len(), 1);
            let found = site.store().course_by_shortname("BIO1").await.unwrap().unwrap();
            assert_eq!(found.id, first.id);
        }
    );
    #[test]
    fn reviewed_functions_describe_structures_as_moodle() {
        // Moodle gives these structures no text, except get_categories' "List of categories"
        // and the "warning" of external_warnings.
        for function in [
            "core_course_create_categories",
            "core_course_get_categories",
            "core_course_create_courses",
            "core_course_update_courses",
            "core_course_delete_courses",
            "core_user_create_users",
            "core_user_update_users",
            "core_user_delete_users",
            "core_user_get_users",
            "core_user_get_users_by_field",
        ] {
            let texts = super::structure_texts(function);
            assert!(!texts.is_empty(), "{function}");
            for text in texts {
                assert!(
                    ["", "List of categories", "warning"].contains(&text.as_str()),
                    "{function}: {text}"
                );
            }
        }
    }
}
