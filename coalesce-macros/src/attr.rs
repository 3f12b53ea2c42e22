//! Parses `#[coalesce(key = ..., group = ..., crate = ..., detached,
//! log_key = ..., fleet [= ...], fleet_name = ...)]` into [`Options`].

use proc_macro2::{Ident, Span};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::{Expr, LitBool, LitStr, Path, Token};

use crate::span::SpanRange;

const VALID: &str = "`key`, `group`, `crate`, `detached`, `log_key`, `fleet`, `fleet_name`";

/// An expression as written (`key = ...`, `fleet = ...`): the expression,
/// the span users should see errors at, and whether it was quoted.
pub(crate) type WrittenExpr = (Expr, SpanRange, bool);

/// The attribute's options, each given at most once.
#[derive(Default)]
pub(crate) struct Options {
    /// `key = "EXPR"` or `key = EXPR`, with the span users should see errors
    /// at and whether it was quoted.
    pub key: Option<WrittenExpr>,
    /// `group = PATH`: a user `static` `Group<K, V>`.
    pub group: Option<Path>,
    /// `crate = "path"` or `crate = path`: where the facade is.
    pub krate: Option<Path>,
    /// `detached`: the flight owns the body, which goes on when the caller
    /// running it is dropped. Without it, a waiting caller runs its own.
    pub detached: Option<Span>,
    /// `log_key = true` or `log_key = false`: whether tracing events carry
    /// the key, whatever the process-wide default says; with the option's
    /// name's span.
    pub log_key: Option<(bool, Span)>,
    /// `fleet` (the installed fleet) or `fleet = "EXPR"` / `fleet = EXPR`
    /// (a `Fleet` of the function's, as for `key`), with the option's
    /// name's span.
    pub fleet: Option<(Option<WrittenExpr>, Span)>,
    /// `fleet_name = "..."`: the function's name across the fleet.
    pub fleet_name: Option<LitStr>,
}

impl Parse for Options {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut options = Options::default();
        while !input.is_empty() {
            let name = input.call(Ident::parse_any)?;
            match name.to_string().as_str() {
                "key" => {
                    let key = parse_expr(value_of(input, &name)?)?;
                    set_once(&mut options.key, key, &name)?;
                }
                "group" => {
                    let group = value_of(input, &name)?.parse::<Path>()?;
                    set_once(&mut options.group, group, &name)?;
                }
                "crate" => {
                    let krate = parse_path(value_of(input, &name)?)?;
                    set_once(&mut options.krate, krate, &name)?;
                }
                "detached" => {
                    parse_flag(input, &name)?;
                    set_once(&mut options.detached, name.span(), &name)?;
                }
                "log_key" => {
                    let log_key = parse_bool(value_of(input, &name)?, &name)?;
                    set_once(&mut options.log_key, (log_key.value, name.span()), &name)?;
                }
                "fleet" => {
                    let fleet = if input.peek(Token![=]) {
                        Some(parse_expr(value_of(input, &name)?)?)
                    } else {
                        None
                    };
                    set_once(&mut options.fleet, (fleet, name.span()), &name)?;
                }
                "fleet_name" => {
                    let fleet_name = parse_str(value_of(input, &name)?, &name)?;
                    set_once(&mut options.fleet_name, fleet_name, &name)?;
                }
                other => {
                    return Err(syn::Error::new(
                        name.span(),
                        format!(
                            "unknown `#[coalesce]` option `{other}`; valid options are {VALID}"
                        ),
                    ));
                }
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(options)
    }
}

/// The one place that rejects a repeated option, at its second occurrence.
fn set_once<T>(slot: &mut Option<T>, value: T, name: &Ident) -> syn::Result<()> {
    if slot.is_some() {
        let keep = match name.to_string().as_str() {
            "detached" => format!("`{name}`"),
            "fleet" => format!("`{name}` or `{name} = ...`"),
            _ => format!("`{name} = ...`"),
        };
        return Err(syn::Error::new(
            name.span(),
            format!("`{name}` is given twice; keep one {keep}"),
        ));
    }
    *slot = Some(value);
    Ok(())
}

/// `"EXPR"` parsed with `LitStr::parse` (errors point at the string), or a
/// bare expression, with the span users should see errors at and whether it
/// was quoted: `key = ...` and `fleet = ...`.
fn parse_expr(input: ParseStream) -> syn::Result<WrittenExpr> {
    if input.peek(LitStr) {
        let lit = input.parse::<LitStr>()?;
        let expr = lit.parse::<Expr>()?;
        Ok((expr, SpanRange::single(lit.span()), true))
    } else {
        let expr = input.parse::<Expr>()?;
        let span = SpanRange::of(&expr);
        Ok((expr, span, false))
    }
}

/// Consumes the `=` after an option that takes a value.
fn value_of<'a>(input: ParseStream<'a>, name: &Ident) -> syn::Result<ParseStream<'a>> {
    input.parse::<Token![=]>().map_err(|error| {
        syn::Error::new(
            error.span(),
            format!("expected `{name} = ...`: `{name}` takes a value"),
        )
    })?;
    Ok(input)
}

/// A flag is its name alone: `detached`, not `detached = true`.
fn parse_flag(input: ParseStream, name: &Ident) -> syn::Result<()> {
    if input.peek(Token![=]) {
        return Err(syn::Error::new(
            input.span(),
            format!("`{name}` takes no value: write `{name}` alone, or leave it out"),
        ));
    }
    Ok(())
}

/// `true` or `false`, and nothing else (not `"false"`).
fn parse_bool(input: ParseStream, name: &Ident) -> syn::Result<LitBool> {
    if input.peek(LitBool) {
        return input.parse::<LitBool>();
    }
    Err(syn::Error::new(
        input.span(),
        format!("expected `{name} = true` or `{name} = false`"),
    ))
}

/// A string literal, and nothing else (`fleet_name = "users/find"`).
fn parse_str(input: ParseStream, name: &Ident) -> syn::Result<LitStr> {
    if input.peek(LitStr) {
        return input.parse::<LitStr>();
    }
    Err(syn::Error::new(
        input.span(),
        format!("expected `{name} = \"...\"`, a string"),
    ))
}

/// `"path"` or a bare path, leading `::` allowed.
fn parse_path(input: ParseStream) -> syn::Result<Path> {
    if input.peek(LitStr) {
        input.parse::<LitStr>()?.parse::<Path>()
    } else {
        input.call(Path::parse_mod_style)
    }
}
