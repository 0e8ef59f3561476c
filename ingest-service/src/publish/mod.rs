//! Delivery of record batches to the query service's `RecordSinkService/Publish`.
//!
//! One background task owns the spool and the bidirectional stream. A submitted batch is first
//! written to the spool (fsynced) and only then counts as accepted; it gets the next sequence
//! number of this producer, is sent with up to `max_in_flight` others, and is deleted from the
//! spool once the query service acknowledges its sequence number.
//!
//! Group commit: the fsyncs of a spool write cost far more than the records, so submissions that
//! arrive while the task is busy (writing the previous group, handling acknowledgements) are
//! merged into one group: one `PublishRequest` holding their records, one sequence number, one
//! spool file written on a blocking thread with one file fsync and one directory fsync. Every
//! submitter gets its answer (`Submitted`) once the group is durable and learns its delivery when
//! the group is acknowledged. A group is applied by the query service as a whole, with the same
//! effect as its documents' batches one after another (upserts in order), and a restart re-sends
//! it under its own sequence number, so the query service drops it if it had been applied. A group
//! the query service refuses as invalid is split back into its submissions, spooled again one by
//! one under new sequence numbers, so only the invalid one is refused (and set aside in the
//! spool's `rejected` folder). After a restart the boundaries inside a spooled group are no longer
//! known: a refused group read back from the spool is set aside whole. While the query service is
//! unavailable the task retries with exponential backoff and jitter; batches keep accumulating in
//! the spool and are re-sent, in order, when it is back, also after a restart of this process.
//!
//! Deadlines: connecting and opening the stream are bounded by `connect_timeout`, every batch in
//! flight must be acknowledged within `ack_timeout` (else the stream is considered dead and
//! reopened), and HTTP/2 keep-alive pings detect a silent peer. A whole-stream gRPC deadline would
//! cut a healthy long-lived stream, so the stream is instead closed after `idle_timeout` without
//! work, which also lets the query service shut down gracefully.

mod backoff;
mod classify;

use std::{
    collections::{BTreeMap, VecDeque},
    sync::Arc,
    time::Duration,
};

use newsline_proto::v1::{
    PublishRequest, PublishResponse, record_sink_service_client::RecordSinkServiceClient,
};
use newsline_server::{BearerInterceptor, Token};
use tokio::{
    sync::{mpsc, oneshot, watch},
    task::JoinHandle,
    time::{Instant, sleep_until, timeout},
};
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::transport::{Channel, ClientTlsConfig, Endpoint};

pub use backoff::Backoff;
pub use classify::Refusal;

use classify::Action;

use crate::spool::{Spool, SpoolError};

/// The largest message exchanged with the query service. A group stops growing at
/// `GROUP_MAX_BYTES` (a single document's records may exceed that, and documents are limited to a
/// few MiB), so this leaves ample room.
const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// The most submissions merged into one group: enough to amortise the fsyncs over a burst,
/// small enough that one group's acknowledgement does not wait on a huge apply.
const GROUP_MAX_SUBMISSIONS: usize = 128;
/// The most encoded bytes merged into one group (a single larger batch still forms its own
/// group): a group is never much larger than what one document may produce, so a query service
/// with a smaller message limit than the default takes groups as it took single documents.
const GROUP_MAX_BYTES: usize = 1024 * 1024;

#[derive(Clone, Debug)]
pub struct PublisherConfig {
    /// The query service, for example `http://127.0.0.1:50051`.
    pub query_addr: String,
    /// How many batches may await their acknowledgement at once.
    pub max_in_flight: usize,
    /// The longest wait for a connection and for the stream to open.
    pub connect_timeout: Duration,
    /// The longest wait for the acknowledgement of a batch in flight.
    pub ack_timeout: Duration,
    /// The first retry delay; it doubles up to `backoff_max`.
    pub backoff_initial: Duration,
    pub backoff_max: Duration,
    /// How long an open stream stays open without work.
    pub idle_timeout: Duration,
    /// The query service's write token, sent with every stream.
    pub token: Option<Token>,
    /// The setting the token came from, named when the query service refuses it.
    pub token_origin: Option<&'static str>,
    /// TLS for an `https://` query address.
    pub tls: Option<ClientTlsConfig>,
}

impl PublisherConfig {
    pub fn new(query_addr: impl Into<String>) -> Self {
        PublisherConfig {
            query_addr: query_addr.into(),
            max_in_flight: 8,
            connect_timeout: Duration::from_secs(3),
            ack_timeout: Duration::from_secs(30),
            backoff_initial: Duration::from_millis(100),
            backoff_max: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(2),
            token: None,
            token_origin: None,
            tls: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("the query service address {addr:?} is not a valid URI: {reason}")]
    InvalidAddress { addr: String, reason: String },
    #[error(transparent)]
    Spool(#[from] SpoolError),
    #[error("the TLS settings for {addr:?} are not usable: {reason}")]
    InvalidTls { addr: String, reason: String },
    #[error("the publisher has stopped (the service is shutting down)")]
    Stopped,
    #[error(
        "the document's records take {size} bytes, over the {limit} bytes one publish message may hold; split the document"
    )]
    BatchTooLarge { size: usize, limit: usize },
}

/// What became of a submitted batch by the time its submitter stopped waiting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// The query service applied it (or had applied it before).
    Acknowledged,
    /// The query service is unavailable; the batch waits in the spool and will be re-sent.
    Spooled,
    /// The query service refused it as invalid; it was moved to the spool's `rejected` folder.
    Rejected { reason: String },
}

/// A batch accepted into the spool.
#[derive(Debug)]
pub struct Submitted {
    pub sequence: u64,
    pub delivery: oneshot::Receiver<Delivery>,
}

/// A snapshot of the publisher's progress.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PublisherStatus {
    /// A stream to the query service is open.
    pub connected: bool,
    /// The last attempt failed and no batch has been acknowledged since.
    pub unavailable: bool,
    /// Batches in the spool awaiting acknowledgement.
    pub pending: usize,
    /// Batches acknowledged since start.
    pub acknowledged: u64,
    /// Batches rejected since start.
    pub rejected: u64,
    /// The query service refused this producer on the last attempt (a setting to fix, such as the
    /// token); the batches stay spooled and are retried, in case it is fixed on that side.
    pub refused: Option<Refusal>,
}

struct Submit {
    batch: PublishRequest,
    /// The batch's encoded length, known from the size check.
    size: usize,
    reply: oneshot::Sender<Result<Submitted, PublishError>>,
}

/// The handle to the publishing task; cheap to clone.
#[derive(Clone, Debug)]
pub struct Publisher {
    submissions: mpsc::Sender<Submit>,
    status: watch::Receiver<PublisherStatus>,
    producer_id: String,
}

impl Publisher {
    /// Starts the publishing task; it re-sends what the spool holds from an earlier run, and stops
    /// (keeping the spool) when `cancel` fires.
    pub fn start(
        spool: Arc<Spool>,
        config: PublisherConfig,
        cancel: CancellationToken,
    ) -> Result<(Publisher, JoinHandle<()>), PublishError> {
        let endpoint = endpoint(&config)?;
        let pending = spool.pending()?;
        let (submissions, submission_rx) = mpsc::channel(64);
        let (status_tx, status) = watch::channel(PublisherStatus {
            pending: pending.len(),
            ..Default::default()
        });
        let producer_id = spool.producer_id().to_string();
        if !pending.is_empty() {
            tracing::info!(batches = pending.len(), spool = %spool.dir().display(), "re-sending spooled batches");
        }
        let task = PublisherTask {
            backoff: Backoff::new(config.backoff_initial, config.backoff_max),
            queue: pending
                .into_iter()
                .map(|batch| (batch.sequence, Entry::new(batch)))
                .collect(),
            spool,
            endpoint,
            channel: None,
            config,
            status: status_tx,
            submissions: submission_rx,
            carried: None,
            cancel,
        };
        let handle = tokio::spawn(task.run());
        Ok((
            Publisher {
                submissions,
                status,
                producer_id,
            },
            handle,
        ))
    }

    pub fn producer_id(&self) -> &str {
        &self.producer_id
    }

    /// Stores the batch in the spool and queues it for delivery. The batch's `producer_id` and
    /// `sequence` are assigned here.
    pub async fn submit(&self, batch: PublishRequest) -> Result<Submitted, PublishError> {
        // The query service would refuse it every time; better said now than retried forever.
        let size = prost::Message::encoded_len(&batch);
        if size > MAX_MESSAGE_BYTES {
            return Err(PublishError::BatchTooLarge {
                size,
                limit: MAX_MESSAGE_BYTES,
            });
        }
        let (reply, answer) = oneshot::channel();
        self.submissions
            .send(Submit { batch, size, reply })
            .await
            .map_err(|_| PublishError::Stopped)?;
        answer.await.map_err(|_| PublishError::Stopped)?
    }

    pub fn status(&self) -> PublisherStatus {
        *self.status.borrow()
    }

    /// Waits until every spooled batch is acknowledged; returns the last status either way. Gives
    /// up early when the query service refuses this producer (`refused`), since waiting longer
    /// with the same settings cannot help.
    pub async fn flush(&self, within: Duration) -> Result<PublisherStatus, PublisherStatus> {
        let mut status = self.status.clone();
        let _ = timeout(
            within,
            status.wait_for(|s| s.pending == 0 || s.refused.is_some()),
        )
        .await;
        let last = *status.borrow();
        if last.pending == 0 {
            Ok(last)
        } else {
            Err(last)
        }
    }
}

fn endpoint(config: &PublisherConfig) -> Result<Endpoint, PublishError> {
    let invalid = |reason: String| PublishError::InvalidAddress {
        addr: config.query_addr.clone(),
        reason,
    };
    let endpoint =
        Endpoint::from_shared(config.query_addr.clone()).map_err(|err| invalid(err.to_string()))?;
    if endpoint.uri().scheme_str().is_none() || endpoint.uri().host().is_none() {
        return Err(invalid(
            "expected a scheme and a host, like http://127.0.0.1:50051".into(),
        ));
    }
    let endpoint = match (&config.tls, endpoint.uri().scheme_str()) {
        (Some(tls), Some("https")) => {
            endpoint
                .tls_config(tls.clone())
                .map_err(|err| PublishError::InvalidTls {
                    addr: config.query_addr.clone(),
                    reason: newsline_server::error_chain(&err),
                })?
        }
        (Some(_), _) => {
            return Err(invalid(
                "TLS settings are given, so the address must start with https://".into(),
            ));
        }
        (None, Some("https")) => {
            return Err(invalid(
                "an https:// address needs the certificate authority to trust (--query-ca)".into(),
            ));
        }
        (None, _) => endpoint,
    };
    Ok(endpoint
        .connect_timeout(config.connect_timeout)
        .tcp_nodelay(true)
        .http2_keep_alive_interval(Duration::from_secs(10))
        .keep_alive_timeout(Duration::from_secs(5)))
}

/// One submission inside a group: where its records are in the merged batch, and who waits.
struct Part {
    articles: usize,
    entities: usize,
    events: usize,
    /// `None` once told (or never asked, for a batch read back from the spool).
    waiter: Option<oneshot::Sender<Delivery>>,
}

impl Part {
    fn of(batch: &PublishRequest, waiter: Option<oneshot::Sender<Delivery>>) -> Self {
        Part {
            articles: batch.articles.len(),
            entities: batch.entities.len(),
            events: batch.events.len(),
            waiter,
        }
    }
}

struct Entry {
    batch: Arc<PublishRequest>,
    /// The submissions merged into the batch, in order; one part when it was not a group or is
    /// read back from the spool (after a restart the boundaries are unknown).
    parts: Vec<Part>,
}

impl Entry {
    fn new(batch: PublishRequest) -> Self {
        let part = Part::of(&batch, None);
        Entry {
            batch: Arc::new(batch),
            parts: vec![part],
        }
    }

    fn notify(&mut self, delivery: &Delivery) {
        for waiter in self.parts.iter_mut().filter_map(|part| part.waiter.take()) {
            let _ = waiter.send(delivery.clone());
        }
    }

    /// The batches of the parts, cut back out of the merged batch.
    fn split(&self) -> Vec<PublishRequest> {
        let (mut articles, mut entities, mut events) = (
            self.batch.articles.iter(),
            self.batch.entities.iter(),
            self.batch.events.iter(),
        );
        self.parts
            .iter()
            .map(|part| PublishRequest {
                articles: articles.by_ref().take(part.articles).cloned().collect(),
                entities: entities.by_ref().take(part.entities).cloned().collect(),
                events: events.by_ref().take(part.events).cloned().collect(),
                ..Default::default()
            })
            .collect()
    }
}

/// Why a stream ended.
enum SessionEnd {
    Cancelled,
    /// No work for a while, or the handles are gone: closed on purpose.
    Idle,
    Failed(String),
    /// The query service refuses this producer; the reason is the status it answered.
    Refused(Refusal, String),
}

struct PublisherTask {
    spool: Arc<Spool>,
    config: PublisherConfig,
    endpoint: Endpoint,
    channel: Option<Channel>,
    queue: BTreeMap<u64, Entry>,
    backoff: Backoff,
    status: watch::Sender<PublisherStatus>,
    submissions: mpsc::Receiver<Submit>,
    /// A submission received that did not fit in the last group; it opens the next one.
    carried: Option<Submit>,
    cancel: CancellationToken,
}

/// The next submission: the one carried over from a full group first, then the channel's.
/// Cancel-safe: a carried submission is taken and returned in the same poll.
async fn next_submission(
    carried: &mut Option<Submit>,
    submissions: &mut mpsc::Receiver<Submit>,
) -> Option<Submit> {
    if let Some(submit) = carried.take() {
        return Some(submit);
    }
    submissions.recv().await
}

/// Merges the records of a group's batches into one batch, in submission order.
fn merge(batches: impl IntoIterator<Item = PublishRequest>) -> PublishRequest {
    let mut merged = PublishRequest::default();
    for batch in batches {
        merged.articles.extend(batch.articles);
        merged.entities.extend(batch.entities);
        merged.events.extend(batch.events);
    }
    merged
}

impl PublisherTask {
    async fn run(mut self) {
        loop {
            if self.cancel.is_cancelled() {
                break;
            }
            if self.queue.is_empty() {
                // Nothing to deliver: wait for work without holding a connection.
                tokio::select! {
                    _ = self.cancel.cancelled() => break,
                    submit = next_submission(&mut self.carried, &mut self.submissions) => match submit {
                        Some(submit) => self.accept(submit).await,
                        None => break,
                    },
                }
                continue;
            }
            match self.session().await {
                SessionEnd::Cancelled => break,
                SessionEnd::Idle => {}
                SessionEnd::Failed(reason) => {
                    let delay = self.backoff.next_delay();
                    let pending = self.queue.len();
                    tracing::warn!(%reason, pending, retry_in_ms = delay.as_millis() as u64, query_addr = %self.config.query_addr, "query service unavailable; batches stay spooled");
                    if !self.retry_after(delay, None).await {
                        break;
                    }
                }
                SessionEnd::Refused(refusal, reason) => {
                    let delay = self.backoff.next_delay();
                    let pending = self.queue.len();
                    // Said once when it starts (or changes): it lasts until someone fixes a
                    // setting, and a line per retry would bury everything else.
                    if self.status.borrow().refused != Some(refusal) {
                        let hint = refusal.hint(&self.config);
                        tracing::error!(%reason, pending, query_addr = %self.config.query_addr, "the query service refuses this producer: {hint}; batches stay spooled and are retried");
                    } else {
                        tracing::debug!(%reason, pending, retry_in_ms = delay.as_millis() as u64, "still refused");
                    }
                    if !self.retry_after(delay, Some(refusal)).await {
                        break;
                    }
                }
            }
        }
        self.status.send_modify(|s| s.connected = false);
        tracing::debug!(
            pending = self.queue.len(),
            "publisher stopped; unacknowledged batches stay in the spool"
        );
    }

    /// Records a failed attempt (`refused` says whether the query service refused this
    /// producer), tells the waiting submitters their batches are spooled, and waits `delay`;
    /// false when cancelled.
    async fn retry_after(&mut self, delay: Duration, refused: Option<Refusal>) -> bool {
        self.channel = None;
        for entry in self.queue.values_mut() {
            entry.notify(&Delivery::Spooled);
        }
        self.status.send_modify(|s| {
            s.connected = false;
            s.unavailable = true;
            s.refused = refused;
        });
        self.wait_before_retry(delay).await
    }

    /// Sleeps for `delay` while still accepting submissions; false when cancelled.
    async fn wait_before_retry(&mut self, delay: Duration) -> bool {
        let until = Instant::now() + delay;
        loop {
            tokio::select! {
                _ = self.cancel.cancelled() => return false,
                _ = sleep_until(until) => return true,
                submit = next_submission(&mut self.carried, &mut self.submissions) => match submit {
                    Some(submit) => self.accept(submit).await,
                    // Nobody can submit any more, but what is spooled still has to go out.
                    None => {
                        tokio::select! {
                            _ = self.cancel.cancelled() => return false,
                            _ = sleep_until(until) => return true,
                        }
                    }
                },
            }
        }
    }

    /// Spools `first` together with the submissions already waiting, as one group, and queues it.
    async fn accept(&mut self, first: Submit) {
        let mut total = first.size;
        let mut group = vec![first];
        while group.len() < GROUP_MAX_SUBMISSIONS {
            let next = match self.carried.take() {
                Some(submit) => submit,
                None => match self.submissions.try_recv() {
                    Ok(submit) => submit,
                    Err(_) => break,
                },
            };
            if total + next.size > GROUP_MAX_BYTES {
                self.carried = Some(next);
                break;
            }
            total += next.size;
            group.push(next);
        }
        let unavailable = self.status.borrow().unavailable;
        let mut parts = Vec::with_capacity(group.len());
        let mut replies = Vec::with_capacity(group.len());
        let mut batches = Vec::with_capacity(group.len());
        for submit in group {
            let (waiter, delivery) = oneshot::channel();
            if unavailable {
                let _ = waiter.send(Delivery::Spooled);
                parts.push(Part::of(&submit.batch, None));
            } else {
                parts.push(Part::of(&submit.batch, Some(waiter)));
            }
            replies.push((submit.reply, delivery));
            batches.push(submit.batch);
        }
        let documents = replies.len();
        let spool = Arc::clone(&self.spool);
        // The fsyncs block; they run on a blocking thread, never on a runtime worker.
        let stored = tokio::task::spawn_blocking(move || spool.append(merge(batches)))
            .await
            .unwrap_or_else(|join| {
                Err(SpoolError::Io {
                    path: self.spool.dir().to_path_buf(),
                    source: std::io::Error::other(join.to_string()),
                })
            });
        let batch = match stored {
            Ok(batch) => batch,
            Err(err) => {
                tracing::error!(%err, documents, "cannot write to the spool");
                for (reply, _) in replies {
                    let _ = reply.send(Err(err.same_again().into()));
                }
                return;
            }
        };
        let sequence = batch.sequence;
        tracing::trace!(sequence, documents, bytes = total, "group spooled");
        let entry = Entry {
            batch: Arc::new(batch),
            parts,
        };
        self.queue.insert(sequence, entry);
        self.status.send_modify(|s| s.pending = self.queue.len());
        for (reply, delivery) in replies {
            let _ = reply.send(Ok(Submitted { sequence, delivery }));
        }
    }

    /// A refused group of several submissions is not refused whole: its parts are spooled again
    /// as batches of their own (new sequence numbers) and the group is deleted, so only the
    /// invalid part is refused on the next stream. The parts are durable before the group goes;
    /// a crash in between re-sends the group, which is refused again and was never applied, so
    /// nothing is applied twice. Returns false, changing nothing, when the entry is no group or
    /// its parts cannot be spooled.
    async fn split_refused_group(&mut self, sequence: u64) -> bool {
        let Some(entry) = self.queue.get(&sequence) else {
            return false;
        };
        if entry.parts.len() < 2 {
            return false;
        }
        let pieces = entry.split();
        let spool = Arc::clone(&self.spool);
        let stored = tokio::task::spawn_blocking(move || {
            let mut stored = Vec::with_capacity(pieces.len());
            for piece in pieces {
                match spool.append(piece) {
                    Ok(batch) => stored.push(batch),
                    Err(err) => {
                        // Undo, so the parts are not sent besides the group set aside whole.
                        for batch in &stored {
                            let _ = spool.remove(batch.sequence);
                        }
                        return Err(err);
                    }
                }
            }
            spool.remove(sequence)?;
            Ok::<_, SpoolError>(stored)
        })
        .await;
        let stored = match stored {
            Ok(Ok(stored)) => stored,
            Ok(Err(err)) => {
                tracing::error!(sequence, %err, "cannot split a refused group; it is set aside whole");
                return false;
            }
            Err(err) => {
                tracing::error!(sequence, %err, "cannot split a refused group; it is set aside whole");
                return false;
            }
        };
        let Some(group) = self.queue.remove(&sequence) else {
            return false;
        };
        tracing::warn!(
            sequence,
            parts = stored.len(),
            "the query service refused a group; its documents are re-sent one by one"
        );
        for (batch, part) in stored.into_iter().zip(group.parts) {
            let piece_sequence = batch.sequence;
            self.queue.insert(
                piece_sequence,
                Entry {
                    batch: Arc::new(batch),
                    parts: vec![part],
                },
            );
        }
        self.status.send_modify(|s| s.pending = self.queue.len());
        true
    }

    async fn connect(&mut self) -> Result<Channel, String> {
        if let Some(channel) = &self.channel {
            return Ok(channel.clone());
        }
        match timeout(self.config.connect_timeout, self.endpoint.connect()).await {
            Ok(Ok(channel)) => {
                self.channel = Some(channel.clone());
                Ok(channel)
            }
            Ok(Err(err)) => Err(format!(
                "cannot connect: {}",
                newsline_server::error_chain(&err)
            )),
            Err(_) => Err(format!(
                "cannot connect within {:?}",
                self.config.connect_timeout
            )),
        }
    }

    /// One `Publish` stream: sends the queue in order, keeps up to `max_in_flight` batches
    /// unacknowledged, and ends on failure, cancellation or idleness.
    async fn session(&mut self) -> SessionEnd {
        let cancel = self.cancel.clone();
        let channel = tokio::select! {
            _ = cancel.cancelled() => return SessionEnd::Cancelled,
            channel = self.connect() => match channel {
                Ok(channel) => channel,
                Err(reason) => return SessionEnd::Failed(reason),
            },
        };
        let interceptor = BearerInterceptor::new(self.config.token.clone());
        let mut client = RecordSinkServiceClient::with_interceptor(channel, interceptor)
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES);
        let window = self.config.max_in_flight.max(1);
        let (outbound, outbound_rx) = mpsc::channel::<PublishRequest>(window);
        let mut in_flight: VecDeque<(u64, Instant)> = VecDeque::new();
        // The first batches go out before the response headers are awaited, so a server that
        // answers only after the first message cannot deadlock us.
        self.fill_window(&outbound, &mut in_flight, window);
        let opened = tokio::select! {
            _ = self.cancel.cancelled() => return SessionEnd::Cancelled,
            opened = timeout(self.config.connect_timeout, client.publish(ReceiverStream::new(outbound_rx))) => opened,
        };
        let mut acks = match opened {
            Ok(Ok(response)) => response.into_inner(),
            Ok(Err(status)) => return self.stream_failed(status, &in_flight).await,
            Err(_) => {
                return SessionEnd::Failed(format!(
                    "the Publish stream did not open within {:?}",
                    self.config.connect_timeout
                ));
            }
        };
        self.status.send_modify(|s| s.connected = true);
        let mut idle_since = Instant::now();
        let mut submissions_open = true;
        loop {
            let ack_deadline = in_flight
                .front()
                .map(|(_, sent)| *sent + self.config.ack_timeout);
            let idle_deadline = idle_since + self.config.idle_timeout;
            tokio::select! {
                biased;
                _ = self.cancel.cancelled() => return SessionEnd::Cancelled,
                ack = acks.message() => match ack {
                    Ok(Some(ack)) => {
                        self.acknowledged(ack, &mut in_flight).await;
                        self.fill_window(&outbound, &mut in_flight, window);
                        idle_since = Instant::now();
                    }
                    Ok(None) => {
                        return if in_flight.is_empty() && self.queue.is_empty() {
                            SessionEnd::Idle
                        } else {
                            SessionEnd::Failed("the query service closed the Publish stream".into())
                        };
                    }
                    Err(status) => return self.stream_failed(status, &in_flight).await,
                },
                submit = next_submission(&mut self.carried, &mut self.submissions), if submissions_open => match submit {
                    Some(submit) => {
                        self.accept(submit).await;
                        self.fill_window(&outbound, &mut in_flight, window);
                        idle_since = Instant::now();
                    }
                    None => submissions_open = false,
                },
                _ = sleep_until(ack_deadline.unwrap_or(idle_deadline)), if ack_deadline.is_some() => {
                    return SessionEnd::Failed(format!(
                        "no acknowledgement within {:?}", self.config.ack_timeout
                    ));
                }
                _ = sleep_until(idle_deadline), if in_flight.is_empty() && self.queue.is_empty() => {
                    return SessionEnd::Idle;
                }
            }
        }
    }

    /// Sends queued batches that are not in flight yet, in sequence order, up to the window.
    fn fill_window(
        &self,
        outbound: &mpsc::Sender<PublishRequest>,
        in_flight: &mut VecDeque<(u64, Instant)>,
        window: usize,
    ) {
        let after = in_flight.back().map(|(sequence, _)| *sequence);
        let unsent = self
            .queue
            .iter()
            .filter(|(sequence, _)| after.is_none_or(|last| **sequence > last));
        for (sequence, entry) in unsent {
            if in_flight.len() >= window {
                break;
            }
            // The channel holds `window` messages, and at most `window` are unacknowledged.
            if outbound.try_send((*entry.batch).clone()).is_err() {
                break;
            }
            in_flight.push_back((*sequence, Instant::now()));
        }
    }

    async fn acknowledged(
        &mut self,
        ack: PublishResponse,
        in_flight: &mut VecDeque<(u64, Instant)>,
    ) {
        in_flight.retain(|(sequence, _)| *sequence != ack.sequence);
        let Some(mut entry) = self.queue.remove(&ack.sequence) else {
            tracing::warn!(
                sequence = ack.sequence,
                "acknowledgement for a batch that is not pending"
            );
            return;
        };
        let spool = Arc::clone(&self.spool);
        let sequence = ack.sequence;
        match tokio::task::spawn_blocking(move || spool.remove(sequence)).await {
            Ok(Ok(())) => {}
            // Harmless: the batch is re-sent after a restart and acknowledged as a duplicate.
            Ok(Err(err)) => tracing::warn!(%err, "cannot delete an acknowledged batch"),
            Err(err) => tracing::warn!(%err, "cannot delete an acknowledged batch"),
        }
        tracing::debug!(
            sequence,
            revision = ack.revision,
            duplicate = ack.duplicate,
            "batch acknowledged"
        );
        entry.notify(&Delivery::Acknowledged);
        self.backoff.reset();
        if self.status.borrow().refused.is_some() {
            tracing::info!(query_addr = %self.config.query_addr, "the query service accepts this producer again");
        }
        self.status.send_modify(|s| {
            s.pending = self.queue.len();
            s.acknowledged += 1;
            s.unavailable = false;
            s.refused = None;
        });
    }

    /// Handles an error status of the stream, as [`classify::action`] says. A rejection names
    /// the oldest batch in flight: acknowledgements come in order, so it is the one judged.
    async fn stream_failed(
        &mut self,
        status: tonic::Status,
        in_flight: &VecDeque<(u64, Instant)>,
    ) -> SessionEnd {
        match classify::action(status.code()) {
            Action::Reject => match in_flight.front() {
                Some((sequence, _)) => self.reject(*sequence, status.message()).await,
                // Refused before any batch went out: nothing to set aside, so it is retried.
                None => SessionEnd::Failed(format!(
                    "Publish failed with {:?} before any batch was sent: {}",
                    status.code(),
                    status.message()
                )),
            },
            Action::Refused(refusal) => SessionEnd::Refused(
                refusal,
                format!("{:?}: {}", status.code(), status.message()),
            ),
            Action::Retry => SessionEnd::Failed(format!(
                "Publish failed with {:?}: {}",
                status.code(),
                status.message()
            )),
        }
    }

    /// Sets the refused batch aside (or first splits a refused group into its documents), so that
    /// the batches behind it can go through.
    async fn reject(&mut self, sequence: u64, reason: &str) -> SessionEnd {
        if self.split_refused_group(sequence).await {
            self.status.send_modify(|s| s.connected = false);
            // Nothing was judged but the group: open a new stream at once.
            return SessionEnd::Idle;
        }
        let reason = reason.to_string();
        let spool = Arc::clone(&self.spool);
        let reason_for_file = reason.clone();
        let moved =
            tokio::task::spawn_blocking(move || spool.reject(sequence, &reason_for_file)).await;
        match moved {
            Ok(Ok(path)) => {
                tracing::error!(sequence, %reason, kept = %path.display(), "the query service rejected a batch")
            }
            Ok(Err(err)) => {
                tracing::error!(sequence, %reason, %err, "the query service rejected a batch, and it cannot be set aside")
            }
            Err(err) => {
                tracing::error!(sequence, %reason, %err, "the query service rejected a batch")
            }
        }
        if let Some(mut entry) = self.queue.remove(&sequence) {
            entry.notify(&Delivery::Rejected { reason });
        }
        self.status.send_modify(|s| {
            s.pending = self.queue.len();
            s.rejected += 1;
            s.connected = false;
        });
        // The rest was never judged: open a new stream at once.
        SessionEnd::Idle
    }
}

/// Waits up to `within` for `delivery`. The batch is in the spool already, so a wait that times
/// out, or a publisher that stops meanwhile, leaves it spooled for a later delivery.
pub async fn await_delivery(delivery: oneshot::Receiver<Delivery>, within: Duration) -> Delivery {
    match timeout(within, delivery).await {
        Ok(Ok(delivery)) => delivery,
        Ok(Err(_)) | Err(_) => Delivery::Spooled,
    }
}
