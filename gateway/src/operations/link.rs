//! The jobs' [`PartnerLink`] over the federation layer: pull and push jobs call the same runs
//! as the service's own pushers and pullers (`Federation::pull_changes_once`,
//! `pull_pfif_once`, `push_once`), which keep their cursors in the store in the same commit as
//! what they applied or sent, and serialise runs of one partner and direction.

use std::sync::Arc;

use homeward_schemas::Record;

use crate::federation::{Federation, SyncError};
use crate::jobs::config::Feed;
use crate::jobs::link::{LinkError, LinkFuture, PartnerLink, PullDone, PushDone};

/// Pull and push jobs through a gateway's federation layer.
#[derive(Debug, Clone)]
pub struct FederationLink {
    pub federation: Arc<Federation>,
}

fn link_error(e: SyncError) -> LinkError {
    let status = match &e {
        SyncError::Client(c) => c.status(),
        _ => None,
    };
    LinkError {
        retriable: e.is_transient(),
        status,
        message: e.to_string(),
    }
}

impl PartnerLink for FederationLink {
    fn pull_once<'a>(&'a self, partner: &'a str, feed: Feed) -> LinkFuture<'a, PullDone> {
        Box::pin(async move {
            let r = match feed {
                Feed::Changes => self.federation.pull_changes_once(partner).await,
                Feed::Pfif => self.federation.pull_pfif_once(partner).await,
            }
            .map_err(link_error)?;
            Ok(PullDone {
                pages: r.pages as u64,
                items: r.items as u64,
                accepted: (r.new + r.changed) as u64,
                unchanged: r.unchanged as u64,
                rejected: r.rejected as u64,
                cursor: r.cursor,
            })
        })
    }

    fn push_once<'a>(&'a self, partner: &'a str, max_changes: usize) -> LinkFuture<'a, PushDone> {
        Box::pin(async move {
            let r = self
                .federation
                .push_once(partner, max_changes)
                .await
                .map_err(link_error)?;
            Ok(PushDone {
                changes: r.changes as u64,
                items: r.items as u64,
                accepted: r.accepted as u64,
                unchanged: r.unchanged as u64,
                rejected: r.rejected as u64,
                exchange_id: r.exchange_id,
                cursor: r.cursor,
            })
        })
    }

    fn push_records<'a>(
        &'a self,
        partner: &'a str,
        records: Vec<Record>,
    ) -> LinkFuture<'a, PushDone> {
        Box::pin(async move {
            let (pushed, withheld) = self
                .federation
                .client
                .push_records(partner, &records, self.federation.backend.clone())
                .await
                .map_err(|e| link_error(SyncError::Client(e)))?;
            let mut done = PushDone {
                items: records.len().saturating_sub(withheld.len()) as u64,
                ..PushDone::default()
            };
            if let Some(p) = pushed {
                let b = &p.receipt.body;
                done.accepted = b.accepted() as u64;
                done.unchanged = b.unchanged() as u64;
                done.rejected = b.rejected() as u64;
                done.exchange_id = Some(p.exchange_id);
            }
            if let Some((id, why)) = withheld.first()
                && done.items == 0
            {
                return Err(LinkError::permanent(
                    None,
                    format!("the sharing policy withholds {id} from {partner}: {why}"),
                ));
            }
            Ok(done)
        })
    }

    fn push_consumer(&self, partner: &str) -> String {
        crate::federation::push::consumer_name(partner)
    }
}
