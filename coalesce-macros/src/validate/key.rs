//! The key: which arguments a key expression may name, what the default key
//! is, and how a tuple key is split for element-by-element conversion.

use quote::ToTokens;
use syn::visit::{self, Visit};
use syn::{Expr, FnArg, Ident, Pat, Path, Signature, Type};

use crate::errors::Errors;
use crate::plan::Key;
use crate::span::SpanRange;

/// The names the arguments bind, receiver excluded, in order.
pub(crate) fn argument_names(sig: &Signature) -> Vec<Ident> {
    let mut names = Vec::new();
    for input in &sig.inputs {
        if let FnArg::Typed(typed) = input {
            bindings(&typed.pat, &mut names);
        }
    }
    names
}

/// Without `key`: every argument; one argument is the key itself, none is `()`.
pub(crate) fn default_key(sig: &Signature, arguments: &[Ident]) -> Key {
    Key {
        elements: arguments
            .iter()
            .map(|ident| Expr::Verbatim(ident.to_token_stream()))
            .collect(),
        tuple: arguments.len() != 1,
        span: SpanRange::single(sig.paren_token.span.join()),
        named: false,
    }
}

/// The names a pattern binds, in order: the default key uses them all.
fn bindings(pat: &Pat, out: &mut Vec<Ident>) {
    struct Bindings<'a>(&'a mut Vec<Ident>);
    impl<'ast> Visit<'ast> for Bindings<'_> {
        fn visit_pat_ident(&mut self, pat: &'ast syn::PatIdent) {
            self.0.push(pat.ident.clone());
            visit::visit_pat_ident(self, pat);
        }
        // Paths in patterns (`Point { x, .. }`) name types, not bindings.
        fn visit_path(&mut self, _: &'ast Path) {}
        fn visit_type(&mut self, _: &'ast Type) {}
    }
    Bindings(out).visit_pat(pat);
}

/// Rejects a key that names something other than an argument or `self`.
///
/// Only lowercase single-segment paths are checked: constants (`MAX`),
/// functions called by name and everything inside closures and macros are
/// left to the compiler.
pub(crate) fn check_key_names(
    expr: &Expr,
    function: &Ident,
    arguments: &[Ident],
    receiver: bool,
    errors: &mut Errors,
) {
    Names {
        function,
        arguments,
        receiver,
        errors,
    }
    .visit_expr(expr);
}

/// Walks a key expression and reports every lowercase name that is not an
/// argument (and `self` in a function without a receiver).
struct Names<'a> {
    function: &'a Ident,
    arguments: &'a [Ident],
    receiver: bool,
    errors: &'a mut Errors,
}

impl Names<'_> {
    fn check_self(&mut self, ident: &Ident) {
        if !self.receiver {
            self.errors.push(
                ident.span(),
                format!(
                    "the key uses `self`, but `{}` has no `self` argument",
                    self.function
                ),
            );
        }
    }

    fn check_argument(&mut self, ident: &Ident) {
        let text = ident.to_string();
        let lowercase = text.starts_with(|c: char| c.is_lowercase() || c == '_');
        if !lowercase || self.arguments.contains(ident) {
            return;
        }
        let valid = self
            .arguments
            .iter()
            .map(|a| format!("`{a}`"))
            .chain(self.receiver.then(|| "`self`".to_owned()))
            .collect::<Vec<_>>();
        let valid = if valid.is_empty() {
            "it has none".to_owned()
        } else {
            valid.join(", ")
        };
        self.errors.push(
            ident.span(),
            format!(
                "the key uses `{ident}`, which is not an argument of `{}`; \
                 a key is an expression over the arguments: {valid}",
                self.function
            ),
        );
    }
}

impl<'ast> Visit<'ast> for Names<'_> {
    fn visit_expr_path(&mut self, path: &'ast syn::ExprPath) {
        let Some(ident) = path.path.get_ident() else {
            return;
        };
        if path.qself.is_some() {
            return;
        }
        if ident == "self" {
            self.check_self(ident);
        } else {
            self.check_argument(ident);
        }
    }

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        // `normalize(name)`: the callee is a function, not an argument.
        if !matches!(&*call.func, Expr::Path(_)) {
            self.visit_expr(&call.func);
        }
        for arg in &call.args {
            self.visit_expr(arg);
        }
    }

    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}

    fn visit_expr_block(&mut self, _: &'ast syn::ExprBlock) {}
}

/// `(a, b)` is converted element by element; anything else as one value.
pub(crate) fn split_key(expr: Expr, span: SpanRange) -> Key {
    match expr {
        Expr::Tuple(tuple) => Key {
            elements: tuple.elems.into_iter().collect(),
            tuple: true,
            span,
            named: true,
        },
        Expr::Paren(paren) => split_key(*paren.expr, span),
        expr => Key {
            elements: vec![expr],
            tuple: false,
            span,
            named: true,
        },
    }
}
