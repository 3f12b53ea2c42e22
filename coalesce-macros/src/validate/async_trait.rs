//! Recognises what `#[async_trait]` makes of an `async fn` in an impl, so
//! that `#[coalesce]` inside an `#[async_trait] impl` coalesces the async
//! block it boxes. (`#[async_trait]` on the impl expands first, and hands
//! this attribute the rewritten method.)
//!
//! Input (async-trait 0.1):
//! ```text
//! fn find<'life0, 'async_trait>(&'life0 self, id: u64)
//!     -> Pin<Box<dyn Future<Output = R> + Send + 'async_trait>>
//! {
//!     Box::pin(async move { /* its own return edge */ let __self = self; let id = id; .. })
//! }
//! ```

use syn::parse::Parser;
use syn::{
    Block, Expr, GenericArgument, PathArguments, ReturnType, Signature, Stmt, Type, TypeParamBound,
};

use crate::item::Body;
use crate::plan::AsyncTraitBody;

/// The async-trait shape of `sig` and `body`, if that is what they are.
pub(crate) fn recognise(sig: &Signature, body: &Body) -> Option<AsyncTraitBody> {
    if sig.asyncness.is_some() {
        return None;
    }
    let output = boxed_future_output(&sig.output)?;
    let mut prefix = Block::parse_within.parse2(body.tokens.clone()).ok()?;
    let Some(Stmt::Expr(Expr::Call(call), None)) = prefix.pop() else {
        return None;
    };
    let Expr::Path(callee) = &*call.func else {
        return None;
    };
    let mut segments = callee.path.segments.iter().rev();
    let is_box_pin = segments.next().is_some_and(|last| last.ident == "pin")
        && segments.next().is_some_and(|ty| ty.ident == "Box");
    if !is_box_pin || call.args.len() != 1 {
        return None;
    }
    let Some(Expr::Async(future)) = call.args.into_iter().next() else {
        return None;
    };
    Some(AsyncTraitBody {
        output,
        prefix,
        future,
    })
}

/// `R` in `Pin<Box<dyn Future<Output = R> + ..>>`.
fn boxed_future_output(output: &ReturnType) -> Option<Type> {
    let ReturnType::Type(_, ty) = output else {
        return None;
    };
    let boxed = only_type_argument(ty, "Pin")?;
    let Type::TraitObject(object) = only_type_argument(boxed, "Box")? else {
        return None;
    };
    object.bounds.iter().find_map(|bound| {
        let TypeParamBound::Trait(bound) = bound else {
            return None;
        };
        let future = bound.path.segments.last()?;
        let PathArguments::AngleBracketed(arguments) = &future.arguments else {
            return None;
        };
        if future.ident != "Future" {
            return None;
        }
        arguments.args.iter().find_map(|argument| match argument {
            GenericArgument::AssocType(assoc) if assoc.ident == "Output" => Some(assoc.ty.clone()),
            _ => None,
        })
    })
}

/// `T` in `name<T>` (any path to `name`).
fn only_type_argument<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    let Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(arguments) = &last.arguments else {
        return None;
    };
    match arguments.args.first()? {
        GenericArgument::Type(ty) if arguments.args.len() == 1 => Some(ty),
        _ => None,
    }
}
