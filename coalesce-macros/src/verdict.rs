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
//!     // Yes (clone it), SharedErrors (share its error) or No.
//!     let delivery = either((&output_probe).__coalesce_clone(), (&output_probe).__coalesce_share_errors());
//!     all(all(require_key_hash_eq(&key_probe, (&key_probe).__coalesce_hash_eq()), ..), .., delivery)
//! }
//! ```
//! A `Result` output is checked in two parts, each with its own message:
//! its `Ok` value (`Clone`) and its error (`Clone`, or shared).

mod fleet;

pub(crate) use fleet::fleet_value;

use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;

use crate::plan::{BodyPlan, GroupSource, Plan};
use crate::span::{located_at, respan, with_parens_at, SpanRange};

/// One assertion: `check(&probe, identity((&probe).method()))`, or with
/// two methods, the first answer of the two that is not `No`.
struct Check<'a> {
    span: SpanRange,
    probe: &'a Ident,
    check: &'a str,
    methods: &'a [&'a str],
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
    let ok_probe = Ident::new("coalesce_ok_probe", Span::mixed_site());
    let error_probe = Ident::new("coalesce_error_probe", Span::mixed_site());
    let delivery = Ident::new("coalesce_delivery", Span::mixed_site());
    let mut probes = vec![
        quote!(let #key_probe = #private::probe(&#key);),
        quote!(let #output_probe = #private::#probe_output(&#future);),
        quote! {
            let #delivery = #private::either(
                (&#output_probe).__coalesce_clone(),
                (&#output_probe).__coalesce_share_errors(),
            );
        },
    ];
    if plan.output_is_result {
        probes.push(quote! {
            let #ok_probe = (&#output_probe).__coalesce_ok();
            let #error_probe = (&#output_probe).__coalesce_err();
        });
    }
    let mut checks = key_checks(plan, &key_probe);
    checks.extend(output_checks(
        plan,
        [&output_probe, &ok_probe, &error_probe],
    ));
    let mut verdicts: Vec<_> = checks.iter().map(|check| require(private, check)).collect();
    verdicts.extend(owned_key_checks(plan, private, key, &mut probes));
    if let GroupSource::User(path) = &plan.group {
        verdicts.push(group_check(
            private,
            path,
            [&key_probe, &output_probe, &delivery],
            &mut probes,
        ));
    }
    // How the output travels; a missing bound behind a `No` here was
    // reported by the output's checks.
    verdicts.push(delivery.to_token_stream());
    let verdict = verdicts
        .into_iter()
        .reduce(|all, next| quote!(#private::all(#all, #next)));
    quote! {{
        use #private::{
            ProbeBorrowed as _, ProbeClone as _, ProbeFallback as _, ProbeGroupFits as _,
            ProbeGroupMisfits as _, ProbeHashEq as _, ProbeNotResult as _,
            ProbeNotShared as _, ProbeOwned as _, ProbeResult as _, ProbeSend as _,
            ProbeSendSync as _, ProbeShareError as _, ProbeShareErrors as _,
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
            methods: &["__coalesce_hash_eq"],
        },
        Check {
            span: plan.key.span,
            probe,
            check: send_sync,
            methods: &["__coalesce_send_sync"],
        },
    ]
}

/// Shareable and `Send`, on the return type. A `Result` is checked in
/// parts: its `Ok` value must be `Clone`, its error `Clone` or shared.
fn output_checks<'a>(plan: &Plan<'_>, [output, ok, error]: [&'a Ident; 3]) -> Vec<Check<'a>> {
    let span = plan.output_span;
    let mut checks = if plan.output_is_result {
        vec![
            Check {
                span,
                probe: ok,
                check: "require_ok_clone",
                methods: &["__coalesce_clone"],
            },
            Check {
                span,
                probe: error,
                check: "require_error_shareable",
                methods: &["__coalesce_clone", "__coalesce_share_error"],
            },
        ]
    } else {
        vec![Check {
            span,
            probe: output,
            check: "require_output_shareable",
            methods: &["__coalesce_clone", "__coalesce_share_errors"],
        }]
    };
    checks.push(Check {
        span,
        probe: output,
        check: "require_output_send",
        methods: &["__coalesce_send"],
    });
    checks
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
                    methods: &["__coalesce_owned"],
                },
            )
        })
        .collect()
}

/// A plain name, such as an argument.
fn is_a_name(element: &syn::Expr) -> bool {
    matches!(element, syn::Expr::Path(path) if path.path.get_ident().is_some())
}

/// `group = PATH` is a `Group<K, V>` of the key type and of what the group
/// holds for the output (`Result<T, SharedError>` for a shared error).
fn group_check(
    private: &TokenStream,
    path: &syn::Path,
    [key_probe, output_probe, delivery]: [&Ident; 3],
    probes: &mut Vec<TokenStream>,
) -> TokenStream {
    let probe = Ident::new("coalesce_group_probe", Span::mixed_site());
    let stored = Ident::new("coalesce_stored_probe", Span::mixed_site());
    probes.push(quote! {
        let #stored = #private::probe_stored(&#delivery, &#output_probe);
        let #probe = #private::probe_group(&#path, &#key_probe, &#stored);
    });
    require(
        private,
        &Check {
            span: SpanRange::of(path),
            probe: &probe,
            check: "require_group_fits",
            methods: &["__coalesce_group_fits"],
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
        methods,
    } = *check;
    // An absolute path, so taking the user's spans changes no resolution;
    // from the first token to the last, like the answer below.
    let path = respan(private.clone(), span.first);
    let check = Ident::new(check, span.last);
    let path = quote_spanned!(span.first=> #path::#check);
    let identity = respan(quote!(::core::convert::identity), span.first);
    let probe = located_at(probe.to_token_stream(), span.first);
    let answers = methods.iter().map(|method| {
        let method = Ident::new(method, span.first);
        quote_spanned!(span.first=> (&#probe).#method())
    });
    let answer = if methods.len() == 1 {
        quote!(#(#answers)*)
    } else {
        let either = respan(quote!(#private::either), span.first);
        quote_spanned!(span.first=> #either(#(#answers),*))
    };
    // Calls whose closing parenthesis is the user's last token: the
    // compiler spans a call from its path to that parenthesis.
    let answer = with_parens_at(quote!(#answer), span.last);
    let answer = quote!(#identity #answer);
    let arguments = with_parens_at(quote_spanned!(span.first=> &#probe, #answer), span.last);
    quote!(#path #arguments)
}
