//! A real server on 127.0.0.1:0 and record builders shared by the integration tests.
#![allow(dead_code)]

use std::time::Duration;

use newsline_proto::v1::{
    self as pb, query_service_client::QueryServiceClient,
    record_sink_service_client::RecordSinkServiceClient,
};
use tokio::{sync::oneshot, task::JoinHandle};
use tonic::{Status, transport::Channel};

pub struct TestServer {
    pub addr: String,
    stop: Option<oneshot::Sender<()>>,
    handle: JoinHandle<anyhow::Result<()>>,
}

/// How long a server may take to start serving (a data folder may have a log to replay).
const STARTUP_PATIENCE: Duration = Duration::from_secs(60);

/// How long a stopping server may take (it may be finishing a compaction).
const STOP_PATIENCE: Duration = Duration::from_secs(30);

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(newsline_query::Config::default()).await
    }

    /// A server with these settings (a data folder, a compaction threshold, ...).
    pub async fn start_with(config: newsline_query::Config) -> Self {
        Self::try_start_with(config)
            .await
            .unwrap_or_else(|error| panic!("the server starts: {error:#}"))
    }

    /// A server with these settings, or the error it ended with before serving (a data folder it
    /// refuses to start from).
    pub async fn try_start_with(config: newsline_query::Config) -> anyhow::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let mut handle = tokio::spawn(newsline_query::run_with(config, listener, async {
            let _ = stopped.await;
        }));
        tokio::select! {
            ready = newsline_query::healthcheck::wait_until_serving(&addr, "", STARTUP_PATIENCE) => {
                ready?;
            }
            ended = &mut handle => {
                ended??;
                anyhow::bail!("the server ended without an error before serving");
            }
        }
        Ok(Self {
            addr,
            stop: Some(stop),
            handle,
        })
    }

    pub async fn query(&self) -> QueryServiceClient<Channel> {
        QueryServiceClient::connect(self.addr.clone())
            .await
            .unwrap()
    }

    pub async fn sink(&self) -> RecordSinkServiceClient<Channel> {
        RecordSinkServiceClient::connect(self.addr.clone())
            .await
            .unwrap()
    }

    /// Asks the server to stop and waits for it, failing the test if that takes long.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(STOP_PATIENCE, &mut self.handle)
            .await
            .expect("server stops promptly")
            .unwrap()
            .unwrap();
    }

    /// Publishes batches on one stream and returns the acknowledgements, then the error that
    /// ended the stream, if any.
    pub async fn publish(
        &self,
        batches: Vec<pb::PublishRequest>,
    ) -> (Vec<pb::PublishResponse>, Option<Status>) {
        let mut sink = self.sink().await;
        let mut responses = sink
            .publish(tokio_stream::iter(batches))
            .await
            .unwrap()
            .into_inner();
        let mut acks = Vec::new();
        loop {
            match responses.message().await {
                Ok(Some(ack)) => acks.push(ack),
                Ok(None) => return (acks, None),
                Err(status) => return (acks, Some(status)),
            }
        }
    }

    /// Publishes batches and insists that all are acknowledged.
    pub async fn publish_ok(&self, batches: Vec<pb::PublishRequest>) -> Vec<pb::PublishResponse> {
        let count = batches.len();
        let (acks, error) = self.publish(batches).await;
        assert!(error.is_none(), "publish failed: {error:?}");
        assert_eq!(acks.len(), count);
        acks
    }

    pub async fn timeline(
        &self,
        request: pb::StreamTimelineRequest,
    ) -> Result<Vec<pb::StreamTimelineResponse>, Status> {
        let mut stream = self
            .query()
            .await
            .stream_timeline(request)
            .await?
            .into_inner();
        let mut items = Vec::new();
        while let Some(item) = stream.message().await? {
            items.push(item);
        }
        Ok(items)
    }

    pub async fn timeline_ids(&self, filter: pb::TimelineFilter) -> Vec<String> {
        ids(&self
            .timeline(pb::StreamTimelineRequest {
                filter: Some(filter),
                ..Default::default()
            })
            .await
            .unwrap())
    }
}

pub fn ids(items: &[pb::StreamTimelineResponse]) -> Vec<String> {
    items
        .iter()
        .map(|i| i.event.as_ref().unwrap().id.clone())
        .collect()
}

pub fn date(year: i32, month: i32, day: i32) -> pb::CalendarDate {
    pb::CalendarDate { year, month, day }
}

pub fn event_id(n: u64) -> String {
    format!("event:{n:016x}")
}

pub fn article(id: &str, text: &str) -> pb::Article {
    pb::Article {
        id: id.into(),
        title: format!("Title of {id}"),
        series: "Belarus Foreign Policy Digest".into(),
        authors: vec!["Ryhor Astapenia".into()],
        sections: vec![pb::Section {
            heading: String::new(),
            paragraphs: vec![text.into()],
        }],
        published: Some(date(2015, 12, 1)),
        reference_year: 2015,
        reference_year_source: pb::YearSource::PublicationDate as i32,
        source_uri: format!("file:///{id}"),
        text: text.into(),
        entity_ids: Vec::new(),
    }
}

pub fn entity(id: &str, kind: pb::EntityKind, name: &str, aliases: &[&str]) -> pb::Entity {
    pb::Entity {
        id: id.into(),
        kind: kind as i32,
        name: name.into(),
        aliases: aliases.iter().map(|a| a.to_string()).collect(),
        roles: Vec::new(),
        country_code: String::new(),
    }
}

/// An event whose sentence is `sentence`, found in `text` (the article's text).
pub fn event(
    n: u64,
    article: &pb::Article,
    sentence: &str,
    kind: pb::EventKind,
    start: pb::CalendarDate,
    participants: &[&str],
    location: &str,
) -> pb::Event {
    let byte_start = article
        .text
        .find(sentence)
        .unwrap_or_else(|| panic!("`{sentence}` is in the article"));
    let start_cp = article.text[..byte_start].chars().count() as u32;
    pb::Event {
        id: event_id(n),
        article_id: article.id.clone(),
        kind: kind as i32,
        when: Some(pb::DateRange {
            start: Some(start),
            end: Some(start),
            year_inferred: false,
            year_source: pb::YearSource::Explicit as i32,
            text: String::new(),
        }),
        participants: participants
            .iter()
            .map(|id| pb::Participant {
                entity_id: id.to_string(),
                name: String::new(),
                role: pb::ParticipantRole::Party as i32,
            })
            .collect(),
        location_id: location.into(),
        sentence: sentence.into(),
        sentence_start: start_cp,
        sentence_end: start_cp + sentence.chars().count() as u32,
        amounts: Vec::new(),
        planned: false,
        location_name: String::new(),
    }
}

pub fn batch(
    sequence: u64,
    articles: Vec<pb::Article>,
    entities: Vec<pb::Entity>,
    events: Vec<pb::Event>,
) -> pb::PublishRequest {
    pb::PublishRequest {
        producer_id: "test-producer".into(),
        sequence,
        articles,
        entities,
        events,
    }
}

pub const LUKASHENKA: &str = "person:alexander-lukashenka";
pub const PUTIN: &str = "person:vladimir-putin";
pub const TRONG: &str = "person:nguyen-phu-trong";
pub const MINSK: &str = "city:minsk";
pub const BELARUS: &str = "country:BY";

pub const TEXT_A: &str = "Lukashenka met Putin in Minsk on 3 May 2015. \
Lukashenka visited Hanoi, where Nguyễn Phú Trọng received him. \
In 2014 Belarus and Russia signed a trade deal. \
Putin spoke about sanctions. \
On 18 November Lukashenka and Putin met again in Minsk.";

pub fn entities() -> Vec<pb::Entity> {
    use pb::EntityKind::*;
    vec![
        entity(
            LUKASHENKA,
            Person,
            "Alexander Lukashenka",
            &["Lukashenka", "Lukashenko"],
        ),
        entity(PUTIN, Person, "Vladimir Putin", &["Putin"]),
        entity(TRONG, Person, "Nguyễn Phú Trọng", &[]),
        entity(MINSK, City, "Minsk", &[]),
        entity(BELARUS, Country, "Belarus", &[]),
        entity("country:RU", Country, "Russia", &[]),
    ]
}

/// Five events of one article: 1 = 2015-05-03 meeting in Minsk, 2 = 2015-06 visit,
/// 3 = 2014 agreement, 4 = statement without a year, 5 = 2015-11-18 meeting in Minsk.
pub fn fixture_batch(sequence: u64) -> pb::PublishRequest {
    use pb::EventKind::*;
    let a = article("article:000000000000000a", TEXT_A);
    let events = vec![
        event(
            1,
            &a,
            "Lukashenka met Putin in Minsk on 3 May 2015.",
            Meeting,
            date(2015, 5, 3),
            &[LUKASHENKA, PUTIN],
            MINSK,
        ),
        event(
            2,
            &a,
            "Lukashenka visited Hanoi, where Nguyễn Phú Trọng received him.",
            Visit,
            date(2015, 6, 0),
            &[LUKASHENKA, TRONG],
            "",
        ),
        event(
            3,
            &a,
            "In 2014 Belarus and Russia signed a trade deal.",
            Agreement,
            date(2014, 0, 0),
            &[BELARUS, "country:RU"],
            "",
        ),
        event(
            4,
            &a,
            "Putin spoke about sanctions.",
            Statement,
            date(0, 11, 2),
            &[PUTIN],
            "",
        ),
        event(
            5,
            &a,
            "On 18 November Lukashenka and Putin met again in Minsk.",
            Meeting,
            date(2015, 11, 18),
            &[LUKASHENKA, PUTIN],
            MINSK,
        ),
    ];
    let mut article = a;
    article.entity_ids = vec![LUKASHENKA.into(), PUTIN.into(), MINSK.into()];
    batch(sequence, vec![article], entities(), events)
}
