//! `corridor compare`: runs policy variants of one scenario side by side
//! (`corridor::compare`): by default each variant an ensemble of 20 members on the
//! count engine, so that each difference comes with its band (with `--runs 1`
//! a single run directory), then compare.json and report.html; prints the key
//! numbers and the paired differences from the first variant.

use crate::progress::{self, Progress};
use crate::warn::print_warnings;
use crate::GlobalOpts;
use anyhow::Result;
use clap::Args;
use corridor::run::OutputFormat;
use corridor::CompareRequest;
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  corridor compare                                  # every variant of the built-in scenario
  corridor compare examples/variants --out runs/cmp
  corridor compare scenarios/mexico-2023 --variants baseline,appointments-x2 --seed 3
  corridor compare examples/variants --runs 1 --engine agents   # one agent-based run each
  corridor compare examples/variants --format both   # each variant's tables as CSV and Parquet";

/// `--engine`'s help as compare words it: the shared one, plus that every
/// variant runs on the same engine.
const ENGINE_HELP: &str = "Which engine moves people: auto (the default) picks the count engine where it supports the input (border scenarios, Flee and DFlee instances) and the agent engine where it does not (e.g. more than 254 crossing points); every variant runs on the same engine";

#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
#[command(mut_arg("engine", |a| a.help(ENGINE_HELP)))]
pub struct CompareArgs {
    /// A scenario (scenario.toml, or a directory holding one) with [[variants]].
    /// Without it the built-in scenario is compared.
    pub input: Option<PathBuf>,
    /// Variants to run, comma-separated, in this order [default: all, in file order].
    #[arg(long, value_delimiter = ',', value_name = "A,B,..")]
    pub variants: Vec<String>,
    /// A variant in a file of its own (e.g. saved from `corridor serve`), added to
    /// the scenario's variants (and to --variants when that is given).
    #[arg(long, value_name = "FILE")]
    pub variant_file: Option<PathBuf>,
    /// Output directory [default: corridor-out/<scenario name>-compare].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Random seed shared by every variant [default: the scenario's `seed`, else 1].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Runs per variant (members, with the same seeds in every variant): with more
    /// than 1, each variant is an ensemble directory, compare.json carries
    /// {mean, sd, p5, p50, p95} per key number and each difference from the first
    /// variant its p5–p95 band.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    pub runs: u32,
    #[command(flatten)]
    pub work: crate::WorkloadArgs,
    /// The tables' format: csv, parquet (`<table>.parquet` instead of
    /// `<table>.csv`) or both; JSON files (compare.json too) are always JSON.
    #[arg(long, default_value = "csv", value_parser = OutputFormat::parse)]
    pub format: OutputFormat,
}

pub fn run(args: &CompareArgs, g: &GlobalOpts) -> Result<()> {
    let (input, file_variant) =
        crate::cmd_run::load_input(args.input.as_deref(), args.variant_file.as_deref(), None)?;
    print_warnings(&input.warnings, g.quiet);
    let mut variants = args.variants.clone();
    if let (Some(v), false) = (file_variant, variants.is_empty()) {
        variants.push(v);
    }
    args.work.check_memory(&input)?;
    let req = CompareRequest {
        variants: variants.clone(),
        seed: args.seed,
        runs: args.runs as usize,
        days: args.work.days,
        engine: args.work.engine.kind(),
        out: args.out.clone(),
        format: args.format,
    };
    let c = {
        let show = progress::enabled(g.no_progress, g.quiet);
        let n = if variants.is_empty() {
            input.variant_names().len()
        } else {
            variants.len()
        };
        let label = match args.runs {
            1 => format!("comparing {n} variants"),
            r => format!("comparing {n} variants, {r} runs each"),
        };
        let p = Progress::start(show, label, n);
        corridor::compare(&input, &req, &|| p.inc())?
    };
    for v in &c.variants {
        let tagged: Vec<String> = v
            .warnings
            .iter()
            .map(|w| format!("{}: {w}", v.name))
            .collect();
        print_warnings(&tagged, g.quiet);
    }
    if !g.quiet {
        crate::outln!("{}", c.wrote_line());
        print!("{}", c.table());
    }
    Ok(())
}
