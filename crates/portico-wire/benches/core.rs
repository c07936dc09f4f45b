//! The External API core under load: validating a bulk request, encoding a large result, and
//! decoding a bulk form body. Baselines measured in the same run: a plain clone of the same
//! value tree (a lower bound for anything that builds a new tree of the same size), `serde_json`
//! writing the same data, and percent-decoding the same body. Inputs are cloned outside the
//! timed part (`iter_batched`).

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use portico_schema::{
    Array, Desc, Key, ParamType, Parameters, SiteSettings, Value, clean_returnvalue,
    validate_parameters,
};
use portico_wire::form::{self, EncodeOptions};
use portico_wire::{FormLimits, json_encode, xml};

/// The parameters of `core_user_create_users` (spec 04 §4.1).
fn create_users_parameters() -> Parameters {
    let text = |param| Desc::value(param, "").optional();
    let pair = |type_param| {
        Desc::single(
            [("type", Desc::value(type_param, "")), ("value", Desc::value(ParamType::Raw, ""))],
            "",
        )
    };
    let user = Desc::single(
        [
            ("createpassword", text(ParamType::Bool)),
            ("username", Desc::value(ParamType::Username, "")),
            ("auth", Desc::value(ParamType::Auth, "").with_default("manual")),
            ("password", text(ParamType::Raw)),
            ("firstname", Desc::value(ParamType::NoTags, "")),
            ("lastname", Desc::value(ParamType::NoTags, "")),
            ("email", Desc::value(ParamType::RawTrimmed, "")),
            ("maildisplay", text(ParamType::Int)),
            ("city", text(ParamType::Text)),
            ("country", text(ParamType::Alpha)),
            ("timezone", text(ParamType::Timezone)),
            ("description", text(ParamType::Raw)),
            ("firstnamephonetic", text(ParamType::NoTags)),
            ("lastnamephonetic", text(ParamType::NoTags)),
            ("middlename", text(ParamType::NoTags)),
            ("alternatename", text(ParamType::NoTags)),
            ("interests", text(ParamType::Text)),
            ("idnumber", Desc::value(ParamType::Raw, "").with_default("")),
            ("institution", text(ParamType::Text)),
            ("department", text(ParamType::Text)),
            ("phone1", text(ParamType::NoTags)),
            ("phone2", text(ParamType::NoTags)),
            ("address", text(ParamType::Text)),
            ("lang", Desc::value(ParamType::Lang, "").with_default("en")),
            ("calendartype", Desc::value(ParamType::Plugin, "").with_default("gregorian")),
            ("theme", text(ParamType::Theme)),
            ("mailformat", text(ParamType::Int)),
            ("customfields", Desc::multiple(pair(ParamType::AlphaNumExt), "").optional()),
            ("preferences", Desc::multiple(pair(ParamType::Raw), "").optional()),
        ],
        "",
    );
    Parameters::new([("users", Desc::multiple(user, ""))])
}

/// A bracket-encoded form body creating `count` users, as a provisioning script sends it.
fn create_users_body(count: usize) -> String {
    let mut body =
        String::from("wstoken=0123456789abcdef0123456789abcdef&wsfunction=core_user_create_users");
    body.push_str("&moodlewsrestformat=json");
    for index in 0..count {
        let field = |name: &str, value: &str| format!("&users%5B{index}%5D%5B{name}%5D={value}");
        body.push_str(&field("username", &format!("student{index}")));
        body.push_str(&field("password", "Passw0rd%21x"));
        body.push_str(&field("firstname", "Anne"));
        body.push_str(&field("lastname", &format!("Example+{index}")));
        body.push_str(&field("email", &format!("student{index}%40example.com")));
        body.push_str(&field("city", "Perth"));
        body.push_str(&field("country", "AU"));
        body.push_str(&field("idnumber", &format!("S{index:06}")));
        body.push_str(&format!("&users%5B{index}%5D%5Bcustomfields%5D%5B0%5D%5Btype%5D=programme"));
        body.push_str(&format!("&users%5B{index}%5D%5Bcustomfields%5D%5B0%5D%5Bvalue%5D=Physics"));
    }
    body
}

/// The function arguments of the body: what the REST server validates.
fn create_users_args(count: usize) -> Value {
    let mut vars =
        form::parse_body(create_users_body(count).as_bytes(), &FormLimits::default()).vars;
    for reserved in ["wstoken", "wsfunction", "moodlewsrestformat"] {
        vars.remove(&Key::from(reserved));
    }
    Value::Array(vars)
}

/// The description of a `core_enrol_get_enrolled_users`-like result row, and `count` rows.
fn user_list(count: usize) -> (Desc, Value) {
    let desc = Desc::multiple(
        Desc::single(
            [
                ("id", Desc::value(ParamType::Int, "")),
                ("username", Desc::value(ParamType::Raw, "").optional()),
                ("fullname", Desc::value(ParamType::NoTags, "")),
                ("email", Desc::value(ParamType::Text, "").optional()),
                ("firstaccess", Desc::value(ParamType::Int, "").optional()),
                ("suspended", Desc::value(ParamType::Bool, "").optional()),
                ("profileimageurl", Desc::value(ParamType::Url, "").optional()),
                ("score", Desc::value(ParamType::Float, "").optional()),
            ],
            "",
        ),
        "",
    );
    let rows = (0..count).map(|index| {
        let entries: [(&str, Value); 8] = [
            ("id", Value::from(format!("{}", index + 2))),
            ("username", format!("student{index}").into()),
            ("fullname", format!("Anne Exämple {index}").into()),
            ("email", format!("student{index}@example.com").into()),
            ("firstaccess", Value::Int(1_700_000_000 + index as i64)),
            ("suspended", Value::Int(0)),
            ("profileimageurl", "https://moodle.example/theme/image.php/boost/core/1/u/f1".into()),
            ("score", Value::Float(index as f64 / 4.0)),
        ];
        Value::Array(entries.into_iter().map(|(key, value)| (Key::from(key), value)).collect())
    });
    (desc, Value::Array(Array::list(rows)))
}

fn validation(criterion: &mut Criterion) {
    let site = SiteSettings::default();
    let params = create_users_parameters();
    let args = create_users_args(100);
    let mut group = criterion.benchmark_group("validate core_user_create_users, 100 users");
    group.throughput(Throughput::Elements(100));
    group.bench_function("baseline: clone the argument tree", |bench| {
        bench.iter(|| black_box(args.clone()))
    });
    group.bench_function("validate_parameters", |bench| {
        bench.iter_batched(
            || args.clone(),
            |args| validate_parameters(&params, black_box(args), &site).expect("valid"),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

fn encoding(criterion: &mut Criterion) {
    let site = SiteSettings::default();
    let (desc, rows) = user_list(1000);
    let cleaned = clean_returnvalue(&desc, rows.clone(), &site).expect("a valid result");
    let as_json: serde_json::Value = serde_json::from_slice(
        &portico_wire::json::json_encode_to_vec(&cleaned).expect("encodable"),
    )
    .expect("valid JSON");
    let mut group = criterion.benchmark_group("encode a 1,000-element result");
    group.throughput(Throughput::Elements(1000));
    group.bench_function("baseline: serde_json::to_vec of the same data", |bench| {
        bench.iter(|| serde_json::to_vec(black_box(&as_json)).expect("encodable"))
    });
    group.bench_function("clean_returnvalue", |bench| {
        bench.iter_batched(
            || rows.clone(),
            |rows| clean_returnvalue(&desc, black_box(rows), &site).expect("valid"),
            BatchSize::LargeInput,
        )
    });
    group.bench_function("json_encode", |bench| {
        let mut out = Vec::with_capacity(256 * 1024);
        bench.iter(|| {
            out.clear();
            json_encode(black_box(&cleaned), &mut out).expect("encodable");
        })
    });
    group.bench_function("xml rest_response", |bench| {
        bench.iter(|| xml::rest_response(Some(&desc), black_box(&cleaned)))
    });
    group.finish();
}

fn decoding(criterion: &mut Criterion) {
    let body = create_users_body(100);
    let limits = FormLimits::default();
    let mut group = criterion.benchmark_group("decode a 100-user form body");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("baseline: percent-decode the pairs only", |bench| {
        bench.iter(|| {
            black_box(&body)
                .split('&')
                .map(|pair| percent_encoding::percent_decode_str(pair).collect::<Vec<u8>>())
                .fold(0, |total, pair| total + pair.len())
        })
    });
    group.bench_function("parse_body", |bench| {
        bench.iter(|| form::parse_body(black_box(body.as_bytes()), &limits))
    });
    group.bench_function("encode (client side)", |bench| {
        let vars = form::parse_body(body.as_bytes(), &limits).vars;
        bench.iter(|| form::encode(black_box(&vars), EncodeOptions::default()))
    });
    group.finish();
}

criterion_group!(benches, validation, encoding, decoding);
criterion_main!(benches);
