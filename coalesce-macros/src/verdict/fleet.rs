//! Fleet mode's verdict: the key must be `Serialize`, the output `Serialize
//! + DeserializeOwned` (a `Result` in parts: its `Ok` value, and its error,
//! which may instead travel as its text when it is shared), each checked
//! where the user can fix it; the verdict then wraps the body in a flight
//! across replicas (`Yes`: as JSON; `SharedErrors`: the error as text), or,
//! for `No`, leaves it as it is.
//!
//! Output:
//! ```text
//! {
//!     use __private::{Probe* as _};
//!     let key_probe = probe(&key);
//!     let output_probe = probe_output(&future);
//!     all(require_fleet_key_serialize(&key_probe, (&key_probe).__coalesce_serialize()),
//!         require_fleet_output_serde(&output_probe, (&output_probe).__coalesce_serde()))
//!         .fleet_body(groups, tag, fleet, name, &key, future)
//! }
//! ```

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use super::{require, Check};
use crate::plan::{Fleet, Plan};

/// `groups`, `tag`, `key` and `future` are the body's locals; `fleet`
/// holds the `Option<Fleet>` of `fleet = EXPR`.
pub(crate) fn fleet_value(
    plan: &Plan<'_>,
    fleet: &Fleet,
    private: &TokenStream,
    [groups, tag, key, future, handle]: [&Ident; 5],
) -> TokenStream {
    let key_probe = Ident::new("coalesce_fleet_key_probe", Span::mixed_site());
    let output_probe = Ident::new("coalesce_fleet_output_probe", Span::mixed_site());
    let ok_probe = Ident::new("coalesce_fleet_ok_probe", Span::mixed_site());
    let error_probe = Ident::new("coalesce_fleet_error_probe", Span::mixed_site());
    let mut probes = vec![
        quote!(let #key_probe = #private::probe(&#key);),
        quote!(let #output_probe = #private::probe_output(&#future);),
    ];
    let mut checks = vec![Check {
        span: plan.key.span,
        probe: &key_probe,
        check: "require_fleet_key_serialize",
        methods: &["__coalesce_serialize"],
    }];
    let span = plan.output_span;
    if plan.output_is_result {
        probes.push(quote! {
            let #ok_probe = (&#output_probe).__coalesce_ok();
            let #error_probe = (&#output_probe).__coalesce_err();
        });
        checks.push(Check {
            span,
            probe: &ok_probe,
            check: "require_fleet_ok_serde",
            methods: &["__coalesce_serde"],
        });
        // Whole as JSON when it can, else as its text when it is shared.
        checks.push(Check {
            span,
            probe: &error_probe,
            check: "require_fleet_error_travels",
            methods: &["__coalesce_serde", "__coalesce_error_text"],
        });
    } else {
        checks.push(Check {
            span,
            probe: &output_probe,
            check: "require_fleet_output_serde",
            methods: &["__coalesce_serde"],
        });
    }
    let verdict = checks
        .iter()
        .map(|check| require(private, check))
        .reduce(|all, next| quote!(#private::all(#all, #next)));
    let fleet_ref = match &fleet.fleet {
        Some(_) => quote!(::core::option::Option::as_ref(&#handle)),
        None => quote!(::core::option::Option::None),
    };
    let name = match &fleet.name {
        Some(name) => quote!(::core::option::Option::Some(#name)),
        None => quote!(::core::option::Option::None),
    };
    quote! {{
        use #private::{
            ProbeErrorText as _, ProbeNoSerde as _, ProbeNotResult as _, ProbeResult as _,
            ProbeSerde as _, ProbeSerialize as _,
        };
        #(#probes)*
        (#verdict).fleet_body(#groups, #tag, #fleet_ref, #name, &#key, #future)
    }}
}
