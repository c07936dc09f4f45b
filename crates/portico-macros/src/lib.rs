//! `#[derive(Describe)]`: an external function's arguments and results, declared once as structs.
//!
//! This crate owns one thing: turning a struct's fields, types, doc comments and `#[describe(…)]`
//! attributes into impls of `portico_schema::typed::{Describe, FromValue, IntoValue}`. It must
//! stay thin: it parses attributes, reports misuse with spans, and quotes calls to
//! `portico_schema` (`typed::take_field`, `put_field`, `with_param`, `Desc` builders, …). Any
//! behaviour a client could observe — what a default means, how `None` is left out, how a string
//! maps to an enum — lives and is tested in `portico-schema`, never here.
//!
//! Generated code names `::portico_schema::…`, so a crate using the derive depends on
//! `portico-schema` too. Expansions are snapshot-tested (`tests/snapshots/`, regenerated with
//! `PORTICO_BLESS=1`) and misuse has compile-fail fixtures (`tests/fail/`).

use proc_macro::TokenStream;

mod attr;
mod expand;

/// Implements `Describe`, `FromValue` and `IntoValue` (module `portico_schema::typed`) for a struct
/// with named fields (or a unit struct) or for a fieldless enum.
///
/// # Structs
///
/// The description is a single structure whose text is the struct's doc comment (lines trimmed
/// and joined with a space) and whose keys are the fields, in declaration order. Each key is
/// `<FieldType as Describe>::describe()` with the field's doc comment as text (a field without
/// one keeps the text its type gives) and these attributes:
///
/// | Attribute                        | Effect                                                    |
/// |----------------------------------|-----------------------------------------------------------|
/// | *(none)*                         | `VALUE_REQUIRED`                                          |
/// | *(type spelled `Option<T>`)*     | `VALUE_OPTIONAL`; `None` is left out of the result        |
/// | `optional`                       | `VALUE_OPTIONAL` for a type not spelled `Option<T>` (an alias of it, or any type whose `FromValue::from_absent` accepts absence) |
/// | `default`                        | `VALUE_DEFAULT`, the field type's `Default` as a value    |
/// | `default = <expr>`               | `VALUE_DEFAULT`, `IntoValue::into_value(<expr>)`          |
/// | `param = <Ident>`                | `ParamType` of the innermost value node, through `Vec`/`Option`; case and `_` ignored |
/// | `allow_null = true\|false`       | `allownull` of the field's node                           |
/// | `rename = "<name>"`              | the key on the wire (`r#type` is `type` without it)       |
/// | `desc = "<text>"`                | the text, instead of the doc comment                      |
///
/// On the struct itself, `desc = "<text>"` replaces the doc comment. `FromValue` reads each key
/// with `take_field` (an `Option` reads absent or `null` as `None`); `IntoValue` writes the keys
/// in order with `put_field`, which leaves out `None`. Type parameters are allowed and bound by
/// all three traits; lifetimes and const parameters are refused.
///
/// ```
/// use portico_macros::Describe;
/// use portico_schema::typed::Describe;
/// use portico_schema::{Desc, ParamType, Value};
///
/// /// Return site information and details about the calling user.
/// #[derive(Debug, Describe)]
/// pub struct Args {
///     /// Short names of services the client asks about.
///     #[describe(default)]
///     pub serviceshortnames: Vec<String>,
/// }
///
/// let services = Desc::multiple(
///     Desc::value(ParamType::Raw, ""),
///     "Short names of services the client asks about.",
/// );
/// assert_eq!(
///     Args::describe(),
///     Desc::single(
///         [("serviceshortnames", services.with_default(Value::Array(Default::default())))],
///         "Return site information and details about the calling user.",
///     ),
/// );
/// ```
///
/// # Enums
///
/// A fieldless enum is a string value: `Desc::value(ParamType::Alpha, <doc>)`, or the type named
/// by `#[describe(param = …)]` on the enum (required when a wire string is not letters only).
/// Each variant's wire string is its name lower-cased, or `#[describe(rename = "…")]`. Reading a
/// string that names no variant is `invalid_parameter_exception`, with debug information
/// `Invalid external api parameter: the value is "<v>", the server was expecting one of "a", "b"`
/// (Portico's wording; Moodle has no enum values).
#[proc_macro_derive(Describe, attributes(describe))]
pub fn derive_describe(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::derive(&input).unwrap_or_else(syn::Error::into_compile_error).into()
}
