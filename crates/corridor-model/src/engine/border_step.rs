//! Extension point for the border processes (DESIGN §3.2). Runs once a day, after
//! the travel pass (and camps as sinks), before the day is recorded.
//!
//! It is a no-op while `Scenario::border` is empty (every Flee instance). The
//! border helper fills it in; what it may do and must keep:
//! * change agent states through [`BorderStep::agents`]: e.g. agents `AtLocation`
//!   at a port location become `Queued` (their `loc` stays the port); queued agents
//!   become `Exited(Admitted)`; agents at a border city become
//!   `Exited(Encountered)`; agents `OnLink` on a link with a checkpoint become
//!   `InTransit` with `loc` = the relocation target (and may reuse `dist` as a
//!   countdown of days), and `AtLocation` again when they arrive;
//! * keep [`BorderStep::tally`] equal to a recount of the agent states (move one
//!   count per state change), since the day record's population, on-link and
//!   queue columns and the accounting are taken from it afterwards, and the next
//!   decision pass uses it for capacity;
//! * fill the other border vectors of the day's record (sheltered, unsheltered,
//!   admitted, encountered, intercepted per location; `ports`, `checkpoints`);
//! * draw only from `rng::stream(seed, Purpose::Border, day, entity)` with an
//!   entity that does not depend on scheduling (agent id, port index, ...).
//!
//! Ports already stop multi-hop travel for the day (`Places::halt`), so an agent
//! that reaches a port is at it when this step runs.

use super::agents::Agents;
use super::network::Network;
use super::passes::Tally;
use super::places::Places;
use crate::record::DayRecord;
use crate::scenario::Scenario;

/// What the border step can see and change.
pub(crate) struct BorderStep<'a> {
    pub scenario: &'a Scenario,
    pub day: u32,
    pub seed: u64,
    pub net: &'a Network,
    pub places: &'a mut Places,
    pub agents: &'a mut Agents,
    pub tally: &'a mut Tally,
    pub record: &'a mut DayRecord,
}

impl BorderStep<'_> {
    pub(crate) fn run(self) {
        if self.scenario.border.is_empty() {
            return;
        }
        // Border processes are added here (see the module documentation).
        let _ = (
            self.day,
            self.seed,
            self.net,
            self.places,
            self.agents,
            self.tally,
            self.record,
        );
    }
}
