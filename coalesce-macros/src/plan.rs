//! What `validate` hands to `expand`: the checked options and signature.

use proc_macro2::Ident;
use syn::{Attribute, Expr, ExprAsync, LitStr, Path, Stmt, Type};

use crate::item::Body;
use crate::span::SpanRange;

/// Everything `expand` needs, already checked.
pub(crate) struct Plan<'a> {
    pub krate: Path,
    pub key: Key,
    /// Where the in-flight map lives: the user's static, or a hidden per-fn map.
    pub group: GroupSource,
    /// Where errors about the output's bounds point: the return type, or the
    /// function's name when there is none.
    pub output_span: SpanRange,
    /// The return type is a `Result`, whose error is what usually lacks `Clone`.
    pub output_is_result: bool,
    pub body: BodyPlan<'a>,
    /// `detached`: the flight owns the body; otherwise a dropped leader
    /// hands off to a follower.
    pub detached: bool,
    /// `log_key = true|false`; `None` follows `coalesce::log_keys`.
    pub log_key: Option<bool>,
    /// `fleet`: the body runs in a flight across replicas, inside local
    /// coalescing.
    pub fleet: Option<Fleet>,
}

/// `fleet`, `fleet = EXPR` and `fleet_name = "..."`.
pub(crate) struct Fleet {
    /// `fleet = EXPR`, evaluated in the function; `None` for the installed
    /// fleet.
    pub fleet: Option<(Expr, SpanRange)>,
    /// `fleet_name = "..."`; `None` for the function's name in `stats()`.
    pub name: Option<LitStr>,
}

/// Where the future every caller brings comes from.
pub(crate) enum BodyPlan<'a> {
    /// An `async fn`: its body goes into an `async move` block behind a fake
    /// return edge of this type (`impl Trait` erased to `_`).
    Async {
        body: &'a Body,
        fake_return: Type,
        form: AsyncForm,
    },
    /// A plain `fn`: its body goes into a `move` closure behind the same
    /// fake return edge, run on the calling thread.
    Blocking { body: &'a Body, fake_return: Type },
    /// A method `#[async_trait]` rewrote: its boxed `async` block is the
    /// future, and the new body boxes the coalesced call instead.
    AsyncTrait {
        inner_attrs: &'a [Attribute],
        parts: AsyncTraitBody,
    },
}

/// What an `async fn` becomes.
pub(crate) enum AsyncForm {
    /// `fn .. -> impl Future<Output = R>` returning the group's future, so
    /// the caller holds nothing more than that future. The body block takes
    /// `captures` even where it does not use them: they live until the call
    /// ends, as an `async fn`'s arguments do.
    Future { captures: Vec<Ident> },
    /// An `async fn` still, awaiting the group's future, which it holds
    /// along with the arguments (see `validate/form.rs` for when).
    AsyncFn,
}

/// The key: one element, or a tuple converted element by element.
pub(crate) struct Key {
    pub elements: Vec<Expr>,
    pub tuple: bool,
    pub span: SpanRange,
    /// Given with `key = ...`; otherwise every argument but `self`.
    pub named: bool,
}

pub(crate) enum GroupSource {
    /// `group = PATH`.
    User(Path),
    /// The function's own, in a `static` in its body.
    PerFunction,
}

/// The parts of a method `#[async_trait]` rewrote.
pub(crate) struct AsyncTraitBody {
    /// `R` of `Future<Output = R>`: what every caller receives.
    pub output: Type,
    /// The statements before `Box::pin(..)` (none, from async-trait today).
    pub prefix: Vec<Stmt>,
    /// The boxed `async move` block, already typed by async-trait.
    pub future: ExprAsync,
}
