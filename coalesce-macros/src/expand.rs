//! Emits the coalesced function from a checked [`Plan`]. Nothing here can fail.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;

use crate::item::Function;
use crate::validate::{GroupSource, Plan};

/// Input:
/// ```text
/// #[attrs] vis async fn f(args) -> R { body }
/// ```
/// Output: the same signature, with a body that computes the owned key,
/// finds the function's group and runs the original body in it:
/// ```text
/// #[attrs] vis async fn f(args) -> R {
///     let key = { use ToKey as _; key((a.__coalesce_to_key(), b.__coalesce_to_key())) };
///     output::<R>();
///     let group = { static GROUPS: TypeMap = TypeMap::new(); group(&GROUPS, tag, &key) };
///     Group::run(group, key, async move { fake_return_edge; body }).await
/// }
/// ```
pub(crate) fn expand(function: &Function, plan: &Plan<'_>) -> TokenStream {
    let Function {
        attrs, vis, sig, ..
    } = function;
    let krate = &plan.krate;
    let private = quote!(#krate::__private);
    // Mixed-site names: a parameter called `key` or `group` cannot see or shadow them.
    let key = Ident::new("coalesce_key", Span::mixed_site());
    let group = Ident::new("coalesce_group", Span::mixed_site());

    let key_value = key_value(plan, &private);
    let output_check = plan.output.as_ref().map(|output| {
        quote_spanned! {output.span()=>
            #private::output::<#output>();
        }
    });
    let group_value = group_value(plan, &private, &key);
    let body = async_body(plan);

    quote! {
        #(#attrs)*
        #vis #sig {
            let #key = #key_value;
            #output_check
            let #group = #group_value;
            #private::Group::run(#group, #key, #body).await
        }
    }
}

/// Each element borrowed and converted (`&str` → `String`), never moved.
fn key_value(plan: &Plan<'_>, private: &TokenStream) -> TokenStream {
    let key = &plan.key;
    let elements = key.elements.iter().map(|element| {
        quote_spanned! {element.span()=>
            (#element).__coalesce_to_key()
        }
    });
    let value = if key.tuple {
        quote!((#(#elements,)*))
    } else {
        quote!(#(#elements)*)
    };
    let import = (!key.elements.is_empty()).then(|| quote!(use #private::ToKey as _;));
    let checked = quote_spanned! {key.span=>
        #private::key(#value)
    };
    quote!({ #import #checked })
}

/// The user's static, or the function's own group out of a static map.
fn group_value(plan: &Plan<'_>, private: &TokenStream, key: &Ident) -> TokenStream {
    match &plan.group {
        GroupSource::User(path) => quote!(&#path),
        GroupSource::PerFunction { types, values } => {
            let groups = Ident::new("COALESCE_GROUPS", Span::mixed_site());
            let values = values.iter().map(|value| quote!(#private::type_of(#value)));
            quote! {{
                static #groups: #private::TypeMap = #private::TypeMap::new();
                #private::group(
                    &#groups,
                    (#(::core::marker::PhantomData::<#types>,)* #(#values,)*),
                    &#key,
                )
            }}
        }
    }
}

/// The original body in an `async move` block whose output type is pinned to
/// the function's return type by a fake return edge (as `tracing` does), so
/// `?` converts errors and `return` returns exactly as before.
fn async_body(plan: &Plan<'_>) -> TokenStream {
    let fake_return = &plan.fake_return;
    let fake = Ident::new("coalesce_fake_return", Span::mixed_site());
    let edge = quote_spanned! {fake_return.span()=>
        #[allow(
            unreachable_code,
            clippy::diverging_sub_expression,
            clippy::empty_loop,
            clippy::let_unit_value,
            clippy::unreachable
        )]
        if false {
            let #fake: #fake_return = loop {};
            return #fake;
        }
    };
    let body = &plan.body.tokens;
    let mut block = TokenStream::new();
    plan.body.brace.surround(&mut block, |tokens| {
        edge.to_tokens(tokens);
        body.to_tokens(tokens);
    });
    quote!(async move #block)
}
