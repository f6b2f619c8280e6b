//! Errors of the simulation core. Input problems are caught by readers; what is
//! left here are scenario inconsistencies that only show while simulating.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum ModelError {
    /// The scenario breaks an invariant the readers should have established.
    #[error("invalid scenario: {0}")]
    InvalidScenario(String),
    /// People must be spawned but no location can receive them.
    #[error(
        "day {day}: {needed} people to spawn but no conflict zone has a positive spawn weight"
    )]
    NoSpawnLocation { day: u32, needed: u64 },
    /// The agent engine cannot hold the people a day creates: agent ids are
    /// 32-bit, and memory may run out before (a scale factor or a population of
    /// billions). The count engine has no such limit.
    #[error(
        "day {day}: the agent engine has no room for {more} more people ({agents} agents so far; at most {max} agents, fewer if memory runs out first): the count engine (--engine counts) keeps people as counts"
    )]
    TooManyAgents {
        day: u32,
        more: u64,
        agents: u64,
        max: u64,
    },
    /// The count engine numbers the people of caravans' pools with 32-bit
    /// ids (members are single people there, docs/model.md §14).
    #[error(
        "day {day}: caravan '{caravan}' recruits from {people} people, more than the count engine can number over a run (at most {max} in all caravans' pools): a smaller caravan or population"
    )]
    TooManyCaravanPeople {
        day: u32,
        caravan: String,
        people: u64,
        max: u64,
    },
}
