//! Operations building blocks of the gateway: when jobs run ([`schedule`]), how they retry
//! ([`retry`]), the scheduler that runs them ([`scheduler`]), and the file-drop transport
//! ([`filedrop`]). Nothing here knows the store or the formats; the gateway wires them.
#![forbid(unsafe_code)]

pub mod filedrop;
pub mod retry;
pub mod schedule;
pub mod scheduler;

pub use filedrop::{Claimed, FileDrop, FileDropError, RefusedEntry, safe_name};
pub use retry::{Attempt, RetryPolicy, RetryPolicyError, retry};
pub use schedule::{ON_CHANGE, ScheduleError, Trigger};
pub use scheduler::{
    Clock, Job, JobFuture, JobStatus, RunContext, RunOutcome, Scheduler, SchedulerHandle, Statuses,
    SystemClock, TokioClock,
};
