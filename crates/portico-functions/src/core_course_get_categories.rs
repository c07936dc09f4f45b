//! `core_course_get_categories` (spec 04 §5.6): the categories matching ANDed criteria, with
//! their descendants, as far as the caller may see them.
//!
//! This module owns the criteria (and who may search on which), the exclusion of categories the
//! caller may not see, the fields only category managers get, and the order Moodle returns
//! (sort order compared as strings). It must never write.

use std::collections::{BTreeMap, HashMap};

use portico_engine::{CallContext, CallError, CallKind, ExternalFunction};
use portico_macros::Describe;
use portico_schema::param::clean;
use portico_schema::{Exception, ParamType, Valid, Value};
use portico_store::model::{CourseCategory, SYSTEM_CONTEXT_ID};

use crate::core_user_get_users_by_field::text_of;
use crate::support::{category_context, validate_context};

/// Return category details
pub struct GetCategories;

/// One search criterion.
#[derive(Debug, Describe)]
#[describe(desc = "")]
pub struct Criterion {
    /// The category column to search, expected keys (value format) are:"id" (int) the category id,"ids" (string) category ids separated by commas,"name" (string) the category name,"parent" (int) the parent category id,"idnumber" (string) category idnumber - user must have 'moodle/category:manage' to search on idnumber,"visible" (int) whether the returned categories must be visible or hidden. If the key is not passed,
    ///                                              then the function return all categories that the user can see. - user must have 'moodle/category:manage' or 'moodle/category:viewhiddencategories' to search on visible,"theme" (string) only return the categories having this theme - user must have 'moodle/category:manage' to search on theme
    #[describe(param = Alpha, desc = "The category column to search, expected keys (value format) are:\"id\" (int) the category id,\"ids\" (string) category ids separated by commas,\"name\" (string) the category name,\"parent\" (int) the parent category id,\"idnumber\" (string) category idnumber - user must have 'moodle/category:manage' to search on idnumber,\"visible\" (int) whether the returned categories must be visible or hidden. If the key is not passed,
                                             then the function return all categories that the user can see. - user must have 'moodle/category:manage' or 'moodle/category:viewhiddencategories' to search on visible,\"theme\" (string) only return the categories having this theme - user must have 'moodle/category:manage' to search on theme")]
    pub key: String,
    /// the value to match
    pub value: String,
}

/// Parameters of `core_course_get_categories`.
#[derive(Debug, Describe)]
#[describe(desc = "")]
pub struct Args {
    /// criteria
    #[describe(default)]
    pub criteria: Vec<Criterion>,
    /// return the sub categories infos
    ///                                           (1 - default) otherwise only the category info (0)
    // Moodle's default is the integer 1.
    #[describe(
        default = 1,
        desc = "return the sub categories infos
                                          (1 - default) otherwise only the category info (0)"
    )]
    pub addsubcategories: bool,
}

/// A category.
#[derive(Debug, Describe)]
#[describe(desc = "List of categories")]
pub struct CategoryInfo {
    /// category id
    pub id: i64,
    /// category name
    pub name: String,
    /// category id number
    // Absent for callers who do not manage the category; `null` for a category without one,
    // as Moodle returns the NULL column.
    pub idnumber: Option<Option<String>>,
    /// category description
    pub description: String,
    /// description format (1 = HTML, 0 = MOODLE, 2 = PLAIN, or 4 = MARKDOWN
    pub descriptionformat: i64,
    /// parent category id
    pub parent: i64,
    /// category sorting order
    pub sortorder: i64,
    /// number of courses in this category
    pub coursecount: i64,
    /// 1: available, 0:not available
    pub visible: Option<i64>,
    /// 1: available, 0:not available
    pub visibleold: Option<i64>,
    /// timestamp
    pub timemodified: Option<i64>,
    /// category depth
    pub depth: i64,
    /// category path
    #[describe(param = Text)]
    pub path: String,
    /// category theme
    #[describe(param = Theme)]
    pub theme: Option<String>,
}

/// One ANDed condition on a category column.
enum Condition {
    Id(i64),
    Ids(Vec<String>),
    Name(String),
    Parent(i64),
    IdNumber(String),
    Visible(i64),
    Theme(String),
}

impl Condition {
    fn matches(&self, category: &CourseCategory) -> bool {
        match self {
            Condition::Id(id) => category.id == *id,
            // An empty id in the list matches nothing (SQL `id IN ('')`).
            Condition::Ids(ids) => ids.iter().any(|id| id.parse::<i64>() == Ok(category.id)),
            Condition::Name(name) => category.name == *name,
            Condition::Parent(parent) => category.parent == *parent,
            // A NULL column equals nothing in SQL.
            Condition::IdNumber(idnumber) => category.idnumber.as_ref() == Some(idnumber),
            Condition::Visible(visible) => category.visible == *visible,
            Condition::Theme(theme) => category.theme.as_ref() == Some(theme),
        }
    }
}

/// `moodle_exception` `criteriaerror` (module `webservice`) with this debug information.
fn criteria_error(debuginfo: String) -> CallError {
    Exception::moodle(
        "criteriaerror",
        "webservice",
        "Missing permissions to search on a criterion.",
    )
    .with_debuginfo(debuginfo)
    .into()
}

/// Why a category is left out (Moodle's `$excludedcats` reasons).
#[derive(PartialEq)]
enum Excluded {
    Parent,
    Context,
    Visibility,
}

impl ExternalFunction for GetCategories {
    const NAME: &'static str = "core_course_get_categories";
    const COMPONENT: &'static str = "moodle";
    const DESCRIPTION: &'static str = "Return category details";
    const KIND: CallKind = CallKind::Read;
    const CAPABILITIES: &'static [&'static str] = &["moodle/category:viewhiddencategories"];
    const SERVICES: &'static [&'static str] = &["moodle_mobile_app"];
    type Args = Args;
    type Returns = Vec<CategoryInfo>;

    async fn execute(
        context: &CallContext,
        args: Valid<Args>,
    ) -> Result<Vec<CategoryInfo>, CallError> {
        let store = context.store()?;
        let args = args.into_inner();
        let site = context.site();
        let cleaned = |value: &str, param| text_of(&clean(&Value::from(value), param, site));
        let int = |value: &str| match clean(&Value::from(value), ParamType::Int, site) {
            Value::Int(int) => int,
            _ => 0,
        };
        let all = store.list_categories().await?;
        let mut categories: Vec<CourseCategory> = if args.criteria.is_empty() {
            all.clone()
        } else {
            let mut conditions = Vec::new();
            let mut seen: Vec<String> = Vec::new();
            for criterion in &args.criteria {
                let key = criterion.key.trim().to_owned();
                if seen.contains(&key) {
                    continue;
                }
                let value = criterion.value.as_str();
                let system = SYSTEM_CONTEXT_ID;
                let condition = match key.as_str() {
                    "id" => Condition::Id(int(value)),
                    "ids" => Condition::Ids(
                        cleaned(value, ParamType::Sequence).split(',').map(str::to_owned).collect(),
                    ),
                    "idnumber" => {
                        if !context.has_capability("moodle/category:manage", system).await? {
                            return Err(criteria_error(
                                "You don't have the permissions to search on the \"idnumber\" field."
                                    .into(),
                            ));
                        }
                        Condition::IdNumber(value.to_owned())
                    }
                    "name" => Condition::Name(cleaned(value, ParamType::Text)),
                    "parent" => Condition::Parent(int(value)),
                    "visible" => {
                        let allowed = context
                            .has_capability("moodle/category:viewhiddencategories", system)
                            .await?;
                        if !allowed {
                            return Err(criteria_error(
                                "You don't have the permissions to search on the \"visible\" field."
                                    .into(),
                            ));
                        }
                        Condition::Visible(int(value))
                    }
                    "theme" => {
                        if !context.has_capability("moodle/category:manage", system).await? {
                            return Err(criteria_error(
                                "You don't have the permissions to search on the \"theme\" field."
                                    .into(),
                            ));
                        }
                        Condition::Theme(cleaned(value, ParamType::Theme))
                    }
                    _ => {
                        return Err(criteria_error(format!(
                            "You can not search on this criteria: {key}"
                        )));
                    }
                };
                // Moodle never records `ids` as seen, so every `ids` criterion applies.
                if key != "ids" {
                    seen.push(key);
                }
                conditions.push(condition);
            }
            let matched: Vec<CourseCategory> = all
                .iter()
                .filter(|category| conditions.iter().all(|c| c.matches(category)))
                .cloned()
                .collect();
            let mut found: BTreeMap<i64, CourseCategory> =
                matched.iter().map(|c| (c.id, c.clone())).collect();
            if args.addsubcategories {
                // Descendants must still meet the visible and theme criteria.
                let inherited: Vec<&Condition> = conditions
                    .iter()
                    .filter(|c| matches!(c, Condition::Visible(_) | Condition::Theme(_)))
                    .collect();
                for category in &matched {
                    let prefix = format!("{}/", category.path);
                    for below in all.iter().filter(|c| c.path.starts_with(&prefix)) {
                        if inherited.iter().all(|c| c.matches(below)) {
                            found.entry(below.id).or_insert_with(|| below.clone());
                        }
                    }
                }
            }
            found.into_values().collect()
        };
        // Parents are checked before their children.
        categories.sort_by(|a, b| a.path.cmp(&b.path));
        let mut excluded: HashMap<i64, Excluded> = HashMap::new();
        let mut result = Vec::new();
        for category in categories {
            let parent_excluded =
                category.path.split('/').filter_map(|id| id.parse().ok()).any(|id: i64| {
                    excluded.get(&id).is_some_and(|reason| *reason != Excluded::Context)
                });
            if parent_excluded {
                excluded.insert(category.id, Excluded::Parent);
            }
            let Some(category_context) = category_context(context, category.id).await? else {
                excluded.insert(category.id, Excluded::Context);
                continue;
            };
            if validate_context(context, &category_context).await.is_err() {
                excluded.insert(category.id, Excluded::Context);
            }
            if excluded.contains_key(&category.id) {
                continue;
            }
            let contextid = category_context.id;
            let can_view = (category.visible != 0
                || context
                    .has_capability("moodle/category:viewhiddencategories", contextid)
                    .await?)
                && context.has_capability("moodle/category:viewcourselist", contextid).await?;
            if !can_view {
                excluded.insert(category.id, Excluded::Visibility);
                continue;
            }
            let manager = context.has_capability("moodle/category:manage", contextid).await?;
            let theme = manager.then(|| {
                let theme = category.theme.clone().unwrap_or_default();
                text_of(&clean(&Value::from(theme.as_str()), ParamType::Theme, site))
            });
            result.push(CategoryInfo {
                id: category.id,
                name: category.name,
                idnumber: manager.then_some(category.idnumber),
                description: category.description.unwrap_or_default(),
                descriptionformat: category.descriptionformat,
                parent: category.parent,
                sortorder: category.sortorder,
                coursecount: category.coursecount,
                visible: manager.then_some(category.visible),
                visibleold: manager.then_some(category.visibleold),
                timemodified: manager.then_some(category.timemodified),
                depth: category.depth,
                path: category.path,
                theme,
            });
        }
        // Moodle compares the sort orders as strings (`strcmp`); the sort is stable.
        result.sort_by_key(|category| category.sortorder.to_string());
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use portico_store::Store;
    use portico_testkit::backend_test;

    use crate::testing::{TestSite, field, int_field, items};

    const NAME: &str = "core_course_get_categories";

    fn ids(value: &portico_schema::Value) -> Vec<i64> {
        items(value).iter().map(|c| int_field(c, "id")).collect()
    }

    backend_test!(get_categories_matches_criteria_with_descendants, |store: Store| async move {
        let site = TestSite::install(store).await;
        let science = site.category("Science", 0).await;
        let physics = site.category("Physics", science.id).await;
        let quantum = site.category("Quantum", physics.id).await;
        let arts = site.category("Arts", 0).await;
        let caller = site.custom_caller(site.admin.id, &[NAME]).await;
        let all = site.call(Some(&caller), NAME, "").await.unwrap();
        // Category 1 (sortorder 10000) and the four new ones, in sort order.
        assert_eq!(ids(&all), vec![1, science.id, physics.id, quantum.id, arts.id]);
        let args = format!("criteria[0][key]=id&criteria[0][value]={}", science.id);
        let found = site.call(Some(&caller), NAME, &args).await.unwrap();
        assert_eq!(ids(&found), vec![science.id, physics.id, quantum.id]);
        let args = format!("{args}&addsubcategories=0");
        let found = site.call(Some(&caller), NAME, &args).await.unwrap();
        assert_eq!(ids(&found), vec![science.id]);
        let first = &items(&found)[0];
        assert_eq!(int_field(first, "depth"), 1);
        assert_eq!(
            field(first, "path"),
            portico_schema::Value::from(format!("/{}", science.id).as_str())
        );
        // The admin manages categories, so gets the manager-only fields; a category without ID
        // number shows `null`, as Moodle returns the NULL column.
        assert_eq!(int_field(first, "visible"), 1);
        assert!(field(first, "idnumber").is_null());
        assert!(first.as_array().unwrap().get_str("idnumber").is_some());
        let args = format!(
            "criteria[0][key]=ids&criteria[0][value]={},{}&criteria[1][key]=name&criteria[1][value]=Arts&addsubcategories=0",
            science.id, arts.id
        );
        let found = site.call(Some(&caller), NAME, &args).await.unwrap();
        assert_eq!(ids(&found), vec![arts.id]);
        let args = format!("criteria[0][key]=parent&criteria[0][value]={}", science.id);
        let found = site.call(Some(&caller), NAME, &args).await.unwrap();
        assert_eq!(ids(&found), vec![physics.id, quantum.id]);
    });

    backend_test!(
        get_categories_hides_hidden_categories_and_manager_fields,
        |store: Store| async move {
            let site = TestSite::install(store).await;
            let science = site.category("Science", 0).await;
            let hidden = portico_store::NewCategory {
                name: "Hidden".into(),
                parent: 0,
                visible: 0,
                descriptionformat: 1,
                ..Default::default()
            };
            let hidden = site.store().create_categories(&[hidden]).await.unwrap().remove(0);
            let below = site.category("Below", hidden.id).await;
            let user = site.user("student").await;
            let caller = site.custom_caller(user.id, &[NAME]).await;
            let found = site.call(Some(&caller), NAME, "").await.unwrap();
            assert_eq!(ids(&found), vec![1, science.id]);
            assert!(field(&items(&found)[1], "visible").is_null());
            assert!(field(&items(&found)[1], "idnumber").is_null());
            let admin = site.custom_caller(site.admin.id, &[NAME]).await;
            let found = site.call(Some(&admin), NAME, "").await.unwrap();
            assert_eq!(ids(&found), vec![1, science.id, hidden.id, below.id]);
            for (key, debuginfo) in [
                ("idnumber", "You don't have the permissions to search on the \"idnumber\" field."),
                ("visible", "You don't have the permissions to search on the \"visible\" field."),
                ("theme", "You don't have the permissions to search on the \"theme\" field."),
                ("path", "You can not search on this criteria: path"),
            ] {
                let args = format!("criteria[0][key]={key}&criteria[0][value]=1");
                let error = site.call(Some(&caller), NAME, &args).await.unwrap_err();
                assert_eq!(
                    (error.class, error.errorcode.as_ref(), error.message.as_str()),
                    (
                        "moodle_exception",
                        "criteriaerror",
                        "Missing permissions to search on a criterion."
                    )
                );
                assert_eq!(error.debuginfo.unwrap(), debuginfo.as_bytes());
            }
            let found = site
                .call(Some(&admin), NAME, "criteria[0][key]=visible&criteria[0][value]=0")
                .await
                .unwrap();
            assert_eq!(ids(&found), vec![hidden.id, below.id]);
        }
    );
    #[test]
    fn get_categories_declares_idnumber_optional_raw() {
        use portico_schema::{DescKind, ParamType, Required};
        let registry = crate::registry();
        let returns = registry.get(NAME).unwrap().info().returns.clone().unwrap();
        let DescKind::Multiple(category) = returns.kind else { panic!("a list") };
        let idnumber = &category.fields().iter().find(|f| f.name == "idnumber").unwrap().desc;
        assert_eq!(
            (&idnumber.kind, &idnumber.required, idnumber.allow_null),
            (&DescKind::Value(ParamType::Raw), &Required::Optional, true)
        );
    }
    #[test]
    fn get_categories_declares_moodles_defaults() {
        use portico_schema::{Required, Value};
        let registry = crate::registry();
        let info = registry.get(NAME).unwrap().info().clone();
        let fields = info.parameters.desc().fields();
        assert_eq!(fields[1].name, "addsubcategories");
        assert_eq!(fields[1].desc.required, Required::Default(Value::Int(1)));
        assert_eq!(fields[0].desc.required, Required::Default(Value::Array(Default::default())));
    }
    #[test]
    fn get_categories_keeps_moodles_line_breaks() {
        let text = crate::testing::param_text(NAME, &["addsubcategories"]);
        let expected = format!(
            "return the sub categories infos\n{}(1 - default) otherwise only the category info (0)",
            " ".repeat(42)
        );
        assert_eq!(text, expected);
        let text = crate::testing::param_text(NAME, &["criteria", "key"]);
        assert!(text.starts_with(
            "The category column to search, expected keys (value format) are:\"id\" (int)"
        ));
        let passed = format!("If the key is not passed,\n{}then the function", " ".repeat(45));
        assert!(text.contains(&passed), "{text}");
        assert_eq!(text.matches('\n').count(), 1);
    }
}
