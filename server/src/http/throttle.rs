//! Slowing floods at the doors anyone can knock on — sign-in, sign-up, password reset,
//! invitation acceptance, token creation — and bounding the password work they cause.
//!
//! - [`Throttle`]: a token bucket per client address and [`Action`] (the `governor` crate's
//!   keyed GCRA limiter). A client that cycles through new emails is slowed all the same; a
//!   refused request is answered 429 with `Retry-After` before any database or password work.
//!   The per-email backoff of sign-ins (in the database, so every instance counts together)
//!   stays as well. These buckets are per instance: behind a load balancer a client has one
//!   bucket on each.
//! - [`HashGate`]: at most a few argon2id computations (19 MiB each) at once, however many
//!   requests ask; the rest wait briefly in a short queue, or are answered 503 with
//!   `Retry-After`. So a flood of sign-ins from many addresses can neither take the memory nor
//!   both cores: searches and sheets, which never pass here, keep answering. The hashes run on
//!   threads of the gate's own, one per permit, each reusing one argon2 buffer
//!   ([`crate::accounts::secret`]), rather than on tokio's blocking pool: the memory allocator keeps a
//!   freed 19 MiB block in the arena of the thread that used it, and hashes spread over the
//!   blocking pool's changing threads left about 58 MiB in each of several arenas (403 MiB
//!   resident after a 30 s flood, measured; 79 MiB now).
//!
//! The client address comes from [`crate::http::client::ClientIp`] (the TCP peer, or behind trusted
//! proxies their `X-Forwarded-For` entry). IPv6 clients are counted per /64, the block one
//! subscriber usually holds, so that hopping through the addresses of one's own block does not
//! buy new buckets.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio::sync::Semaphore;

use crate::http::error::ApiError;

/// A kind of request limited per client address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// `POST /api/v1/auth/login`.
    SignIn,
    /// `POST /api/v1/signup` (each one lands in the admins' queue).
    SignUp,
    /// `POST /api/v1/auth/reset` (each one lands in the admins' queue).
    PasswordReset,
    /// `POST /api/v1/invitations/{token}/accept` (each one hashes a new password).
    AcceptInvitation,
    /// `POST /api/v1/tokens`.
    CreateToken,
}

impl Action {
    /// Every action, in the order of [`Throttle`]'s buckets.
    pub const ALL: [Self; 5] =
        [Self::SignIn, Self::SignUp, Self::PasswordReset, Self::AcceptInvitation, Self::CreateToken];

    /// How many at once (`burst`) and how often one more (`every`): a school's staff signing in
    /// together behind one address fit; a script trying passwords does not.
    pub fn quota(self) -> (u32, Duration) {
        let (burst, secs) = match self {
            // 20 at once, then 20 a minute.
            Self::SignIn => (20, 3),
            // 20 at once, then 20 an hour.
            Self::SignUp => (20, 180),
            // 10 at once, then 1 a minute.
            Self::PasswordReset => (10, 60),
            // 10 at once, then 2 a minute.
            Self::AcceptInvitation => (10, 30),
            // 20 at once, then 2 a minute.
            Self::CreateToken => (20, 30),
        };
        (burst, Duration::from_secs(secs))
    }

    fn index(self) -> usize {
        Self::ALL.iter().position(|a| *a == self).unwrap_or(0)
    }
}

/// The address a client is counted under: IPv4 as is, IPv6 by its /64.
fn bucket_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let mut seg = v6.segments();
            seg[4..].fill(0);
            IpAddr::V6(seg.into())
        }
        v4 => v4,
    }
}

/// One token bucket per client address and [`Action`].
#[derive(Debug)]
pub struct Throttle {
    buckets: Vec<DefaultKeyedRateLimiter<IpAddr>>,
}

impl Default for Throttle {
    fn default() -> Self {
        Self::new()
    }
}

impl Throttle {
    /// Buckets with each action's [`Action::quota`].
    pub fn new() -> Self {
        let buckets = Action::ALL
            .iter()
            .map(|a| {
                let (burst, every) = a.quota();
                let quota = Quota::with_period(every)
                    .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
                    .allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN));
                RateLimiter::keyed(quota)
            })
            .collect();
        Self { buckets }
    }

    /// Takes one request of `action` from `client`'s bucket; refused (429, with the seconds
    /// until the next one would pass) when it is empty.
    pub fn check(&self, action: Action, client: IpAddr) -> Result<(), ApiError> {
        let bucket = &self.buckets[action.index()];
        bucket.check_key(&bucket_key(client)).map_err(|not_until| {
            let wait = not_until.wait_time_from(bucket.clock().now());
            ApiError::RateLimited(wait.as_secs() + u64::from(wait.subsec_nanos() > 0))
        })
    }

    /// Forgets the buckets that are full again (a client not seen for a while), so that the
    /// addresses of a flood do not stay in memory.
    pub fn forget_idle(&self) {
        for b in &self.buckets {
            b.retain_recent();
            b.shrink_to_fit();
        }
    }

    /// How many client addresses are remembered, over all actions.
    pub fn remembered(&self) -> usize {
        self.buckets.iter().map(|b| b.len()).sum()
    }
}

/// At most a few password hashes at once.
#[derive(Debug)]
pub struct HashGate {
    permits: Arc<Semaphore>,
    /// Work for the gate's threads; never more than `permits` jobs at once.
    jobs: std::sync::mpsc::Sender<Job>,
    /// Requests waiting for a permit.
    waiting: AtomicUsize,
    /// More waiting than this: refused at once.
    max_waiting: usize,
    /// Waited this long without a permit: refused.
    max_wait: Duration,
}

/// A hash to compute on one of the gate's threads.
type Job = Box<dyn FnOnce() + Send>;

/// Counts a request out of the queue however its wait ends (a permit, a refusal, or the
/// client going away).
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl HashGate {
    /// A gate for `permits` hashes at once, with a queue of 16 per permit and a wait of at most
    /// 2 seconds (an argon2id check takes tens of milliseconds).
    pub fn new(permits: usize) -> Self {
        let permits = permits.max(1);
        let (jobs, inbox) = std::sync::mpsc::channel::<Job>();
        let inbox = Arc::new(std::sync::Mutex::new(inbox));
        for i in 0..permits {
            let inbox = inbox.clone();
            // Each thread ends when the gate (the sending side) is dropped.
            let spawned =
                std::thread::Builder::new().name(format!("assetmap-hash-{i}")).spawn(move || loop {
                    let job = match inbox.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    match job {
                        // A panicking hash (there should be none) costs its request, not the
                        // thread.
                        Ok(job) => drop(std::panic::catch_unwind(std::panic::AssertUnwindSafe(job))),
                        Err(_) => return,
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "could not start a password hashing thread");
            }
        }
        Self {
            permits: Arc::new(Semaphore::new(permits)),
            jobs,
            waiting: AtomicUsize::new(0),
            max_waiting: 16 * permits,
            max_wait: Duration::from_secs(2),
        }
    }

    /// Half the cores this process may use (at least one): the other half stays free for
    /// searches however many passwords are being tried.
    pub fn for_this_machine() -> Self {
        Self::new(std::thread::available_parallelism().map_or(1, |n| n.get() / 2))
    }

    /// Runs `hash` (argon2id work) on one of the gate's threads once a permit is free; 503 when
    /// the queue is full or the wait too long. The permit is held until the work ends, even if
    /// the request is dropped meanwhile.
    pub async fn run<T: Send + 'static>(
        &self,
        hash: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let busy = || ApiError::Busy(1);
        if self.waiting.fetch_add(1, Ordering::Relaxed) >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::Relaxed);
            return Err(busy());
        }
        let queued = Waiting(&self.waiting);
        let permit = tokio::time::timeout(self.max_wait, self.permits.clone().acquire_owned()).await;
        drop(queued);
        let permit = permit.map_err(|_| busy())?.map_err(|_| busy())?;
        let (done, answer) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(hash());
            drop(permit);
        });
        self.jobs
            .send(job)
            .map_err(|_| ApiError::Internal(anyhow::anyhow!("the hashing threads have ended")))?;
        answer.await.map_err(|_| ApiError::Internal(anyhow::anyhow!("a password hash did not finish")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_empties_and_says_how_long_to_wait() {
        let t = Throttle::new();
        let me: IpAddr = "203.0.113.9".parse().unwrap();
        let (burst, every) = Action::SignIn.quota();
        for _ in 0..burst {
            t.check(Action::SignIn, me).unwrap();
        }
        match t.check(Action::SignIn, me) {
            Err(ApiError::RateLimited(secs)) => assert!((1..=every.as_secs()).contains(&secs), "{secs}"),
            other => panic!("expected 429, got {other:?}"),
        }
        // Another action, and another address, have buckets of their own.
        t.check(Action::SignUp, me).unwrap();
        t.check(Action::SignIn, "203.0.113.10".parse().unwrap()).unwrap();
    }

    #[test]
    fn ipv6_clients_are_counted_per_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(bucket_key(a), bucket_key(b));
        assert_ne!(bucket_key(a), bucket_key(other));
        let mapped: IpAddr = "::ffff:203.0.113.9".parse().unwrap();
        assert_eq!(bucket_key(mapped), "203.0.113.9".parse::<IpAddr>().unwrap());
    }

    #[tokio::test]
    async fn the_gate_lets_no_more_than_its_permits_hash_at_once() {
        let gate = Arc::new(HashGate::new(2));
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..12)
            .map(|_| {
                let (gate, running, most) = (gate.clone(), running.clone(), most.clone());
                tokio::spawn(async move {
                    gate.run(move || {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(5));
                        running.fetch_sub(1, Ordering::SeqCst);
                    })
                    .await
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        assert!(most.load(Ordering::SeqCst) <= 2, "{most:?} at once");
    }

    #[tokio::test]
    async fn a_full_queue_is_refused_at_once() {
        let gate = HashGate::new(1);
        let held = gate.permits.clone().acquire_owned().await.unwrap();
        gate.waiting.store(gate.max_waiting, Ordering::Relaxed);
        assert!(matches!(gate.run(|| ()).await, Err(ApiError::Busy(_))));
        assert_eq!(gate.waiting.load(Ordering::Relaxed), gate.max_waiting, "the refused one left the count");
        drop(held);
    }
}
