//! Errors that are not `Clone`, shared anyway: one error behind an `Arc`
//! ([`SharedError`]), rebuilt into each caller's own error type
//! ([`ShareError`]).

use std::error::Error;
use std::fmt;
use std::io;
use std::sync::Arc;

/// One error shared by every caller of an execution, standing for the
/// error the body returned.
///
/// Its `Display` and `Debug` are the original's, and its [`source`] is the
/// original's source: the same text, and a chain of causes that are the
/// very same values (`downcast_ref` on them finds `std::io::Error`,
/// `sqlx::Error`, ...). The original itself is reached with
/// [`downcast_ref`](SharedError::downcast_ref), or [`find`](SharedError::find)
/// searches a whole chain, looking through shared errors.
///
/// A caller receives it inside its own error type, converted by
/// [`ShareError`]: `anyhow::Error` and `Box<dyn Error + Send + Sync>` wrap
/// it, `std::io::Error` keeps the original's kind, and your own error type
/// holds it in a variant:
///
/// ```
/// #[derive(Debug, thiserror::Error)]
/// enum RepoError {
///     #[error("user {0} not found")]
///     NotFound(u64),
///     #[error(transparent)]
///     Io(#[from] std::io::Error),
///     // The one line `#[coalesce]` needs: the error of a shared execution.
///     #[error(transparent)]
///     Shared(#[from] coalesce::SharedError),
/// }
///
/// // Matching sees through the shared error to the original.
/// fn is_not_found(error: &RepoError) -> bool {
///     match error {
///         RepoError::NotFound(_) => true,
///         RepoError::Shared(shared) => shared.downcast_ref().is_some_and(is_not_found),
///         RepoError::Io(_) => false,
///     }
/// }
///
/// // The shared form, as a caller under load receives it: built by hand,
/// // the arm that sees through it is tested without a stampede.
/// let received = RepoError::from(coalesce::SharedError::new(RepoError::NotFound(7)));
/// assert_eq!(received.to_string(), "user 7 not found");
/// assert!(is_not_found(&received));
/// ```
///
/// **Every caller gets `Shared`**: the leader too, and a caller that ran
/// alone, so code that matches on the error of a coalesced fn needs the arm
/// that looks through it, and a test of a single call already shows that.
///
/// [`source`]: Error::source
#[derive(Clone)]
pub struct SharedError(Arc<dyn Original>);

/// What a [`SharedError`] holds: the original error, boxed, or (with the
/// `anyhow` feature) the `anyhow::Error` itself, whose boxed form would hide
/// the original's type.
trait Original: Send + Sync {
    fn error(&self) -> &(dyn Error + Send + Sync + 'static);
}

impl Original for Box<dyn Error + Send + Sync + 'static> {
    fn error(&self) -> &(dyn Error + Send + Sync + 'static) {
        &**self
    }
}

#[cfg(feature = "anyhow")]
impl Original for anyhow::Error {
    fn error(&self) -> &(dyn Error + Send + Sync + 'static) {
        &**self
    }
}

impl SharedError {
    /// Shares `error`: any error type, or a `Box<dyn Error + Send + Sync>`.
    /// A `SharedError` given here is returned as it is, not nested.
    ///
    /// An `anyhow::Error` converts too, but its original error's type is
    /// then hidden from [`downcast_ref`](SharedError::downcast_ref) (its
    /// causes are not): with the `anyhow` feature, use
    /// [`from_anyhow`](SharedError::from_anyhow), as [`ShareError`] does.
    ///
    /// ```
    /// use std::io;
    /// use coalesce::SharedError;
    ///
    /// let shared = SharedError::new(io::Error::new(io::ErrorKind::TimedOut, "pool timed out"));
    /// let copy = shared.clone();
    /// assert!(SharedError::ptr_eq(&shared, &copy));
    /// assert!(copy.is::<io::Error>());
    /// assert_eq!(copy.get_ref().to_string(), "pool timed out");
    /// assert_eq!(copy.downcast_ref::<io::Error>().unwrap().kind(), io::ErrorKind::TimedOut);
    /// // Shared again, it stays the same shared error.
    /// assert!(SharedError::ptr_eq(&SharedError::new(copy), &shared));
    /// ```
    pub fn new(error: impl Into<Box<dyn Error + Send + Sync + 'static>>) -> Self {
        match error.into().downcast::<SharedError>() {
            Ok(shared) => *shared,
            Err(original) => Self(Arc::new(original)),
        }
    }

    /// Shares an `anyhow::Error`, keeping its original error's type
    /// reachable with [`downcast_ref`](SharedError::downcast_ref).
    /// (Example: [`new`](SharedError::new)'s, with an `anyhow::Error`.)
    #[cfg(feature = "anyhow")]
    #[cfg_attr(docsrs, doc(cfg(feature = "anyhow")))]
    #[must_use]
    pub fn from_anyhow(error: anyhow::Error) -> Self {
        match error.downcast::<SharedError>() {
            Ok(shared) => shared,
            Err(original) => Self(Arc::new(original)),
        }
    }

    /// The original error. (Example: [`new`](SharedError::new)'s.)
    #[must_use]
    pub fn get_ref(&self) -> &(dyn Error + Send + Sync + 'static) {
        self.0.error()
    }

    /// The original error, if it is an `E`. (Examples: the type's and
    /// [`new`](SharedError::new)'s.)
    #[must_use]
    pub fn downcast_ref<E: Error + 'static>(&self) -> Option<&E> {
        self.get_ref().downcast_ref()
    }

    /// Whether `this` and `other` stand for the same original error: the
    /// error of one execution, shared ([`Arc::ptr_eq`] on what they hold).
    /// (Example: [`new`](SharedError::new)'s.)
    #[must_use]
    pub fn ptr_eq(this: &Self, other: &Self) -> bool {
        Arc::ptr_eq(&this.0, &other.0)
    }

    /// Whether the original error is an `E`. (Example:
    /// [`new`](SharedError::new)'s.)
    #[must_use]
    pub fn is<E: Error + 'static>(&self) -> bool {
        self.get_ref().is::<E>()
    }

    /// The first `E` in `error`'s chain of sources, `error` included,
    /// looking through every [`SharedError`] (also one inside an
    /// `io::Error`) to the original it stands for.
    ///
    /// The same search as `chain().find_map(|e| e.downcast_ref())`, except
    /// that it also finds the original error of a shared execution, which a
    /// caller holds as a `SharedError`. Pass an `anyhow::Error` or a boxed
    /// error as `&*error`. A `#[error(transparent)]` variant of your own
    /// error hides the shared error from `source()`, so `find` cannot see
    /// through one: use [`downcast_ref`](SharedError::downcast_ref) in that
    /// variant's arm.
    ///
    /// ```
    /// use std::error::Error;
    /// use std::io;
    /// use coalesce::SharedError;
    ///
    /// let original = io::Error::from(io::ErrorKind::NotFound);
    /// let received: Box<dyn Error + Send + Sync> = SharedError::new(original).into();
    /// assert!(received.downcast_ref::<io::Error>().is_none());
    /// let io = SharedError::find::<io::Error>(&*received).unwrap();
    /// assert_eq!(io.kind(), io::ErrorKind::NotFound);
    /// ```
    #[must_use]
    pub fn find<'a, E: Error + 'static>(error: &'a (dyn Error + 'static)) -> Option<&'a E> {
        let mut link = Some(error);
        while let Some(error) = link {
            // The original first: an `io::Error` built around a shared one
            // is an `io::Error` too, but not the one that failed.
            if let Some(shared) = Self::inside(error) {
                if let Some(found) = Self::find(shared.get_ref()) {
                    return Some(found);
                }
            }
            if let Some(found) = error.downcast_ref::<E>() {
                return Some(found);
            }
            link = error.source();
        }
        None
    }

    /// The shared error `error` is, or holds: an `io::Error` built from one
    /// hands it out only through `get_ref`, as its `source` skips it.
    fn inside<'a>(error: &'a (dyn Error + 'static)) -> Option<&'a SharedError> {
        error.downcast_ref::<SharedError>().or_else(|| {
            let io = error.downcast_ref::<io::Error>()?;
            io.get_ref()?.downcast_ref::<SharedError>()
        })
    }
}

impl fmt::Display for SharedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.get_ref(), f)
    }
}

impl fmt::Debug for SharedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.get_ref(), f)
    }
}

impl Error for SharedError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.get_ref().source()
    }
}

/// The error of a shared execution as an `io::Error` of the original's kind
/// (`Other` unless the original is an `io::Error`), whose
/// [`get_ref`](io::Error::get_ref) is the [`SharedError`].
impl From<SharedError> for io::Error {
    fn from(shared: SharedError) -> Self {
        let kind = shared
            .downcast_ref::<io::Error>()
            .map_or(io::ErrorKind::Other, io::Error::kind);
        io::Error::new(kind, shared)
    }
}

/// An error type that every caller of a shared execution can receive though
/// it is not `Clone`: the original goes into a [`SharedError`], and each
/// caller gets its own value built around it.
///
/// Implemented for every error type that converts into a
/// `Box<dyn Error + Send + Sync>` and back from a [`SharedError`]:
/// - `anyhow::Error` (enable the `anyhow` feature to keep its original
///   error's type reachable with [`SharedError::downcast_ref`]);
/// - `Box<dyn std::error::Error + Send + Sync>`;
/// - `std::io::Error`;
/// - your own error type, once it has a `From<SharedError>`: with
///   thiserror, one variant `#[error(transparent)] Shared(#[from]
///   coalesce::SharedError)`.
///
/// What each caller receives for an `Err`, the leader and a caller that ran
/// alone too: `E::from` a [`SharedError`], with the original's text and
/// causes; the callers of one execution hold one `SharedError`. (Always, not
/// only under load: what a test of one call sees is what callers see in a
/// stampede.)
///
/// A bound for code generic over the error, as `Group::try_run` is:
///
/// ```
/// use coalesce::ShareError;
///
/// fn every_caller_gets<E: ShareError>(error: E) -> [E; 2] {
///     let shared = error.into_shared();
///     [E::from_shared(shared.clone()), E::from_shared(shared)]
/// }
///
/// let [a, b] = every_caller_gets(std::io::Error::other("disk full"));
/// assert_eq!((a.to_string(), b.to_string()), ("disk full".into(), "disk full".into()));
/// ```
pub trait ShareError: Sized {
    /// Moves the error behind an `Arc` to share it.
    fn into_shared(self) -> SharedError;

    /// Builds one caller's error around the shared one.
    fn from_shared(shared: SharedError) -> Self;
}

impl<E> ShareError for E
where
    E: Into<Box<dyn Error + Send + Sync + 'static>> + From<SharedError> + 'static,
{
    fn into_shared(self) -> SharedError {
        #[cfg(feature = "anyhow")]
        let self_ = match as_anyhow(self) {
            Ok(anyhow) => return SharedError::from_anyhow(anyhow),
            Err(other) => other,
        };
        #[cfg(not(feature = "anyhow"))]
        let self_ = self;
        SharedError::new(self_)
    }

    fn from_shared(shared: SharedError) -> Self {
        Self::from(shared)
    }
}

/// `error` as an `anyhow::Error` when it is one, else `error` back.
#[cfg(feature = "anyhow")]
fn as_anyhow<E: 'static>(error: E) -> Result<anyhow::Error, E> {
    use std::any::Any;
    let mut error = Some(error);
    let anyhow = (&mut error as &mut dyn Any).downcast_mut::<Option<anyhow::Error>>();
    match anyhow.and_then(Option::take) {
        Some(anyhow) => Ok(anyhow),
        None => Err(error.expect("taken only when it is an `anyhow::Error`")),
    }
}
