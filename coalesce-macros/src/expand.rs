//! Emits the coalesced function from a checked [`Plan`]. Nothing here can fail.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Attribute, ReturnType, Signature, Type};

use crate::item::{Body, Function};
use crate::plan::{AsyncForm, BodyPlan, Fleet, GroupSource, Plan};
use crate::span::{respan, respan_first, SpanRange};
use crate::verdict;

/// Input:
/// ```text
/// #[attrs] vis async fn f<T: 'static>(a: &str, b: u64) -> R { body }
/// ```
/// Output: the same attributes, generics and arguments; the function returns
/// the group's future instead of awaiting it, so its callers hold nothing
/// more than that future:
/// ```text
/// #[attrs] vis fn f<T: 'static>(a: &str, b: u64) -> impl Future<Output = R> {
///     let groups = { static GROUPS: FunctionGroups = FunctionGroups::new(); &GROUPS };
///     let key = { use ToKey as _; ((a).__coalesce_to_key(), (b).__coalesce_to_key()) };
///     let tag = || {}; // its type tells instantiations apart
///     let future = async move { let _ = (&b,); fake_return_edge; body };
///     let verdict = all(require_key_*(..), require_output_*(..), delivery); // Yes, SharedErrors or No
///     let log_key = (&probe(&key)).__coalesce_log_key(); // Debug, if any
///     verdict.run(per_function(groups, tag, log_key), key, future)
/// }
/// ```
/// Where it stays an `async fn` (see `validate/form.rs`), the signature is
/// kept and those statements become a block whose value is awaited, so
/// that only the group's future is held across the `.await`:
/// `async fn f(..) -> R { { let groups = ..; ..; verdict.run(..) }.await }`.
/// With `group = PATH`: `verdict.run(user_group(groups, tag, &PATH), key, future)`.
/// With `fleet`: `fleet_mode! { let future = fleet_verdict.fleet_body(groups,
/// tag, fleet, name, &key, future); }` after the body (see `verdict::fleet`),
/// and, for `fleet = EXPR`, `fleet_mode! { let fleet = ..; }` before it.
/// With `log_key = true`: `__coalesce_log_key().always()`; with `log_key =
/// false`: `LogKey::never(&key)`, and the key's `Debug` is never probed.
pub(crate) fn expand(function: &Function, plan: &Plan<'_>) -> TokenStream {
    let Function {
        attrs, vis, sig, ..
    } = function;
    let krate = &plan.krate;
    let private = quote!(#krate::__private);
    // Mixed-site names: a parameter called `key` or `group` cannot see or shadow them.
    let key = Ident::new("coalesce_key", Span::mixed_site());
    let future = Ident::new("coalesce_body", Span::mixed_site());
    let verdict = Ident::new("coalesce_verdict", Span::mixed_site());

    let key_statement = key_statement(plan, &private, &key);
    let verdict_value = verdict::verdict_value(plan, &private, &key, &future);
    let groups = Ident::new("coalesce_groups", Span::mixed_site());
    let groups_statement = groups_statement(&private, &groups);
    // The tag: a closure's type carries every generic parameter in scope, so
    // each instantiation gets its own group, and it asks no `'static` bound
    // of them because it captures nothing.
    let tag = Ident::new("coalesce_tag", Span::mixed_site());
    let tag_statement = quote!(let #tag = || {};);
    let (fleet_statement, fleet_body) = fleet(plan, &private, [&groups, &tag, &key, &future]);
    // Spanned on the key: a key borrowing an argument fails `K: 'static` here.
    let run = run(plan, &private, &groups, [&verdict, &tag, &key, &future]);
    let run = respan_first(run, plan.key.span);

    let body = body_future(plan);
    let statements = quote! {
        #groups_statement
        #key_statement
        #tag_statement
        #fleet_statement
        let #future = #body;
        #fleet_body
        let #verdict = #verdict_value;
    };
    let (sig, inner_attrs, block) = finish(sig, plan, statements, run);
    quote! {
        #(#attrs)*
        #vis #sig {
            #(#inner_attrs)*
            #block
        }
    }
}

/// The future every caller brings: the body in an `async move` block (a
/// `move` closure for a blocking fn), or the block `#[async_trait]` made.
fn body_future(plan: &Plan<'_>) -> TokenStream {
    match &plan.body {
        BodyPlan::Async {
            body,
            fake_return,
            form,
        } => {
            let captures = match form {
                AsyncForm::Future { captures } => &captures[..],
                AsyncForm::AsyncFn => &[],
            };
            let captures = (!captures.is_empty()).then(|| quote!(let _ = (#(&#captures,)*);));
            wrapped_body(body, fake_return, captures, quote!(async move))
        }
        BodyPlan::Blocking { body, fake_return } => {
            wrapped_body(body, fake_return, None, quote!(move ||))
        }
        BodyPlan::AsyncTrait { parts, .. } => parts.future.to_token_stream(),
    }
}

/// The signature, the body's inner attributes, and the statements ending
/// with the group's future: returned, awaited where the function stays an
/// `async fn`, run on this thread for a blocking fn, or boxed where
/// `#[async_trait]` had boxed the body.
fn finish<'a>(
    sig: &Signature,
    plan: &'a Plan<'_>,
    statements: TokenStream,
    run: TokenStream,
) -> (Signature, &'a [Attribute], TokenStream) {
    match &plan.body {
        BodyPlan::Async { body, form, .. } => match form {
            AsyncForm::Future { .. } => (
                future_signature(sig, plan.output_span),
                &body.inner_attrs,
                quote!(#statements #run),
            ),
            AsyncForm::AsyncFn => (
                sig.clone(),
                &body.inner_attrs,
                quote!({ #statements #run }.await),
            ),
        },
        BodyPlan::Blocking { body, .. } => {
            (sig.clone(), &body.inner_attrs, quote!(#statements #run))
        }
        BodyPlan::AsyncTrait { inner_attrs, parts } => {
            let prefix = &parts.prefix;
            let block = quote!(#(#prefix)* #statements ::std::boxed::Box::pin(#run));
            (sig.clone(), inner_attrs, block)
        }
    }
}

/// `async fn f(..) -> R` as `fn f(..) -> impl Future<Output = R>`, shown
/// where `R` is written (the name, for `()`). The `impl` is this crate's
/// token, so it follows edition 2024 in any crate: it captures every
/// lifetime in scope, the elided ones and the `impl` block's included, as
/// the `async fn`'s future did.
fn future_signature(sig: &Signature, span: SpanRange) -> Signature {
    let mut sig = sig.clone();
    sig.asyncness = None;
    let first = Span::call_site().located_at(span.first);
    let (arrow, output) = match &sig.output {
        ReturnType::Default => (syn::Token![->](first), quote_spanned!(first=> ())),
        ReturnType::Type(arrow, output) => (*arrow, output.to_token_stream()),
    };
    let close = quote_spanned!(Span::call_site().located_at(span.last)=> >);
    let future = quote_spanned!(first=> impl ::core::future::Future<Output = #output #close);
    sig.output = ReturnType::Type(arrow, Box::new(Type::Verbatim(future)));
    sig
}

/// `let groups = &GROUPS;`, the function's own `static`. Hygiene does not
/// hide items, so the static lives in a block of its own where it cannot
/// shadow a user item of the same name in the body.
fn groups_statement(private: &TokenStream, groups: &Ident) -> TokenStream {
    let map = Ident::new("COALESCE_GROUPS", Span::mixed_site());
    quote! {
        let #groups: &'static #private::FunctionGroups = {
            static #map: #private::FunctionGroups = #private::FunctionGroups::new();
            &#map
        };
    }
}

/// Fleet mode's statements: `fleet = EXPR` taken before the body owns the
/// arguments, and after it, the body wrapped in a flight across replicas.
/// Both go through `fleet_mode!`, which without the `fleet` feature is one
/// error that says to turn it on. Nothing without `fleet`.
fn fleet(
    plan: &Plan<'_>,
    private: &TokenStream,
    [groups, tag, key, future]: [&Ident; 4],
) -> (TokenStream, TokenStream) {
    let Some(plan_fleet) = &plan.fleet else {
        return (TokenStream::new(), TokenStream::new());
    };
    let fleet = Ident::new("coalesce_fleet", Span::mixed_site());
    let before = fleet_statement(plan_fleet, private, &fleet)
        .map(|statement| quote!(#private::fleet_mode! { #statement }))
        .unwrap_or_default();
    let value = verdict::fleet_value(
        plan,
        plan_fleet,
        private,
        [groups, tag, key, future, &fleet],
    );
    let after = quote!(#private::fleet_mode! { let #future = #value; });
    (before, after)
}

/// `let fleet = Some(Fleet::clone(&EXPR));` for `fleet = EXPR` (nothing for
/// the installed fleet), spanned on `EXPR` so that a value of another type
/// is reported there. A clone, not a borrow: the body may own what `EXPR`
/// borrows (`self: Arc<Self>`).
fn fleet_statement(fleet: &Fleet, private: &TokenStream, handle: &Ident) -> Option<TokenStream> {
    let (expr, span) = fleet.fleet.as_ref()?;
    let borrowed = Ident::new("coalesce_fleet_ref", Span::mixed_site());
    let fleet_type = respan(quote!(&#private::Fleet), span.first);
    let borrow = quote_spanned!(span.first=> &(#expr));
    Some(quote! {
        let #handle = {
            let #borrowed: #fleet_type = #borrow;
            ::core::option::Option::Some(#private::Fleet::clone(#borrowed))
        };
    })
}

/// `let key = ...;`: each element borrowed and converted (`&str` → `String`),
/// never moved.
fn key_statement(plan: &Plan<'_>, private: &TokenStream, key: &Ident) -> TokenStream {
    let elements = &plan.key.elements;
    if elements.is_empty() {
        return quote! {
            #[allow(clippy::let_unit_value)]
            let #key = ();
        };
    }
    let converted = elements.iter().map(|element| {
        quote_spanned! {element.span()=>
            (#element).__coalesce_to_key()
        }
    });
    let value = if plan.key.tuple {
        quote!((#(#converted,)*))
    } else {
        quote!(#(#converted)*)
    };
    quote! {
        let #key = {
            use #private::ToKey as _;
            #value
        };
    }
}

/// The original body in an `async move` block (or a `move` closure, after
/// `wrapper`) whose output type is pinned to the function's return type by a
/// fake return edge (as `tracing` does), so `?` converts errors and `return`
/// returns exactly as before. `captures` come first: the arguments the block
/// must own even where the body does not use them.
fn wrapped_body(
    body: &Body,
    fake_return: &Type,
    captures: Option<TokenStream>,
    wrapper: TokenStream,
) -> TokenStream {
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
    let mut block = TokenStream::new();
    body.brace.surround(&mut block, |tokens| {
        captures.to_tokens(tokens);
        edge.to_tokens(tokens);
        body.tokens.to_tokens(tokens);
    });
    quote!(#wrapper #block)
}

/// Runs in the user's static, or in the function's own group out of a static map.
fn run(
    plan: &Plan<'_>,
    private: &TokenStream,
    groups: &Ident,
    [verdict, tag, key, future]: [&Ident; 4],
) -> TokenStream {
    // A detached body belongs to the flight, which needs it `Send + 'static`.
    let run = match (&plan.body, plan.detached) {
        (BodyPlan::Blocking { .. }, _) => quote!(run_blocking),
        (_, true) => quote!(run_detached),
        (_, false) => quote!(run),
    };
    let source = match &plan.group {
        GroupSource::User(path) => quote! {
            #private::user_group(#groups, #tag, &#path)
        },
        GroupSource::PerFunction => {
            let log_key = log_key(plan, private, key);
            quote! {
                #private::per_function(#groups, #tag, #log_key)
            }
        }
    };
    quote! {
        #verdict.#run(#source, #key, #future)
    }
}

/// How tracing events show the key: its `Debug` form when it has one, as
/// `coalesce::log_keys` says, or as `log_key = true|false` says (`false`
/// does not even probe for `Debug`).
fn log_key(plan: &Plan<'_>, private: &TokenStream, key: &Ident) -> TokenStream {
    let debug = quote! {
        use #private::{ProbeDebug as _, ProbeNoDebug as _};
        (&#private::probe(&#key)).__coalesce_log_key()
    };
    match plan.log_key {
        None => quote!({ #debug }),
        Some(true) => quote!({ #debug.always() }),
        Some(false) => quote!(#private::LogKey::never(&#key)),
    }
}
