//! What the public may see of a listing, in one place: a confidential site is counted but never
//! located ([`confidential`]: its stand-in); a listing of an inactive or pending partner, or one
//! not verified for the deployment's hiding threshold, is hidden; one not verified within the
//! stale threshold is shown marked stale.

pub mod confidential;
