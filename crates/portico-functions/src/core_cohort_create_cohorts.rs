//! `core_cohort_create_cohorts` (spec 04 §8.5): create cohorts in the system or a category in
//! one transaction; the first invalid cohort aborts the batch and nothing is created.
//!
//! Checks per cohort, in Moodle's order: the category type, the category, an idnumber not yet
//! used by any cohort (earlier cohorts of the batch count), the context, `moodle/cohort:manage`
//! there, the theme (when cohort themes are allowed) and the description format. Custom field
//! values are accepted; Portico defines no cohort custom fields, so none is stored.

use portico_engine::{CallContext, CallError, CallKind, ExternalFunction};
use portico_macros::Describe;
use portico_schema::{Exception, Valid};
use portico_store::NewCohort;
use portico_store::model::CONTEXT_COURSECAT;

use crate::groups::{CustomFieldValue, validate_format};
use crate::support::{config_or, require_capability, validate_context};

/// Creates new cohorts.
pub struct CreateCohorts;

/// Where a cohort lives.
#[derive(Debug, Describe)]
pub struct CategoryType {
    /// the name of the field: id (numeric value of course category id) or idnumber
    /// (alphanumeric value of idnumber course category) or system (value ignored)
    #[describe(param = Text)]
    pub r#type: String,
    /// the value of the categorytype
    pub value: String,
}

/// A cohort to create.
#[derive(Debug, Describe)]
pub struct CohortToCreate {
    /// The category the cohort belongs to, or the system.
    pub categorytype: CategoryType,
    /// cohort name
    pub name: String,
    /// cohort idnumber
    pub idnumber: String,
    /// cohort description
    pub description: Option<String>,
    /// description format (1 = HTML, 0 = MOODLE, 2 = PLAIN, or 4 = MARKDOWN)
    #[describe(default = 1)]
    pub descriptionformat: i64,
    /// cohort visible
    pub visible: Option<bool>,
    /// the cohort theme. The allowcohortthemes setting must be enabled on Moodle
    #[describe(param = Theme)]
    pub theme: Option<String>,
    /// Custom fields
    pub customfields: Option<Vec<CustomFieldValue>>,
}

/// Parameters of `core_cohort_create_cohorts`.
#[derive(Debug, Describe)]
pub struct Args {
    /// The cohorts to create.
    pub cohorts: Vec<CohortToCreate>,
}

/// A created cohort.
#[derive(Debug, Describe)]
pub struct CreatedCohort {
    /// cohort id
    pub id: i64,
    /// cohort name
    pub name: String,
    /// cohort idnumber
    pub idnumber: String,
    /// cohort description
    pub description: String,
    /// description format (1 = HTML, 0 = MOODLE, 2 = PLAIN, or 4 = MARKDOWN)
    pub descriptionformat: i64,
    /// cohort visible
    pub visible: bool,
    /// cohort theme
    #[describe(param = Theme)]
    pub theme: Option<String>,
}

fn invalid(debuginfo: String) -> CallError {
    Exception::invalid_parameter(debuginfo).into()
}

impl ExternalFunction for CreateCohorts {
    const NAME: &'static str = "core_cohort_create_cohorts";
    const COMPONENT: &'static str = "moodle";
    const DESCRIPTION: &'static str = "Creates new cohorts.";
    const KIND: CallKind = CallKind::Write;
    const CAPABILITIES: &'static [&'static str] = &["moodle/cohort:manage"];
    type Args = Args;
    type Returns = Vec<CreatedCohort>;

    async fn execute(
        context: &CallContext,
        args: Valid<Args>,
    ) -> Result<Vec<CreatedCohort>, CallError> {
        let store = context.store()?;
        let themes_allowed = config_or(context, "allowcohortthemes", "0").await? == "1";
        let mut batch: Vec<NewCohort> = Vec::new();
        for cohort in args.into_inner().cohorts {
            let CategoryType { r#type: kind, value } = &cohort.categorytype;
            let category = match kind.as_str() {
                "system" => None,
                "id" => match value.trim().parse::<i64>() {
                    Ok(id) => Some(store.category_by_id(id).await?),
                    // No category id is text; Moodle's lookup finds nothing either.
                    Err(_) => Some(None),
                },
                "idnumber" => Some(store.category_by_idnumber(value).await?),
                _ => {
                    return Err(invalid(format!(
                        "category type must be id, idnumber or system:{kind}"
                    )));
                }
            };
            let target = match category {
                None => store.system_context().await?,
                Some(Some(category)) => {
                    store.context_by_instance(CONTEXT_COURSECAT, category.id).await?.ok_or(
                        portico_store::StoreError::NotFound { entity: "context", id: category.id },
                    )?
                }
                Some(None) => {
                    return Err(invalid(format!("category not exists: category {kind} = {value}")));
                }
            };
            let taken_in_batch =
                batch.iter().any(|new| new.idnumber.as_deref() == Some(cohort.idnumber.as_str()));
            if taken_in_batch || store.cohort_by_idnumber(&cohort.idnumber).await?.is_some() {
                return Err(invalid(format!(
                    "record already exists: idnumber={}",
                    cohort.idnumber
                )));
            }
            validate_context(context, &target).await?;
            require_capability(context, "moodle/cohort:manage", target.id).await?;
            if let Some(theme) = &cohort.theme
                && themes_allowed
                && !context.site().installed.themes.contains(theme)
            {
                return Err(Exception::moodle(
                    "errorinvalidparam",
                    "webservice",
                    "The param \"theme\" is invalid.",
                )
                .into());
            }
            let descriptionformat = validate_format(cohort.descriptionformat)?;
            batch.push(NewCohort {
                contextid: target.id,
                name: cohort.name,
                idnumber: Some(cohort.idnumber),
                description: cohort.description.unwrap_or_default(),
                descriptionformat,
                visible: i64::from(cohort.visible.unwrap_or(true)),
                component: String::new(),
                // Without cohort themes, Moodle stores no theme.
                theme: cohort.theme.filter(|_| themes_allowed).unwrap_or_default(),
            });
        }
        let created = store.create_cohorts(&batch).await?;
        Ok(created
            .into_iter()
            .map(|cohort| CreatedCohort {
                id: cohort.id,
                name: cohort.name,
                idnumber: cohort.idnumber.unwrap_or_default(),
                description: cohort.description.unwrap_or_default(),
                descriptionformat: cohort.descriptionformat,
                visible: cohort.visible != 0,
                theme: Some(cohort.theme.unwrap_or_default()),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use portico_schema::Value;
    use portico_store::Store;
    use portico_store::model::{CONTEXT_COURSECAT, SYSTEM_CONTEXT_ID};
    use portico_testkit::backend_test;

    use crate::testing::{TestSite, field};

    const NAME: &str = "core_cohort_create_cohorts";

    fn list(value: &Value) -> Vec<Value> {
        match value {
            Value::Array(array) => array.values().cloned().collect(),
            _ => Vec::new(),
        }
    }

    backend_test!(create_cohorts_creates_the_batch, |store: Store| async move {
        let site = TestSite::install(store).await;
        let new = portico_store::NewCategory {
            name: "Science".into(),
            idnumber: Some("SCI".into()),
            visible: 1,
            ..portico_store::NewCategory::default()
        };
        let category = site.store().create_categories(&[new]).await.unwrap().remove(0);
        let caller = site.custom_caller(site.admin.id, &[NAME]).await;
        let args = "cohorts[0][categorytype][type]=system&cohorts[0][categorytype][value]=\
             &cohorts[0][name]=All%20staff&cohorts[0][idnumber]=staff\
             &cohorts[1][categorytype][type]=idnumber&cohorts[1][categorytype][value]=SCI\
             &cohorts[1][name]=Scientists&cohorts[1][idnumber]=sci&cohorts[1][visible]=0\
             &cohorts[1][description]=People&cohorts[1][descriptionformat]=2\
             &cohorts[1][theme]=boost";
        let created = list(&site.call(Some(&caller), NAME, args).await.unwrap());
        assert_eq!(created.len(), 2);
        assert_eq!(field(&created[0], "name"), Value::from("All staff"));
        assert_eq!(field(&created[0], "visible"), Value::Bool(true));
        assert_eq!(field(&created[0], "description"), Value::from(""));
        assert_eq!(field(&created[0], "descriptionformat"), Value::Int(1));
        assert_eq!(field(&created[1], "visible"), Value::Bool(false));
        assert_eq!(field(&created[1], "descriptionformat"), Value::Int(2));
        // Cohort themes are off by default, so no theme is stored.
        assert_eq!(field(&created[1], "theme"), Value::from(""));
        let staff = site.store().cohort_by_idnumber("staff").await.unwrap().unwrap();
        assert_eq!(staff.contextid, SYSTEM_CONTEXT_ID);
        let sci = site.store().cohort_by_idnumber("sci").await.unwrap().unwrap();
        let category_context = site
            .store()
            .context_by_instance(CONTEXT_COURSECAT, category.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (sci.contextid, sci.visible, sci.description.as_deref(), sci.theme.as_deref()),
            (category_context.id, 0, Some("People"), Some(""))
        );
    });

    backend_test!(
        create_cohorts_reports_each_error_and_creates_nothing,
        |store: Store| async move {
            let site = TestSite::install(store).await;
            let caller = site.custom_caller(site.admin.id, &[NAME]).await;
            let first = "cohorts[0][categorytype][type]=system&cohorts[0][categorytype][value]=\
                     &cohorts[0][name]=A&cohorts[0][idnumber]=a";
            let cases = [
                (
                    "course",
                    "",
                    "invalidparameter",
                    "category type must be id, idnumber or system:course",
                ),
                ("id", "", "invalidparameter", "category not exists: category id = 999"),
                (
                    "idnumber",
                    "",
                    "invalidparameter",
                    "category not exists: category idnumber = 999",
                ),
                (
                    "system",
                    "&cohorts[1][idnumber]=a",
                    "invalidparameter",
                    "record already exists: idnumber=a",
                ),
                (
                    "system",
                    "&cohorts[1][descriptionformat]=9",
                    "formatnotsupported",
                    "The format with value=9 is not supported by this Moodle site",
                ),
            ];
            for (kind, extra, errorcode, debuginfo) in cases {
                let idnumber =
                    if extra.contains("[idnumber]") { "" } else { "&cohorts[1][idnumber]=b" };
                let args = format!(
                    "{first}&cohorts[1][name]=B&cohorts[1][categorytype][value]=999{idnumber}\
                 &cohorts[1][categorytype][type]={kind}{extra}"
                );
                let error = site.call(Some(&caller), NAME, &args).await.unwrap_err();
                assert_eq!(error.errorcode, errorcode, "{kind}{extra}");
                assert_eq!(error.debuginfo.unwrap(), debuginfo.as_bytes(), "{kind}{extra}");
                assert!(site.store().list_cohorts().await.unwrap().is_empty(), "{kind}{extra}");
            }
        }
    );

    backend_test!(create_cohorts_requires_the_capability, |store: Store| async move {
        let site = TestSite::install(store).await;
        let teacher = site.user("teacher").await;
        let caller = site.custom_caller(teacher.id, &[NAME]).await;
        let args = "cohorts[0][categorytype][type]=system&cohorts[0][categorytype][value]=\
                    &cohorts[0][name]=A&cohorts[0][idnumber]=a";
        let error = site.call(Some(&caller), NAME, args).await.unwrap_err();
        assert_eq!(error.errorcode, "nopermissions");
        assert_eq!(
            error.message,
            "Sorry, but you do not currently have permissions to do that (Create, delete and move \
             cohorts)."
        );
        assert!(site.store().list_cohorts().await.unwrap().is_empty());
    });
}
