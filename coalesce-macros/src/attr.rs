//! Parses `#[coalesce(key = ..., group = ..., crate = ..., on_leader_drop = ...)]`
//! into [`Options`].

use proc_macro2::{Ident, Span};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::{Expr, LitStr, Path, Token};

use crate::span::SpanRange;

const VALID: &str = "`key`, `group`, `crate`, `on_leader_drop`";

/// What happens to the execution when the caller running it is dropped.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum LeaderDrop {
    /// `"handoff"`: it is abandoned, and a follower runs its own body.
    #[default]
    Handoff,
    /// `"continue"`: the flight owns the body, and the others drive it.
    Continue,
}

/// The attribute's options, each given at most once.
#[derive(Default)]
pub(crate) struct Options {
    /// `key = "EXPR"` or `key = EXPR`, with the span users should see errors at.
    pub key: Option<(Expr, SpanRange)>,
    /// `group = PATH`: a user `static` `Group<K, V>`.
    pub group: Option<Path>,
    /// `crate = "path"` or `crate = path`: where the facade is.
    pub krate: Option<Path>,
    /// `on_leader_drop = "handoff" | "continue"`, with the value's span.
    pub on_leader_drop: Option<(LeaderDrop, Span)>,
}

impl Parse for Options {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut options = Options::default();
        while !input.is_empty() {
            let name = input.call(Ident::parse_any)?;
            input.parse::<Token![=]>().map_err(|error| {
                syn::Error::new(
                    error.span(),
                    format!("expected `{name} = ...`: every `#[coalesce]` option takes a value"),
                )
            })?;
            match name.to_string().as_str() {
                "key" => {
                    let key = parse_key(input)?;
                    set_once(&mut options.key, key, &name)?;
                }
                "group" => {
                    let group = input.parse::<Path>()?;
                    set_once(&mut options.group, group, &name)?;
                }
                "crate" => {
                    let krate = parse_path(input)?;
                    set_once(&mut options.krate, krate, &name)?;
                }
                "on_leader_drop" => {
                    let mode = parse_leader_drop(input)?;
                    set_once(&mut options.on_leader_drop, mode, &name)?;
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
        return Err(syn::Error::new(
            name.span(),
            format!("`{name}` is given twice; keep one `{name} = ...`"),
        ));
    }
    *slot = Some(value);
    Ok(())
}

/// `"EXPR"` parsed with `LitStr::parse` (errors point at the string), or a bare expression.
fn parse_key(input: ParseStream) -> syn::Result<(Expr, SpanRange)> {
    if input.peek(LitStr) {
        let lit = input.parse::<LitStr>()?;
        Ok((lit.parse::<Expr>()?, SpanRange::single(lit.span())))
    } else {
        let expr = input.parse::<Expr>()?;
        let span = SpanRange::of(&expr);
        Ok((expr, span))
    }
}

/// `"handoff"` or `"continue"`.
fn parse_leader_drop(input: ParseStream) -> syn::Result<(LeaderDrop, Span)> {
    let lit = input.parse::<LitStr>().map_err(|error| {
        syn::Error::new(
            error.span(),
            "expected `on_leader_drop = \"handoff\"` or `on_leader_drop = \"continue\"`",
        )
    })?;
    match lit.value().as_str() {
        "handoff" => Ok((LeaderDrop::Handoff, lit.span())),
        "continue" => Ok((LeaderDrop::Continue, lit.span())),
        other => Err(syn::Error::new(
            lit.span(),
            format!(
                "unknown `on_leader_drop` mode `{other}`; write \"handoff\" (the default: a \
                 follower runs its own body when the leader is dropped) or \"continue\" (the \
                 work goes on for the others; the body must own its inputs)"
            ),
        )),
    }
}

/// `"path"` or a bare path, leading `::` allowed.
fn parse_path(input: ParseStream) -> syn::Result<Path> {
    if input.peek(LitStr) {
        input.parse::<LitStr>()?.parse::<Path>()
    } else {
        input.call(Path::parse_mod_style)
    }
}
