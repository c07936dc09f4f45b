//! The `#[describe(…)]` attributes and doc comments of a derive input, parsed and checked.
//!
//! Everything that can be wrong with a declaration's attributes is reported here, with the span
//! of the offending key, so that `expand.rs` only has to quote.

use proc_macro2::Ident;
use syn::ext::IdentExt;
use syn::meta::ParseNestedMeta;
use syn::{Attribute, Error, Expr, ExprLit, Lit, LitBool, LitStr, Meta, Result};

/// The attributes of the struct or enum itself.
#[derive(Default)]
pub(crate) struct ContainerAttrs {
    /// `desc = "…"`, else the doc comment, else empty.
    pub(crate) text: String,
    /// `param = …` (enums only): the `ParamType` variant of the enum's value node.
    pub(crate) param: Option<Ident>,
}

/// The attributes of one field of a struct.
pub(crate) struct FieldAttrs {
    /// `desc = "…"`, else the doc comment; `None` keeps the text the field's type gives.
    pub(crate) text: Option<String>,
    /// `rename = "…"`.
    pub(crate) rename: Option<String>,
    /// `param = …`: the `ParamType` variant of the innermost value node.
    pub(crate) param: Option<Ident>,
    /// `allow_null = true|false`.
    pub(crate) allow_null: Option<LitBool>,
    /// `optional`.
    pub(crate) optional: bool,
    /// `default` or `default = <expr>`.
    pub(crate) default: Option<DefaultValue>,
}

/// Where a `VALUE_DEFAULT` field's default comes from.
pub(crate) enum DefaultValue {
    /// `default`: the field type's `Default`.
    Trait,
    /// `default = <expr>`: anything with an `IntoValue` impl.
    Expr(Box<Expr>),
}

/// The attributes of one variant of a fieldless enum.
pub(crate) struct VariantAttrs {
    /// `rename = "…"`.
    pub(crate) rename: Option<String>,
}

/// The names of `portico_schema::ParamType`'s variants, so `param = …` is checked at expansion
/// time; a unit test keeps this list equal to `ParamType::ALL`.
pub(crate) const PARAM_TYPES: [&str; 38] = [
    "Alpha",
    "AlphaExt",
    "AlphaNum",
    "AlphaNumExt",
    "Area",
    "Auth",
    "Base64",
    "Bool",
    "Capability",
    "Clean",
    "CleanHtml",
    "Component",
    "Email",
    "File",
    "Float",
    "Host",
    "Int",
    "Lang",
    "LocalisedFloat",
    "LocalUrl",
    "NoTags",
    "Path",
    "Pem",
    "Permission",
    "Plugin",
    "Raw",
    "RawTrimmed",
    "SafeDir",
    "SafePath",
    "Sequence",
    "StringId",
    "Tag",
    "TagList",
    "Text",
    "Theme",
    "Timezone",
    "Url",
    "Username",
];

impl ContainerAttrs {
    /// The attributes of a struct (`desc`) or, with `enumeration`, of an enum (`desc`, `param`).
    pub(crate) fn parse(attrs: &[Attribute], enumeration: bool) -> Result<ContainerAttrs> {
        let (what, keys): (_, &[_]) =
            if enumeration { ("an enum", &["desc", "param"]) } else { ("a struct", &["desc"]) };
        let mut desc = None;
        let mut param = None;
        for_each_key(attrs, what, keys, |key, meta| match key {
            "desc" => once(&mut desc, meta.value()?.parse::<LitStr>()?.value(), &meta),
            _ => once(&mut param, param_type(&meta)?, &meta),
        })?;
        Ok(ContainerAttrs { text: desc.or_else(|| doc_text(attrs)).unwrap_or_default(), param })
    }
}

impl FieldAttrs {
    /// The attributes of a named field.
    pub(crate) fn parse(attrs: &[Attribute]) -> Result<FieldAttrs> {
        const KEYS: &[&str] = &["allow_null", "default", "desc", "optional", "param", "rename"];
        let mut desc = None;
        let mut field = FieldAttrs {
            text: None,
            rename: None,
            param: None,
            allow_null: None,
            optional: false,
            default: None,
        };
        for_each_key(attrs, "a field", KEYS, |key, meta| match key {
            "allow_null" => once(&mut field.allow_null, meta.value()?.parse()?, &meta),
            "default" => {
                if field.optional {
                    return Err(exclusive(&meta));
                }
                let default = if meta.input.peek(syn::Token![=]) {
                    DefaultValue::Expr(Box::new(meta.value()?.parse()?))
                } else {
                    DefaultValue::Trait
                };
                once(&mut field.default, default, &meta)
            }
            "desc" => once(&mut desc, meta.value()?.parse::<LitStr>()?.value(), &meta),
            "optional" => {
                if field.default.is_some() {
                    return Err(exclusive(&meta));
                }
                if field.optional {
                    return Err(meta.error("duplicate #[describe] key `optional`"));
                }
                field.optional = true;
                Ok(())
            }
            "param" => once(&mut field.param, param_type(&meta)?, &meta),
            _ => once(&mut field.rename, meta.value()?.parse::<LitStr>()?.value(), &meta),
        })?;
        field.text = desc.or_else(|| doc_text(attrs));
        Ok(field)
    }
}

impl VariantAttrs {
    /// The attributes of an enum variant.
    pub(crate) fn parse(attrs: &[Attribute]) -> Result<VariantAttrs> {
        let mut rename = None;
        for_each_key(attrs, "an enum variant", &["rename"], |_, meta| {
            once(&mut rename, meta.value()?.parse::<LitStr>()?.value(), &meta)
        })?;
        Ok(VariantAttrs { rename })
    }
}

/// A field's or variant's name on the wire: its `rename`, else its identifier without `r#`.
pub(crate) fn wire_name(rename: Option<&String>, ident: &Ident) -> String {
    rename.cloned().unwrap_or_else(|| ident.unraw().to_string())
}

/// Calls `parse` for each key of every `#[describe(…)]` attribute, refusing keys not in `keys`;
/// errors from all attributes are reported together.
fn for_each_key(
    attrs: &[Attribute],
    what: &str,
    keys: &[&str],
    mut parse: impl FnMut(&str, ParseNestedMeta<'_>) -> Result<()>,
) -> Result<()> {
    let mut errors: Option<Error> = None;
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("describe")) {
        let parsed = attr.parse_nested_meta(|meta| {
            let key = meta.path.get_ident().map(Ident::to_string).unwrap_or_default();
            if !keys.contains(&key.as_str()) {
                let path = quote::ToTokens::to_token_stream(&meta.path).to_string();
                return Err(meta.error(format!(
                    "unknown #[describe] key `{}` on {what}; expected one of: {}",
                    path.replace(' ', ""),
                    keys.join(", ")
                )));
            }
            parse(&key, meta)
        });
        if let Err(error) = parsed {
            match &mut errors {
                Some(errors) => errors.combine(error),
                None => errors = Some(error),
            }
        }
    }
    errors.map_or(Ok(()), Err)
}

/// Stores a key's value, refusing a second one.
fn once<T>(slot: &mut Option<T>, value: T, meta: &ParseNestedMeta<'_>) -> Result<()> {
    if slot.is_some() {
        let key = meta.path.get_ident().map(Ident::to_string).unwrap_or_default();
        return Err(meta.error(format!("duplicate #[describe] key `{key}`")));
    }
    *slot = Some(value);
    Ok(())
}

fn exclusive(meta: &ParseNestedMeta<'_>) -> Error {
    meta.error(
        "`optional` and `default` exclude each other: an absent key is either left out or \
         given its default",
    )
}

/// `param = <Ident>`, resolved to a `ParamType` variant ignoring case and underscores, so `Text`,
/// `text`, `AlphaNumExt` and `raw_trimmed` all work. The variant keeps the span of what was
/// written.
fn param_type(meta: &ParseNestedMeta<'_>) -> Result<Ident> {
    let written: Ident = meta.value()?.call(Ident::parse_any)?;
    let normal = |name: &str| name.replace('_', "").to_ascii_lowercase();
    let wanted = normal(&written.unraw().to_string());
    PARAM_TYPES
        .iter()
        .find(|variant| normal(variant) == wanted)
        .map(|variant| Ident::new(variant, written.span()))
        .ok_or_else(|| {
            Error::new(
                written.span(),
                format!(
                    "unknown PARAM type `{written}`: expected a variant of \
                     portico_schema::ParamType, in any case, e.g. `Text`, `AlphaNumExt`, \
                     `raw_trimmed`"
                ),
            )
        })
}

/// The doc comment as one line: each line trimmed, blank lines dropped, joined with a space.
/// Doc attributes that are not string literals (`#[doc = include_str!(…)]`) are skipped.
fn doc_text(attrs: &[Attribute]) -> Option<String> {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .filter_map(|attr| match &attr.meta {
            Meta::NameValue(doc) => match &doc.value {
                Expr::Lit(ExprLit { lit: Lit::Str(text), .. }) => Some(text.value()),
                _ => None,
            },
            _ => None,
        })
        .flat_map(|text| {
            text.lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .map(String::from)
                .collect::<Vec<_>>()
        })
        .collect();
    (!lines.is_empty()).then(|| lines.join(" "))
}

#[cfg(test)]
mod tests {
    use portico_schema::ParamType;
    use syn::parse_quote;

    use super::*;

    #[test]
    fn param_types_are_the_variants_of_param_type() {
        let variants: Vec<String> =
            ParamType::ALL.iter().map(|param| format!("{param:?}")).collect();
        assert_eq!(PARAM_TYPES.to_vec(), variants);
    }

    #[test]
    fn doc_comments_become_one_line() {
        let attrs: Vec<Attribute> = vec![
            parse_quote!(#[doc = " Site name,"]),
            parse_quote!(#[doc = ""]),
            parse_quote!(#[doc = "   ready to display.  "]),
            parse_quote!(#[doc = "\n  Block\n  comment.\n"]),
        ];
        assert_eq!(
            doc_text(&attrs).as_deref(),
            Some("Site name, ready to display. Block comment.")
        );
        assert_eq!(doc_text(&[]), None);
    }

    #[test]
    fn param_names_ignore_case_and_underscores() {
        let check = |attr: Attribute, expected: Option<&str>| {
            let field = FieldAttrs::parse(&[attr]);
            assert_eq!(
                field.map(|field| field.param.unwrap().to_string()).ok().as_deref(),
                expected
            );
        };
        check(parse_quote!(#[describe(param = Text)]), Some("Text"));
        check(parse_quote!(#[describe(param = alphanumext)]), Some("AlphaNumExt"));
        check(parse_quote!(#[describe(param = raw_trimmed)]), Some("RawTrimmed"));
        check(parse_quote!(#[describe(param = RAW_TRIMMED)]), Some("RawTrimmed"));
        check(parse_quote!(#[describe(param = Integer)]), None);
    }
}
