//! One lock helper every part of the app shares, below all of them (the
//! state, the camera, the event watchers), so none needs another for it.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Takes a lock even if a command panicked while holding it: every step is
/// one SQLite transaction (rolled back when a panic unwinds through it), so
/// what the lock guards is never left half-changed, and one failed command
/// must not make every later one fail.
pub fn held<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    #[test]
    fn a_command_that_panics_holding_a_lock_does_not_fail_the_next() {
        let shared = Arc::new(Mutex::new(1));
        let poisoner = Arc::clone(&shared);
        let failed = std::thread::spawn(move || {
            let _guard = poisoner.lock();
            panic!("a command fails midway");
        })
        .join();
        assert!(failed.is_err() && shared.lock().is_err(), "the lock is poisoned");
        *super::held(&shared) += 1;
        assert_eq!(*super::held(&shared), 2, "the next command gets the lock");
    }
}
