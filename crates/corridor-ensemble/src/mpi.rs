//! Ensembles, and one large partitioned run, over MPI ranks (cargo feature `mpi`;
//! docs/design.md §8).
//!
//! # Ensembles
//!
//! Member `i` runs on rank `i % size`, with the same seed as in a single-process
//! run. Members go in batches of [`MEMBER_BATCH`]: each rank computes its members
//! of the batch (in parallel with rayon inside the rank), sends every compact
//! [`MemberResult`] to rank 0 in increasing member order, and rank 0 receives them
//! in member order and feeds the same accumulator as [`crate::run_ensemble`].
//! Because MPI keeps messages between two ranks with the same tag in order, and
//! every rank sends its members in increasing order, rank 0 always receives the
//! member it needs next: the statistics, hence the written files, are
//! byte-identical to the single-process run for any number of ranks.
//!
//! Deadlock freedom: non-root ranks only send, rank 0 only receives (and computes
//! its own members before receiving the batch), so no cycle of waits exists.
//! Failure: a rank whose member fails sends a failure message in place of that
//! member and returns the error; rank 0 returns it as well. The caller should
//! then `abort` the communicator, since other ranks may still be waiting.
//!
//! # One large run
//!
//! [`mpi_partitioned_run`] runs a single simulation with its agents split over
//! the ranks (agent `i` on rank `i % size`) through
//! [`corridor_model::engine::simulate_partitioned`]; [`MpiReduce`] is its
//! all-reduce (an element-wise `u64` sum, `MPI_Allreduce` with `MPI_SUM`) and,
//! for the border steps of scenarios with border processes, its all-gather
//! (`MPI_Allgather` of the lengths, then `MPI_Allgatherv` of the day's
//! candidates, concatenated in rank order). Every rank returns the same full
//! `RunOutput`, equal to the serial run's, so rank 0 can write the run
//! directory alone. Integer sums are exact and independent of the reduction
//! order, and the engine merges gathered candidates in agent-id order, which is
//! what makes the result independent of the number of ranks. A rank that fails
//! returns its error; the caller should `abort`, as the others may be blocked
//! in a collective call.

use crate::ensemble::{engine_name, run_members, EnsembleOptions, Simulator, MEMBER_BATCH};
use crate::error::EnsembleError;
use crate::member::{Accumulator, Ensemble, Labels, MemberContext, MemberResult};
use corridor_model::engine::{simulate_partitioned, Partition, Reduce};
use corridor_model::{simulate, RunOptions, RunOutput, Scenario};
use mpi::collective::SystemOperation;
use mpi::datatype::PartitionMut;
use mpi::traits::{Communicator, CommunicatorCollectives, Destination, Source};
use mpi::Count;

/// MPI tag of member messages.
const TAG_MEMBER: i32 = 0x0C0D;

/// First byte of a member message.
const OK: u8 = 0;
const FAILED: u8 = 1;

/// Runs an ensemble over the ranks of `comm`. Every rank must call it with the
/// same scenario and options. Returns `Some(ensemble)` on rank 0, `None` elsewhere.
pub fn mpi_ensemble<C: Communicator>(
    comm: &C,
    scenario: &Scenario,
    opts: &EnsembleOptions,
) -> Result<Option<Ensemble>, EnsembleError> {
    mpi_ensemble_with(comm, scenario, opts, &simulate)
}

/// [`mpi_ensemble`] with a given simulator (tests, alternative engines).
pub fn mpi_ensemble_with<C: Communicator>(
    comm: &C,
    scenario: &Scenario,
    opts: &EnsembleOptions,
    simulator: &Simulator,
) -> Result<Option<Ensemble>, EnsembleError> {
    opts.validate()?;
    let rank = comm.rank();
    let size = comm.size() as usize;
    let days = opts.run_days(scenario);
    let ctx = MemberContext::new(scenario, days);
    let mut acc = (rank == 0).then(|| Accumulator::new(Labels::new(scenario, days)));
    let root = comm.process_at_rank(0);
    let mut start = 0;
    while start < opts.runs {
        let end = (start + MEMBER_BATCH).min(opts.runs);
        let mine: Vec<usize> = (start..end).filter(|i| i % size == rank as usize).collect();
        let local = run_members(scenario, opts, &ctx, simulator, mine, &|| {});
        match &mut acc {
            None => {
                let results = match local {
                    Ok(r) => r,
                    Err(e) => {
                        let mut msg = vec![FAILED];
                        msg.extend_from_slice(e.to_string().as_bytes());
                        root.send_with_tag(&msg[..], TAG_MEMBER);
                        return Err(e);
                    }
                };
                for m in results {
                    let mut msg = vec![OK];
                    msg.extend_from_slice(&m.encode());
                    root.send_with_tag(&msg[..], TAG_MEMBER);
                }
            }
            Some(acc) => {
                let mut local = local?.into_iter();
                for i in start..end {
                    let src = (i % size) as i32;
                    let m = if src == 0 {
                        local.next().expect("rank 0 computed its members")
                    } else {
                        receive(comm, src)?
                    };
                    if m.member != i {
                        return Err(EnsembleError::Decode {
                            rank: src,
                            reason: format!("expected member {i}, got {}", m.member),
                        });
                    }
                    acc.push(m)?;
                }
            }
        }
        start = end;
    }
    match acc {
        Some(acc) => acc.finish(opts.seed, engine_name(opts.engine)).map(Some),
        None => Ok(None),
    }
}

fn receive<C: Communicator>(comm: &C, src: i32) -> Result<MemberResult, EnsembleError> {
    let (msg, _status) = comm
        .process_at_rank(src)
        .receive_vec_with_tag::<u8>(TAG_MEMBER);
    let decode = |reason: String| EnsembleError::Decode { rank: src, reason };
    match msg.split_first() {
        Some((&OK, body)) => MemberResult::decode(body).map_err(decode),
        Some((&FAILED, body)) => Err(EnsembleError::RankFailed {
            rank: src,
            message: String::from_utf8_lossy(body).into_owned(),
        }),
        _ => Err(decode("empty or unknown message".into())),
    }
}

/// [`Reduce`] over the ranks of an MPI communicator: `MPI_Allreduce` with
/// `MPI_SUM` on `u64`, and an all-gather of `u64` vectors of any lengths.
/// Every rank must make the same calls in the same order, [`Reduce::sum`] with
/// slices of the same length (the engine does).
pub struct MpiReduce<'a, C: Communicator> {
    comm: &'a C,
    /// Send buffer: MPI's in-place all-reduce is not exposed by the bindings, so
    /// `v` is copied here and the sum received back into `v`. Kept between calls
    /// to avoid an allocation per exchange.
    send: Vec<u64>,
}

impl<'a, C: Communicator> MpiReduce<'a, C> {
    pub fn new(comm: &'a C) -> Self {
        MpiReduce {
            comm,
            send: Vec::new(),
        }
    }
}

impl<C: Communicator> Reduce for MpiReduce<'_, C> {
    fn sum(&mut self, v: &mut [u64]) {
        self.send.clear();
        self.send.extend_from_slice(v);
        self.comm
            .all_reduce_into(&self.send[..], v, SystemOperation::sum());
    }

    fn gather(&mut self, v: &[u64]) -> Vec<u64> {
        let size = self.comm.size() as usize;
        // Lengths first, so that every rank can place every part.
        let mine = Count::try_from(v.len()).expect("a gather of fewer than 2^31 values");
        let mut counts: Vec<Count> = vec![0; size];
        self.comm.all_gather_into(&mine, &mut counts[..]);
        let displs: Vec<Count> = counts
            .iter()
            .scan(0 as Count, |at, &c| {
                let d = *at;
                *at += c;
                Some(d)
            })
            .collect();
        let total: usize = counts.iter().map(|&c| c as usize).sum();
        let mut all = vec![0u64; total];
        {
            let mut parts = PartitionMut::new(&mut all[..], &counts[..], &displs[..]);
            self.comm.all_gather_varcount_into(v, &mut parts);
        }
        all
    }
}

/// Runs one simulation with its agents partitioned over the ranks of `comm`
/// (rank `r` of `size` owns the agents whose id is `r` modulo `size`). Every rank
/// must call it with the same scenario and options; every rank returns the same
/// output, equal to `corridor_model::simulate(scenario, opts)`.
pub fn mpi_partitioned_run<C: Communicator>(
    comm: &C,
    scenario: &Scenario,
    opts: &RunOptions,
) -> Result<RunOutput, EnsembleError> {
    let partition = Partition {
        part: comm.rank() as u32,
        parts: comm.size() as u32,
    };
    let mut reduce = MpiReduce::new(comm);
    simulate_partitioned(scenario, opts, partition, &mut reduce).map_err(|source| {
        EnsembleError::Partitioned {
            rank: partition.part,
            ranks: partition.parts,
            seed: opts.seed,
            source,
        }
    })
}
