//! What `validate` hands to `expand`: the checked options and signature.

use syn::{Expr, Path, Type};

use crate::item::Body;
use crate::span::SpanRange;

/// Everything `expand` needs, already checked.
pub(crate) struct Plan<'a> {
    pub krate: Path,
    pub key: Key,
    /// Where the in-flight map lives: the user's static, or a hidden per-fn map.
    pub group: GroupSource,
    /// The return type for the fake return edge, `impl Trait` erased to `_`.
    pub fake_return: Type,
    /// Where errors about the output's bounds point: the return type, or the
    /// function's name when there is none.
    pub output_span: SpanRange,
    pub body: &'a Body,
    /// `detached`: the flight owns the body; otherwise a dropped leader
    /// hands off to a follower.
    pub detached: bool,
}

/// The key: one element, or a tuple converted element by element.
pub(crate) struct Key {
    pub elements: Vec<Expr>,
    pub tuple: bool,
    pub span: SpanRange,
}

pub(crate) enum GroupSource {
    /// `group = PATH`.
    User(Path),
    /// The function's own, in a `static` in its body.
    PerFunction,
}
