//! `corridor serve`: starts the what-if page for a scenario (default: the
//! built-in one) on 127.0.0.1 and prints its URL. Thin: loads the input, hands
//! it to `corridor_serve`, and warns when asked to listen beyond this machine.
//! Ctrl-C or SIGTERM stops it cleanly (exit 0, its work directory removed).

use crate::GlobalOpts;
use anyhow::Result;
use clap::Args;
use std::path::PathBuf;

const EXAMPLES: &str = "Examples:
  corridor serve                              # the built-in scenario on http://127.0.0.1:8080/
  corridor serve examples/variants --port 9000
  corridor serve --members 10                 # fewer members per answer: faster";

#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct ServeArgs {
    /// A scenario (scenario.toml, or a directory holding one) [default: the built-in scenario].
    pub input: Option<PathBuf>,
    /// Port to listen on (0 = any free port).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Address to listen on. Anything but 127.0.0.1 exposes the page to the network.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Members per answer unless the page asks for another number.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub members: u32,
    /// Most members a request may ask for.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub max_members: u32,
    /// Ensembles computed at once; further requests wait briefly, then get 503.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub workers: u32,
}

pub fn run(args: &ServeArgs, g: &GlobalOpts) -> Result<()> {
    let input = corridor::load(args.input.as_deref())?;
    if !g.quiet {
        for w in &input.warnings {
            eprintln!("warning: {w}");
        }
    }
    if args.host != "127.0.0.1" && args.host != "localhost" && args.host != "::1" {
        eprintln!(
            "warning: --host {}: the what-if page is reachable from other machines; it has no login",
            args.host
        );
    }
    let cfg = corridor_serve::Config {
        workers: args.workers as usize,
        max_members: args.max_members as usize,
        default_members: (args.members.min(args.max_members)) as usize,
        ..Default::default()
    };
    let app = corridor_serve::App::new(input, cfg)?;
    corridor_serve::serve_blocking(
        app,
        &args.host,
        args.port,
        |addr| println!("corridor serve: http://{addr}/  (Ctrl-C to stop)"),
        corridor_serve::stop_signal(),
    )?;
    if !g.quiet {
        eprintln!("corridor serve: stopped");
    }
    Ok(())
}
