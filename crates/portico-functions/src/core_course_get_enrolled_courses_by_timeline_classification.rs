//! `core_course_get_enrolled_courses_by_timeline_classification` (spec 04 §5.8): the caller's
//! own courses in one timeline class (past, in progress, future, starred, hidden, ...), as
//! Moodle's course summary exporter shows them, with the offset for the next page.
//!
//! The offset applies to the caller's whole course list before classification, as in Moodle.
//! This function must never list another user's courses.

use std::collections::{HashMap, HashSet};

use portico_engine::{CallContext, CallError, CallKind, ExternalFunction};
use portico_macros::Describe;
use portico_schema::{Exception, Valid, Value};
use portico_store::ListedCourse;
use portico_store::model::CONTEXT_USER;

use crate::courses::{Nullable, display_name, generated_course_image, php_truthy};
use crate::support::{config_or, validate_context};

/// The most courses read for one call (Moodle's `COURSE_DB_QUERY_LIMIT`).
const COURSE_DB_QUERY_LIMIT: usize = 1000;

/// Get courses matching the given timeline classification.
pub struct GetEnrolledCoursesByTimelineClassification;

/// Parameters of `core_course_get_enrolled_courses_by_timeline_classification`.
#[derive(Debug, Describe)]
pub struct Args {
    /// future, inprogress, or past
    #[describe(param = Alpha)]
    pub classification: String,
    /// Result set limit
    #[describe(default = 0)]
    pub limit: i64,
    /// Result set offset
    #[describe(default = 0)]
    pub offset: i64,
    /// Sort string
    #[describe(default = Value::Null, allow_null = true, param = Text)]
    pub sort: Option<String>,
    /// Used when classification = customfield
    #[describe(default = Value::Null, allow_null = true, param = AlphaNumExt)]
    pub customfieldname: Option<String>,
    /// Used when classification = customfield
    #[describe(default = Value::Null, allow_null = true)]
    pub customfieldvalue: Option<String>,
    /// The value a user wishes to search against
    #[describe(default = Value::Null, allow_null = true)]
    pub searchvalue: Option<String>,
}

/// A course as Moodle's course summary exporter shows it.
#[derive(Debug, Clone, PartialEq, Describe)]
pub struct CourseSummary {
    /// id
    pub id: i64,
    /// fullname
    #[describe(param = Text)]
    pub fullname: String,
    /// shortname
    #[describe(param = Text)]
    pub shortname: String,
    /// idnumber
    pub idnumber: String,
    /// summary
    pub summary: Nullable<String>,
    /// summary format (1 = HTML, 0 = MOODLE, 2 = PLAIN, or 4 = MARKDOWN)
    pub summaryformat: i64,
    /// startdate
    pub startdate: i64,
    /// enddate
    pub enddate: i64,
    /// visible
    pub visible: bool,
    /// showactivitydates
    pub showactivitydates: Nullable<bool>,
    /// showcompletionconditions
    pub showcompletionconditions: Nullable<bool>,
    /// fullnamedisplay
    #[describe(param = Text)]
    pub fullnamedisplay: String,
    /// viewurl
    #[describe(param = Url)]
    pub viewurl: String,
    /// courseimage
    pub courseimage: String,
    /// progress
    pub progress: Option<i64>,
    /// hasprogress
    pub hasprogress: bool,
    /// isfavourite
    pub isfavourite: bool,
    /// hidden
    pub hidden: bool,
    /// timeaccess
    pub timeaccess: Option<i64>,
    /// showshortname
    pub showshortname: bool,
    /// coursecategory
    #[describe(param = Text)]
    pub coursecategory: String,
}

/// The courses of the class and where the next page starts.
#[derive(Debug, Describe)]
pub struct Classified {
    /// Course
    pub courses: Vec<CourseSummary>,
    /// Offset for the next request
    pub nextoffset: i64,
}

/// Moodle's timeline classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    AllIncludingHidden,
    All,
    Past,
    InProgress,
    Future,
    Favourites,
    Hidden,
    Search,
    CustomField,
}

impl Class {
    fn parse(name: &str) -> Option<Class> {
        Some(match name {
            "allincludinghidden" => Class::AllIncludingHidden,
            "all" => Class::All,
            "past" => Class::Past,
            "inprogress" => Class::InProgress,
            "future" => Class::Future,
            "favourites" => Class::Favourites,
            "hidden" => Class::Hidden,
            "search" => Class::Search,
            "customfield" => Class::CustomField,
            _ => return None,
        })
    }
}

impl ExternalFunction for GetEnrolledCoursesByTimelineClassification {
    const NAME: &'static str = "core_course_get_enrolled_courses_by_timeline_classification";
    const COMPONENT: &'static str = "moodle";
    const DESCRIPTION: &'static str = "List of enrolled courses for the given timeline classification (past, inprogress, or future).";
    const KIND: CallKind = CallKind::Read;
    const AJAX: bool = true;
    const CAPABILITIES: &'static [&'static str] = &[];
    const SERVICES: &'static [&'static str] = &[portico_engine::install::MOBILE_SERVICE];
    type Args = Args;
    type Returns = Classified;

    async fn execute(context: &CallContext, args: Valid<Args>) -> Result<Classified, CallError> {
        let Args { classification, limit, offset, sort, searchvalue, .. } = args.into_inner();
        let Some(class) = Class::parse(&classification) else {
            return Err(Exception::invalid_parameter("Invalid classification").into());
        };
        let store = context.store()?;
        let userid = context.user_id();
        let usercontext = store
            .context_by_instance(CONTEXT_USER, userid)
            .await?
            .ok_or(portico_store::StoreError::NotFound { entity: "context", id: userid })?;
        validate_context(context, &usercontext).await?;
        let now = crate::now();
        let preferences: HashMap<String, String> = store
            .list_user_preferences(userid)
            .await?
            .into_iter()
            .filter_map(|p| {
                let id = p.name.strip_prefix("block_myoverview_hidden_course_")?;
                Some((id.to_owned(), p.value))
            })
            .collect();
        let hiddencourses: HashSet<i64> =
            preferences.keys().filter_map(|id| id.parse().ok()).collect();
        let hidden_pref = |courseid: i64| {
            preferences.get(&courseid.to_string()).is_some_and(|value| php_truthy(value))
        };
        let lastaccess: HashMap<i64, i64> =
            store.course_lastaccess_of_user(userid).await?.into_iter().collect();

        // Moodle's `enrol_get_my_courses`: active enrolments in courses the user may see.
        let mut courses = Vec::new();
        for listed in store.user_courses_listed(userid, now).await? {
            if listed.course.visible == 0
                && !context
                    .has_capability("moodle/course:viewhiddencourses", listed.contextid)
                    .await?
            {
                continue;
            }
            let keep = match class {
                Class::AllIncludingHidden | Class::Search => true,
                Class::Hidden => {
                    hiddencourses.is_empty() || hiddencourses.contains(&listed.course.id)
                }
                _ => !hiddencourses.contains(&listed.course.id),
            };
            if keep {
                courses.push(listed);
            }
        }
        if let Some(sort) = sort.as_deref().filter(|sort| !sort.trim().is_empty()) {
            sort_courses(&mut courses, sort, &lastaccess)?;
        }
        let offset_usize = usize::try_from(offset.max(0)).unwrap_or(usize::MAX);
        let courses: Vec<ListedCourse> =
            courses.into_iter().skip(offset_usize).take(COURSE_DB_QUERY_LIMIT).collect();

        let favourites: Vec<i64> =
            store.favourite_itemids(userid, "core_course", "courses").await?;
        let after = grace_days(context, "coursegraceperiodafter").await?;
        let before = grace_days(context, "coursegraceperiodbefore").await?;
        let limit = usize::try_from(limit.max(0)).unwrap_or(usize::MAX);
        let words: Vec<String> = searchvalue
            .as_deref()
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        let mut matched = Vec::new();
        let mut processed = 0;
        if class != Class::CustomField {
            for listed in &courses {
                processed += 1;
                let course = &listed.course;
                let pref = hidden_pref(course.id);
                let matches = match class {
                    Class::AllIncludingHidden => true,
                    Class::Hidden => pref,
                    Class::All => !pref,
                    Class::Search => !pref && search_matches(course, &words),
                    Class::Favourites => favourites.contains(&course.id),
                    Class::Past | Class::InProgress | Class::Future => {
                        classify(course, now, after, before) == class
                    }
                    Class::CustomField => false,
                };
                if matches {
                    matched.push(listed);
                }
                if limit != 0 && matched.len() >= limit {
                    break;
                }
            }
        }
        let showshortname = php_truthy(&config_or(context, "courselistshortnames", "0").await?);
        let mut summaries = Vec::with_capacity(matched.len());
        for listed in matched {
            let course = &listed.course;
            summaries.push(CourseSummary {
                id: course.id,
                fullname: course.fullname.clone(),
                shortname: course.shortname.clone(),
                idnumber: course.idnumber.clone(),
                summary: Nullable(course.summary.clone()),
                summaryformat: course.summaryformat,
                startdate: course.startdate,
                enddate: course.enddate,
                visible: course.visible != 0,
                showactivitydates: Nullable(Some(course.showactivitydates != 0)),
                showcompletionconditions: Nullable(
                    course.showcompletionconditions.map(|value| value != 0),
                ),
                fullnamedisplay: display_name(context, course).await?,
                viewurl: format!("{}/course/view.php?id={}", context.site().wwwroot, course.id),
                courseimage: generated_course_image(context, listed.contextid),
                // Portico keeps no completion data: no course reports progress.
                progress: Some(0),
                hasprogress: false,
                isfavourite: favourites.contains(&course.id),
                hidden: hidden_pref(course.id),
                timeaccess: None,
                showshortname,
                coursecategory: listed.categoryname.clone().unwrap_or_default(),
            });
        }
        Ok(Classified { courses: summaries, nextoffset: offset + processed })
    }
}

/// A grace period setting, in seconds (the setting counts days).
async fn grace_days(context: &CallContext, name: &str) -> Result<i64, CallError> {
    let days: i64 = config_or(context, name, "0").await?.trim().parse().unwrap_or(0);
    Ok(days * 86_400)
}

/// Moodle's `course_classify_for_timeline` (completion never counts: Portico keeps none).
fn classify(course: &portico_store::model::Course, now: i64, after: i64, before: i64) -> Class {
    if course.enddate != 0 && course.enddate + after < now {
        Class::Past
    } else if course.startdate != 0 && course.startdate - before > now {
        Class::Future
    } else {
        Class::InProgress
    }
}

/// Whether every word of the search appears in the course's names, ID number or summary,
/// ignoring case (Moodle's course search).
fn search_matches(course: &portico_store::model::Course, words: &[String]) -> bool {
    let text = format!(
        "{} {} {} {}",
        course.fullname,
        course.shortname,
        course.idnumber,
        course.summary.as_deref().unwrap_or_default()
    )
    .to_lowercase();
    words.iter().all(|word| text.contains(word.as_str()))
}

/// Sorts `courses` by Moodle's sort string (`fullname`, `ul.timeaccess desc`, ...): fields of
/// the course, optionally prefixed `c.`, or `ul.timeaccess`, each `asc` or `desc`.
fn sort_courses(
    courses: &mut [ListedCourse],
    sort: &str,
    lastaccess: &HashMap<i64, i64>,
) -> Result<(), CallError> {
    #[derive(Clone, Copy)]
    enum Key {
        Text(fn(&portico_store::model::Course) -> &str),
        Int(fn(&portico_store::model::Course) -> i64),
        TimeAccess,
    }
    let invalid = || -> CallError {
        Exception::coding("Invalid $sort parameter in enrol_get_my_courses()").into()
    };
    let mut keys = Vec::new();
    for part in sort.split(',') {
        let tokens: Vec<&str> = part.split_whitespace().collect();
        if tokens.is_empty() || tokens.len() > 2 {
            return Err(invalid());
        }
        let descending = match tokens.get(1).map(|t| t.to_ascii_lowercase()) {
            None => false,
            Some(direction) if direction == "asc" => false,
            Some(direction) if direction == "desc" => true,
            Some(_) => {
                return Err(Exception::coding(
                    "Invalid sort direction in $sort parameter in enrol_get_my_courses()",
                )
                .into());
            }
        };
        let field = tokens[0].strip_prefix("c.").unwrap_or(tokens[0]);
        let key = match field {
            "ul.timeaccess" => Key::TimeAccess,
            "fullname" => Key::Text(|c| &c.fullname),
            "shortname" => Key::Text(|c| &c.shortname),
            "idnumber" => Key::Text(|c| &c.idnumber),
            "id" => Key::Int(|c| c.id),
            "sortorder" => Key::Int(|c| c.sortorder),
            "visible" => Key::Int(|c| c.visible),
            "startdate" => Key::Int(|c| c.startdate),
            "enddate" => Key::Int(|c| c.enddate),
            "category" => Key::Int(|c| c.category),
            "timecreated" => Key::Int(|c| c.timecreated),
            "timemodified" => Key::Int(|c| c.timemodified),
            _ => return Err(invalid()),
        };
        keys.push((key, descending));
    }
    courses.sort_by(|a, b| {
        for (key, descending) in &keys {
            let order = match key {
                Key::Text(get) => {
                    let (x, y) = (get(&a.course), get(&b.course));
                    x.to_lowercase().cmp(&y.to_lowercase()).then_with(|| x.cmp(y))
                }
                Key::Int(get) => get(&a.course).cmp(&get(&b.course)),
                Key::TimeAccess => {
                    let x = lastaccess.get(&a.course.id).copied().unwrap_or(0);
                    let y = lastaccess.get(&b.course.id).copied().unwrap_or(0);
                    x.cmp(&y)
                }
            };
            let order = if *descending { order.reverse() } else { order };
            if order.is_ne() {
                return order;
            }
        }
        std::cmp::Ordering::Equal
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use portico_schema::Value;
    use portico_store::model::{CONTEXT_COURSE, role_id};
    use portico_store::{DefaultEnrol, NewCourse, Store};
    use portico_testkit::backend_test;

    use crate::testing::{TestSite, field};

    const NAME: &str = "core_course_get_enrolled_courses_by_timeline_classification";

    fn ids(answer: &Value) -> Vec<i64> {
        let Value::Array(array) = field(answer, "courses") else { panic!("courses: {answer:?}") };
        array
            .values()
            .map(|course| match field(course, "id") {
                Value::Int(id) => id,
                _ => 0,
            })
            .collect()
    }

    /// Creates a course with dates and enrols `userid` as a student.
    async fn dated(
        site: &TestSite,
        name: &str,
        category: i64,
        start: i64,
        end: i64,
        userid: i64,
    ) -> i64 {
        let mut row = crate::fixtures::course_row(name, category);
        row.startdate = start;
        row.enddate = end;
        let manual = DefaultEnrol {
            enrol: "manual".into(),
            status: 0,
            roleid: role_id::STUDENT,
            ..DefaultEnrol::default()
        };
        let new = NewCourse { course: row, numsections: 1, format_options: vec![] };
        let course = site.store().create_courses(&[new], &[manual]).await.unwrap().remove(0);
        site.enrol(userid, course.id, role_id::STUDENT).await;
        course.id
    }

    backend_test!(timeline_classifies_by_dates_and_preferences, |store: Store| async move {
        let site = TestSite::install(store).await;
        let category = site.category("Science", 0).await;
        let ann = site.user("ann").await;
        let now = crate::now();
        let day = 86_400;
        let past = dated(&site, "PAST", category.id, now - 30 * day, now - 2 * day, ann.id).await;
        let current = dated(&site, "NOW", category.id, now - day, now + 30 * day, ann.id).await;
        let future = dated(&site, "NEXT", category.id, now + 10 * day, 0, ann.id).await;
        let hidden = dated(&site, "HIDE", category.id, now - day, 0, ann.id).await;
        let store = site.store();
        store
            .set_user_preference(ann.id, &format!("block_myoverview_hidden_course_{hidden}"), "1")
            .await
            .unwrap();
        let context = store.context_by_instance(CONTEXT_COURSE, future).await.unwrap().unwrap();
        store.add_favourite(ann.id, "core_course", "courses", future, context.id).await.unwrap();
        let caller = site.mobile_caller(ann.id).await;
        let call = |args: String| {
            let site = &site;
            let caller = &caller;
            async move { site.call(Some(caller), NAME, &args).await.unwrap() }
        };
        // The newest course sorts first in its category.
        assert_eq!(ids(&call("classification=all".into()).await), vec![future, current, past]);
        assert_eq!(
            ids(&call("classification=allincludinghidden".into()).await),
            vec![hidden, future, current, past]
        );
        assert_eq!(ids(&call("classification=past".into()).await), vec![past]);
        assert_eq!(ids(&call("classification=inprogress".into()).await), vec![current]);
        assert_eq!(ids(&call("classification=future".into()).await), vec![future]);
        assert_eq!(ids(&call("classification=hidden".into()).await), vec![hidden]);
        assert_eq!(ids(&call("classification=favourites".into()).await), vec![future]);
        assert_eq!(ids(&call("classification=search&searchvalue=pas".into()).await), vec![past]);
        assert_eq!(
            ids(&call("classification=customfield&customfieldname=x&customfieldvalue=y".into())
                .await),
            Vec::<i64>::new()
        );
        let sorted = call("classification=all&sort=fullname".into()).await;
        assert_eq!(ids(&sorted), vec![future, current, past]);
        let page = call("classification=all&limit=1&offset=1&sort=shortname desc".into()).await;
        assert_eq!(ids(&page), vec![current]);
        assert_eq!(field(&page, "nextoffset"), Value::Int(2));
        let first = call("classification=inprogress&limit=1".into()).await;
        // FUTURE is examined before NOW is found.
        assert_eq!(field(&first, "nextoffset"), Value::Int(2));
        let Value::Array(list) = field(&first, "courses") else { panic!("courses") };
        let course = list.values().next().unwrap();
        assert_eq!(field(course, "coursecategory"), Value::from("Science"));
        assert_eq!(
            field(course, "viewurl"),
            Value::from(format!("https://portico.example/course/view.php?id={current}"))
        );
        assert_eq!(field(course, "hasprogress"), Value::Bool(false));
        assert_eq!(field(course, "progress"), Value::Int(0));
        assert_eq!(field(course, "visible"), Value::Bool(true));
        let error = site.call(Some(&caller), NAME, "classification=recent").await.unwrap_err();
        assert_eq!(error.errorcode, "invalidparameter");
        assert_eq!(error.debuginfo.unwrap(), b"Invalid classification".as_slice());
    });

    backend_test!(timeline_grace_periods_move_courses, |store: Store| async move {
        let site = TestSite::install(store).await;
        let category = site.category("Science", 0).await;
        let ann = site.user("ann").await;
        let now = crate::now();
        let day = 86_400;
        let ended = dated(&site, "ENDED", category.id, now - 30 * day, now - 2 * day, ann.id).await;
        let soon = dated(&site, "SOON", category.id, now + 2 * day, 0, ann.id).await;
        site.store().set_config("coursegraceperiodafter", "3").await.unwrap();
        site.store().set_config("coursegraceperiodbefore", "3").await.unwrap();
        let caller = site.mobile_caller(ann.id).await;
        let answer = site.call(Some(&caller), NAME, "classification=inprogress").await.unwrap();
        assert_eq!(ids(&answer), vec![soon, ended]);
    });
}
