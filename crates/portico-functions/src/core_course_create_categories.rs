//! `core_course_create_categories` (spec 04 §5.7): create course categories in one
//! transaction; the first category that fails a check aborts the batch and nothing is created.
//!
//! This module owns the checks of Moodle's `create_categories` and `core_course_category::create`
//! (parent, `moodle/category:manage`, format, name, ID number) and their exact errors; it must
//! never write outside the single `Store::create_categories` call.

use std::collections::HashSet;

use portico_engine::{CallContext, CallError, CallKind, ExternalFunction};
use portico_macros::Describe;
use portico_schema::{Exception, Valid};
use portico_store::NewCategory;

use crate::support::{
    category_context, config_or, require_capability, validate_context, validate_format,
};

/// Create course categories
pub struct CreateCategories;

/// A category to create.
#[derive(Debug, Describe)]
#[describe(desc = "")]
pub struct NewCategoryArgs {
    /// new category name
    #[describe(param = Text)]
    pub name: String,
    /// the parent category id inside which the new category will be created
    /// - set to 0 for a root category
    #[describe(
        default = 0,
        desc = "the parent category id inside which the new category will be created
                                         - set to 0 for a root category"
    )]
    pub parent: i64,
    /// the new category idnumber
    pub idnumber: Option<String>,
    /// the new category description
    pub description: Option<String>,
    /// description format (1 = HTML, 0 = MOODLE, 2 = PLAIN, or 4 = MARKDOWN
    // Moodle's default is FORMAT_HTML, the PHP string '1'.
    #[describe(default = "1")]
    pub descriptionformat: i64,
    /// the new category theme. This option must be enabled on moodle
    #[describe(param = Theme)]
    pub theme: Option<String>,
}

/// Parameters of `core_course_create_categories`.
#[derive(Debug, Describe)]
#[describe(desc = "")]
pub struct Args {
    /// The categories to create.
    pub categories: Vec<NewCategoryArgs>,
}

/// A created category.
#[derive(Debug, Describe)]
#[describe(desc = "")]
pub struct Created {
    /// new category id
    pub id: i64,
    /// new category name
    pub name: String,
}

/// Moodle's `core_course_category::create` errors, module `error`.
fn category_error(errorcode: &'static str, message: &str) -> CallError {
    Exception::moodle(errorcode, "error", message).into()
}

impl ExternalFunction for CreateCategories {
    const NAME: &'static str = "core_course_create_categories";
    const COMPONENT: &'static str = "moodle";
    const DESCRIPTION: &'static str = "Create course categories";
    const KIND: CallKind = CallKind::Write;
    const CAPABILITIES: &'static [&'static str] = &["moodle/category:manage"];
    type Args = Args;
    type Returns = Vec<Created>;

    async fn execute(context: &CallContext, args: Valid<Args>) -> Result<Vec<Created>, CallError> {
        let store = context.store()?;
        let themes_allowed = config_or(context, "allowcategorythemes", "0").await? == "1";
        let mut batch = Vec::new();
        // ID numbers of this batch count as taken for the later ones, as inside Moodle's
        // transaction.
        let mut idnumbers = HashSet::new();
        for category in args.into_inner().categories {
            let target = if category.parent != 0 {
                if store.category_by_id(category.parent).await?.is_none() {
                    return Err(category_error("unknowcategory", "Category not known!"));
                }
                category_context(context, category.parent)
                    .await?
                    .ok_or_else(|| Exception::invalid_parameter("Context does not exist"))?
            } else {
                store.system_context().await?
            };
            validate_context(context, &target).await?;
            require_capability(context, "moodle/category:manage", target.id).await?;
            validate_format(category.descriptionformat)?;
            // PHP's empty(): the string "0" counts as no name.
            if category.name.is_empty() || category.name == "0" {
                return Err(category_error("categorynamerequired", "Category name is required"));
            }
            if category.name.chars().count() > 255 {
                return Err(category_error("categorytoolong", "Category name too long"));
            }
            if let Some(idnumber) = &category.idnumber {
                if idnumber.chars().count() > 100 {
                    return Err(category_error("idnumbertoolong", "ID number is too long"));
                }
                let taken = idnumbers.contains(idnumber)
                    || store.category_by_idnumber(idnumber).await?.is_some();
                if !idnumber.is_empty() && taken {
                    return Err(category_error(
                        "categoryidnumbertaken",
                        "ID number is already used for another category",
                    ));
                }
                idnumbers.insert(idnumber.clone());
            }
            batch.push(NewCategory {
                name: category.name,
                idnumber: category.idnumber,
                description: Some(category.description.unwrap_or_default()),
                descriptionformat: category.descriptionformat,
                parent: category.parent,
                theme: category.theme.filter(|_| themes_allowed),
                // A new category is visible unless its parent is hidden (the store applies that).
                visible: 1,
            });
        }
        let created = store.create_categories(&batch).await?;
        Ok(created.into_iter().map(|c| Created { id: c.id, name: c.name }).collect())
    }
}

#[cfg(test)]
mod tests {
    use portico_schema::Value;
    use portico_store::Store;
    use portico_testkit::backend_test;

    use crate::testing::{TestSite, field, int_field, items};

    const NAME: &str = "core_course_create_categories";

    backend_test!(
        create_categories_creates_the_batch_below_its_parents,
        |store: Store| async move {
            let site = TestSite::install(store).await;
            let science = site.category("Science", 0).await;
            let caller = site.custom_caller(site.admin.id, &[NAME]).await;
            let args = format!(
                "categories[0][name]=Physics&categories[0][parent]={}&categories[0][idnumber]=PHY\
             &categories[0][description]=Atoms&categories[1][name]=Arts",
                science.id
            );
            let result = site.call(Some(&caller), NAME, &args).await.unwrap();
            let list = items(&result);
            assert_eq!(list.len(), 2);
            let physics_id = int_field(&list[0], "id");
            assert_eq!(field(&list[0], "name"), Value::from("Physics"));
            let physics = site.store().category_by_id(physics_id).await.unwrap().unwrap();
            assert_eq!(physics.parent, science.id);
            assert_eq!(physics.depth, 2);
            assert_eq!(physics.path, format!("/{}/{}", science.id, physics.id));
            assert_eq!(physics.idnumber.as_deref(), Some("PHY"));
            assert_eq!(physics.description.as_deref(), Some("Atoms"));
            assert_eq!((physics.descriptionformat, physics.visible, physics.visibleold), (1, 1, 1));
            let arts = int_field(&list[1], "id");
            assert_eq!(site.store().category_by_id(arts).await.unwrap().unwrap().parent, 0);
        }
    );

    backend_test!(
        create_categories_reports_each_error_and_creates_nothing,
        |store: Store| async move {
            let site = TestSite::install(store).await;
            let science = site.category("Science", 0).await;
            let caller = site.custom_caller(site.admin.id, &[NAME]).await;
            site.call(Some(&caller), NAME, "categories[0][name]=Old&categories[0][idnumber]=TAKEN")
                .await
                .unwrap();
            let before = site.store().list_categories().await.unwrap().len();
            let cases = [
                (
                    "categories[1][name]=X&categories[1][parent]=999999",
                    "unknowcategory",
                    "Category not known!",
                ),
                ("categories[1][name]=0", "categorynamerequired", "Category name is required"),
                (
                    "categories[1][name]=X&categories[1][idnumber]=TAKEN",
                    "categoryidnumbertaken",
                    "ID number is already used for another category",
                ),
                (
                    "categories[1][name]=X&categories[1][idnumber]=NEW&categories[2][name]=Y&categories[2][idnumber]=NEW",
                    "categoryidnumbertaken",
                    "ID number is already used for another category",
                ),
                (
                    "categories[1][name]=X&categories[1][descriptionformat]=3",
                    "formatnotsupported",
                    "webservice/formatnotsupported",
                ),
            ];
            for (rest, errorcode, message) in cases {
                let args =
                    format!("categories[0][name]=Fine&categories[0][parent]={}&{rest}", science.id);
                let error = site.call(Some(&caller), NAME, &args).await.unwrap_err();
                assert_eq!(
                    (error.errorcode.as_ref(), error.message.as_str()),
                    (errorcode, message),
                    "{rest}"
                );
                assert_eq!(site.store().list_categories().await.unwrap().len(), before, "{rest}");
            }
        }
    );

    backend_test!(create_categories_requires_manage_in_the_parent, |store: Store| async move {
        let site = TestSite::install(store).await;
        let user = site.user("teacher").await;
        let caller = site.custom_caller(user.id, &[NAME]).await;
        let error = site.call(Some(&caller), NAME, "categories[0][name]=X").await.unwrap_err();
        assert_eq!(error.errorcode, "nopermissions");
        assert_eq!(
            error.message,
            "Sorry, but you do not currently have permissions to do that (Manage categories)."
        );
    });
    #[test]
    fn create_categories_declares_moodles_defaults() {
        let defaults = crate::testing::param_defaults(NAME, "categories");
        assert_eq!(
            defaults,
            [
                ("parent".to_owned(), Value::Int(0)),
                ("descriptionformat".to_owned(), Value::from("1"))
            ]
        );
    }
    #[test]
    fn create_categories_keeps_moodles_line_breaks() {
        let text = crate::testing::param_text(NAME, &["categories", "parent"]);
        let expected = format!(
            "the parent category id inside which the new category will be created\n{}- set to 0 \
             for a root category",
            " ".repeat(41)
        );
        assert_eq!(text, expected);
    }
}
