//! The `assetmap` command. Everything it does lives in the library ([`assetmap::cli`]).

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let serving = std::env::args().nth(1).is_some_and(|a| a == "serve");
    // Held to the end: dropping it writes out the log lines still queued.
    let _log = assetmap::telemetry::init(serving);
    let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
    assetmap::cli::run_args(std::env::args_os(), &mut out, &mut err).await
}
