//! `core_cohort_get_cohorts` (spec 04 §8.7): cohorts by id, or every cohort, for a caller who
//! may view or manage each of them; one cohort the caller may not see fails the whole call.
//!
//! Descriptions are returned as stored (spec 04 §1.8). Portico defines no cohort custom fields,
//! so `customfields` is always empty.

use portico_engine::{CallContext, CallError, CallKind, ExternalFunction};
use portico_macros::Describe;
use portico_schema::{Exception, Valid};
use portico_store::StoreError;
use portico_store::model::{CONTEXT_COURSECAT, CONTEXT_SYSTEM};

use crate::groups::{CustomFieldData, NullableText};
use crate::support::{config_or, nopermissions, validate_context};

/// Returns cohort details.
pub struct GetCohorts;

/// Parameters of `core_cohort_get_cohorts`.
#[derive(Debug, Describe)]
pub struct Args {
    /// List of cohort id. A cohort id is an integer.
    #[describe(default)]
    pub cohortids: Vec<i64>,
}

/// A cohort.
#[derive(Debug, Describe)]
pub struct CohortDetails {
    /// ID of the cohort
    pub id: i64,
    /// cohort name
    pub name: String,
    /// cohort idnumber
    pub idnumber: NullableText,
    /// cohort description
    pub description: String,
    /// description format (1 = HTML, 0 = MOODLE, 2 = PLAIN, or 4 = MARKDOWN)
    pub descriptionformat: i64,
    /// cohort visible
    pub visible: bool,
    /// cohort theme
    #[describe(param = Theme)]
    pub theme: Option<NullableText>,
    /// Custom fields
    pub customfields: Option<Vec<CustomFieldData>>,
}

impl ExternalFunction for GetCohorts {
    const NAME: &'static str = "core_cohort_get_cohorts";
    const COMPONENT: &'static str = "moodle";
    const DESCRIPTION: &'static str = "Returns cohort details.";
    const KIND: CallKind = CallKind::Read;
    const CAPABILITIES: &'static [&'static str] = &["moodle/cohort:view"];
    type Args = Args;
    type Returns = Vec<CohortDetails>;

    async fn execute(
        context: &CallContext,
        args: Valid<Args>,
    ) -> Result<Vec<CohortDetails>, CallError> {
        let store = context.store()?;
        let cohortids = args.into_inner().cohortids;
        let cohorts = if cohortids.is_empty() {
            store.list_cohorts().await?
        } else {
            store.cohorts_by_ids(&cohortids).await?
        };
        let themes_allowed = config_or(context, "allowcohortthemes", "0").await? == "1";
        let mut details = Vec::with_capacity(cohorts.len());
        for cohort in cohorts {
            let target = store
                .context_by_id(cohort.contextid)
                .await?
                .ok_or(StoreError::NotFound { entity: "context", id: cohort.contextid })?;
            if target.contextlevel != CONTEXT_COURSECAT && target.contextlevel != CONTEXT_SYSTEM {
                return Err(Exception::invalid_parameter("Invalid context").into());
            }
            validate_context(context, &target).await?;
            let may = context.has_capability("moodle/cohort:manage", target.id).await?
                || context.has_capability("moodle/cohort:view", target.id).await?;
            if !may {
                return Err(nopermissions("moodle/cohort:view"));
            }
            // A theme is shown only while cohort themes are allowed; Moodle then sets it to
            // null, and the key stays (`"theme": null`), as for a NULL column.
            let theme = cohort.theme.filter(|theme| theme.is_empty() || themes_allowed);
            details.push(CohortDetails {
                id: cohort.id,
                name: cohort.name,
                idnumber: NullableText(cohort.idnumber),
                // Moodle formats the description: a NULL column comes back as ''.
                description: cohort.description.unwrap_or_default(),
                descriptionformat: cohort.descriptionformat,
                visible: cohort.visible != 0,
                theme: Some(NullableText(theme)),
                customfields: Some(Vec::new()),
            });
        }
        Ok(details)
    }
}

#[cfg(test)]
mod tests {
    use portico_schema::Value;
    use portico_store::model::CONTEXT_COURSECAT;
    use portico_store::{NewCohort, NewRoleAssignment, Store};
    use portico_testkit::backend_test;

    use crate::testing::{TestSite, field};

    const NAME: &str = "core_cohort_get_cohorts";

    fn ids(value: &Value) -> Vec<i64> {
        let Value::Array(list) = value else { return Vec::new() };
        list.values()
            .map(|cohort| match field(cohort, "id") {
                Value::Int(id) => id,
                _ => 0,
            })
            .collect()
    }

    fn cohort(contextid: i64, idnumber: &str, theme: &str) -> NewCohort {
        NewCohort {
            contextid,
            name: idnumber.to_uppercase(),
            idnumber: Some(idnumber.to_owned()),
            description: format!("About {idnumber}"),
            descriptionformat: 1,
            visible: 1,
            theme: theme.to_owned(),
            ..NewCohort::default()
        }
    }

    backend_test!(get_cohorts_returns_the_asked_or_all_cohorts, |store: Store| async move {
        let site = TestSite::install(store).await;
        let category = site.category("Science", 0).await;
        let category_context = site
            .store()
            .context_by_instance(CONTEXT_COURSECAT, category.id)
            .await
            .unwrap()
            .unwrap();
        let cohorts = site
            .store()
            .create_cohorts(&[cohort(1, "staff", "boost"), cohort(category_context.id, "sci", "")])
            .await
            .unwrap();
        let caller = site.custom_caller(site.admin.id, &[NAME]).await;
        let all = site.call(Some(&caller), NAME, "").await.unwrap();
        assert_eq!(ids(&all), [cohorts[0].id, cohorts[1].id]);
        let Value::Array(list) = &all else { panic!("a list") };
        let staff = list.values().next().unwrap();
        assert_eq!(field(staff, "idnumber"), Value::from("staff"));
        assert_eq!(field(staff, "description"), Value::from("About staff"));
        assert_eq!(field(staff, "visible"), Value::Bool(true));
        // Cohort themes are off: a stored theme is not shown.
        assert_eq!(field(staff, "theme"), Value::Null);
        assert_eq!(field(staff, "customfields"), Value::Array(Default::default()));
        let args =
            format!("cohortids[0]={b}&cohortids[1]=999999&cohortids[2]={b}", b = cohorts[1].id);
        let some = site.call(Some(&caller), NAME, &args).await.unwrap();
        assert_eq!(ids(&some), [cohorts[1].id]);
        site.store().set_config("allowcohortthemes", "1").await.unwrap();
        let all = site.call(Some(&caller), NAME, "").await.unwrap();
        let Value::Array(list) = &all else { panic!("a list") };
        assert_eq!(field(list.values().next().unwrap(), "theme"), Value::from("boost"));
    });

    backend_test!(get_cohorts_fails_on_one_unreadable_cohort, |store: Store| async move {
        let site = TestSite::install(store).await;
        let category = site.category("Science", 0).await;
        let category_context = site
            .store()
            .context_by_instance(CONTEXT_COURSECAT, category.id)
            .await
            .unwrap()
            .unwrap();
        site.store()
            .create_cohorts(&[cohort(1, "staff", ""), cohort(category_context.id, "sci", "")])
            .await
            .unwrap();
        // A manager of the category may view its cohorts, not the system's.
        let manager = site.user("manager").await;
        let role = site.store().role_by_shortname("manager").await.unwrap().unwrap();
        site.store()
            .assign_role(&NewRoleAssignment {
                roleid: role.id,
                contextid: category_context.id,
                userid: manager.id,
                component: String::new(),
                itemid: 0,
                modifierid: site.admin.id,
            })
            .await
            .unwrap();
        let caller = site.custom_caller(manager.id, &[NAME]).await;
        let sci = site.store().cohort_by_idnumber("sci").await.unwrap().unwrap();
        let one = site.call(Some(&caller), NAME, &format!("cohortids[0]={}", sci.id)).await;
        assert_eq!(ids(&one.unwrap()), [sci.id]);
        let error = site.call(Some(&caller), NAME, "").await.unwrap_err();
        assert_eq!(
            (error.class, error.errorcode.as_ref(), error.message.as_str()),
            (
                "required_capability_exception",
                "nopermissions",
                "Sorry, but you do not currently have permissions to do that (View site-wide \
                 cohorts)."
            )
        );
    });
}
