//! The verdict: one probe and one assertion per bound, each spanned where
//! the user can fix it (the key's bounds on the key or on each of its
//! elements, the output's on the return type, a user group's on its path),
//! combined into `Yes` or `No`.
//!
//! Output:
//! ```text
//! {
//!     use __private::{Probe* as _};
//!     let key_probe = probe(&key);
//!     let output_probe = probe_output(&future);
//!     all(all(require_key_hash_eq(&key_probe, (&key_probe).__coalesce_hash_eq()), ..), ..)
//! }
//! ```

use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;

use crate::plan::{BodyPlan, GroupSource, Plan};
use crate::span::{located_at, respan, with_parens_at, SpanRange};

/// One assertion: `check(&probe, identity((&probe).method()))`.
struct Check<'a> {
    span: SpanRange,
    probe: &'a Ident,
    check: &'a str,
    method: &'a str,
}

pub(crate) fn verdict_value(
    plan: &Plan<'_>,
    private: &TokenStream,
    key: &Ident,
    future: &Ident,
) -> TokenStream {
    let key_probe = Ident::new("coalesce_key_probe", Span::mixed_site());
    let output_probe = Ident::new("coalesce_output_probe", Span::mixed_site());
    let probe_output = match plan.body {
        BodyPlan::Blocking { .. } => quote!(probe_return),
        _ => quote!(probe_output),
    };
    let mut probes = vec![
        quote!(let #key_probe = #private::probe(&#key);),
        quote!(let #output_probe = #private::#probe_output(&#future);),
    ];
    let mut checks = key_checks(plan, &key_probe);
    checks.extend(output_checks(plan, &output_probe));
    let mut verdicts: Vec<_> = checks.iter().map(|check| require(private, check)).collect();
    verdicts.extend(owned_key_checks(plan, private, key, &mut probes));
    if let GroupSource::User(path) = &plan.group {
        verdicts.push(group_check(
            private,
            path,
            &key_probe,
            &output_probe,
            &mut probes,
        ));
    }
    let verdict = verdicts
        .into_iter()
        .reduce(|all, next| quote!(#private::all(#all, #next)));
    quote! {{
        use #private::{
            ProbeBorrowed as _, ProbeClone as _, ProbeFallback as _, ProbeGroupFits as _,
            ProbeGroupMisfits as _, ProbeHashEq as _, ProbeOwned as _, ProbeSend as _,
            ProbeSendSync as _,
        };
        #(#probes)*
        #verdict
    }}
}

/// `Hash + Eq` and `Send + Sync`, on the key; a default key's messages say
/// to name the key.
fn key_checks<'a>(plan: &Plan<'_>, probe: &'a Ident) -> Vec<Check<'a>> {
    let (hash_eq, send_sync) = if plan.key.named {
        ("require_key_hash_eq", "require_key_send_sync")
    } else {
        ("require_arguments_hash_eq", "require_arguments_send_sync")
    };
    vec![
        Check {
            span: plan.key.span,
            probe,
            check: hash_eq,
            method: "__coalesce_hash_eq",
        },
        Check {
            span: plan.key.span,
            probe,
            check: send_sync,
            method: "__coalesce_send_sync",
        },
    ]
}

/// `Clone` and `Send`, on the return type; a `Result`'s message speaks of
/// its error.
fn output_checks<'a>(plan: &Plan<'_>, probe: &'a Ident) -> Vec<Check<'a>> {
    let clone = if plan.output_is_result {
        "require_result_clone"
    } else {
        "require_output_clone"
    };
    vec![
        Check {
            span: plan.output_span,
            probe,
            check: clone,
            method: "__coalesce_clone",
        },
        Check {
            span: plan.output_span,
            probe,
            check: "require_output_send",
            method: "__coalesce_send",
        },
    ]
}

/// Each argument used whole as a key element owns its value: a `&T`
/// argument stays a reference when `T` is not `Clone`. Checked per element,
/// at the element, since a tuple of references is not a reference. Other
/// expressions are left to the compiler: one that fails to type-check would
/// be reported twice.
fn owned_key_checks(
    plan: &Plan<'_>,
    private: &TokenStream,
    key: &Ident,
    probes: &mut Vec<TokenStream>,
) -> Vec<TokenStream> {
    let check = if plan.key.named {
        "require_key_owned"
    } else {
        "require_arguments_owned"
    };
    let elements = &plan.key.elements;
    elements
        .iter()
        .enumerate()
        .filter(|(_, element)| !plan.key.named || is_a_name(element))
        .map(|(index, element)| {
            let probe = Ident::new(&format!("coalesce_key_probe_{index}"), Span::mixed_site());
            let part = if plan.key.tuple {
                let index = syn::Index::from(index);
                quote!(#key.#index)
            } else {
                key.to_token_stream()
            };
            probes.push(quote!(let #probe = #private::probe(&#part);));
            let span = if plan.key.named && plan.key.tuple {
                SpanRange::of(element)
            } else if plan.key.named {
                plan.key.span
            } else {
                SpanRange::single(element.span())
            };
            require(
                private,
                &Check {
                    span,
                    probe: &probe,
                    check,
                    method: "__coalesce_owned",
                },
            )
        })
        .collect()
}

/// A plain name, such as an argument.
fn is_a_name(element: &syn::Expr) -> bool {
    matches!(element, syn::Expr::Path(path) if path.path.get_ident().is_some())
}

/// `group = PATH` is a `Group<K, V>` of the key and output types.
fn group_check(
    private: &TokenStream,
    path: &syn::Path,
    key_probe: &Ident,
    output_probe: &Ident,
    probes: &mut Vec<TokenStream>,
) -> TokenStream {
    let probe = Ident::new("coalesce_group_probe", Span::mixed_site());
    probes.push(quote! {
        let #probe = #private::probe_group(&#path, &#key_probe, &#output_probe);
    });
    require(
        private,
        &Check {
            span: SpanRange::of(path),
            probe: &probe,
            check: "require_group_fits",
            method: "__coalesce_group_fits",
        },
    )
}

/// `check(&probe, identity((&probe).method()))` with every token on the
/// user's code, the answer running from its first to its last token, so the
/// error underlines all of it.
fn require(private: &TokenStream, check: &Check<'_>) -> TokenStream {
    let Check {
        span,
        probe,
        check,
        method,
    } = *check;
    let method = Ident::new(method, span.first);
    // An absolute path, so taking the user's spans changes no resolution;
    // from the first token to the last, like the answer below.
    let path = respan(private.clone(), span.first);
    let check = Ident::new(check, span.last);
    let path = quote_spanned!(span.first=> #path::#check);
    let identity = respan(quote!(::core::convert::identity), span.first);
    let probe = located_at(probe.to_token_stream(), span.first);
    let answer = quote_spanned!(span.first=> (&#probe).#method());
    // Calls whose closing parenthesis is the user's last token: the
    // compiler spans a call from its path to that parenthesis.
    let answer = with_parens_at(quote!(#answer), span.last);
    let answer = quote!(#identity #answer);
    let arguments = with_parens_at(quote_spanned!(span.first=> &#probe, #answer), span.last);
    quote!(#path #arguments)
}
