//! Requiring a bearer token on a gRPC service, and sending one from a client.

use std::{
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use http::{Request, Response, header::AUTHORIZATION};
use tonic::{Status, server::NamedService, service::Interceptor};
use tower::{Layer, Service};

use crate::Token;

/// The whole answer to a refused call: which of "missing", "malformed" or "wrong" it was would
/// only help someone guessing.
const REFUSAL: &str = "unauthenticated";

/// Wraps a service so that only calls carrying `authorization: Bearer <token>` with one of the
/// accepted tokens reach it; the others get UNAUTHENTICATED. With no accepted token every call
/// passes, which is how a server without configured tokens stays open.
#[derive(Clone, Debug)]
pub struct RequireToken<S> {
    inner: S,
    accepted: Arc<[Token]>,
}

impl<S> RequireToken<S> {
    pub fn new(inner: S, accepted: impl IntoIterator<Item = Token>) -> Self {
        RequireToken {
            inner,
            accepted: accepted.into_iter().collect(),
        }
    }

    /// Whether `request` may pass.
    fn admits<B>(&self, request: &Request<B>) -> bool {
        if self.accepted.is_empty() {
            return true;
        }
        let Some(presented) = request
            .headers()
            .get(AUTHORIZATION)
            .and_then(|value| bearer_secret(value.as_bytes()))
        else {
            return false;
        };
        // Every token is compared, so the time taken does not tell which one was close.
        self.accepted
            .iter()
            .fold(false, |admitted, token| token.matches(presented) | admitted)
    }
}

/// The secret of an `authorization` value of the bearer scheme (whose name is case-insensitive).
fn bearer_secret(value: &[u8]) -> Option<&[u8]> {
    const SCHEME: &[u8] = b"bearer ";
    let prefix = value.get(..SCHEME.len())?;
    prefix
        .eq_ignore_ascii_case(SCHEME)
        .then(|| value[SCHEME.len()..].trim_ascii())
}

impl<S: NamedService> NamedService for RequireToken<S> {
    const NAME: &'static str = S::NAME;
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for RequireToken<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    ResBody: Default + Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<ResBody>, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        if self.admits(&request) {
            Box::pin(self.inner.call(request))
        } else {
            let refused = Status::unauthenticated(REFUSAL).into_http::<ResBody>();
            Box::pin(std::future::ready(Ok(refused)))
        }
    }
}

/// `RequireToken` as a tower layer.
#[derive(Clone, Debug)]
pub struct RequireTokenLayer {
    accepted: Arc<[Token]>,
}

impl RequireTokenLayer {
    pub fn new(accepted: impl IntoIterator<Item = Token>) -> Self {
        RequireTokenLayer {
            accepted: accepted.into_iter().collect(),
        }
    }
}

impl<S> Layer<S> for RequireTokenLayer {
    type Service = RequireToken<S>;

    fn layer(&self, inner: S) -> RequireToken<S> {
        RequireToken {
            inner,
            accepted: Arc::clone(&self.accepted),
        }
    }
}

/// A client interceptor that sends the token, when there is one, with every call.
#[derive(Clone, Debug, Default)]
pub struct BearerInterceptor {
    token: Option<Token>,
}

impl BearerInterceptor {
    pub fn new(token: Option<Token>) -> Self {
        BearerInterceptor { token }
    }
}

impl Interceptor for BearerInterceptor {
    fn call(&mut self, mut request: tonic::Request<()>) -> Result<tonic::Request<()>, Status> {
        if let Some(token) = &self.token {
            request
                .metadata_mut()
                .insert("authorization", token.authorization_header().clone());
        }
        Ok(request)
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use super::*;

    #[derive(Clone)]
    struct Echo;

    impl Service<Request<()>> for Echo {
        type Response = Response<String>;
        type Error = Infallible;
        type Future = std::future::Ready<Result<Response<String>, Infallible>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, _: Request<()>) -> Self::Future {
            std::future::ready(Ok(Response::new("reached".to_string())))
        }
    }

    fn request(authorization: Option<&str>) -> Request<()> {
        let mut builder = Request::builder().uri("/newsline.v1.IngestService/IngestDocument");
        if let Some(value) = authorization {
            builder = builder.header(AUTHORIZATION, value);
        }
        builder.body(()).unwrap()
    }

    async fn outcome(service: &mut RequireToken<Echo>, authorization: Option<&str>) -> String {
        let response = service.call(request(authorization)).await.unwrap();
        match response.headers().get("grpc-status") {
            Some(code) => format!(
                "status {} {:?}",
                code.to_str().unwrap(),
                response.headers().get("grpc-message")
            ),
            None => response.into_body(),
        }
    }

    #[tokio::test]
    async fn only_an_accepted_bearer_token_passes() {
        let write = Token::parse("write-token", "a test").unwrap();
        let read = Token::parse("read-token", "a test").unwrap();
        let mut service = RequireToken::new(Echo, [write, read]);
        assert_eq!(
            outcome(&mut service, Some("Bearer write-token")).await,
            "reached"
        );
        assert_eq!(
            outcome(&mut service, Some("bearer read-token")).await,
            "reached"
        );
        let refused = r#"status 16 Some("unauthenticated")"#;
        for presented in [
            None,
            Some("Bearer wrong"),
            Some("Basic d3JpdGUtdG9rZW4="),
            Some("write-token"),
            Some("Bearer"),
            Some(""),
        ] {
            assert_eq!(
                outcome(&mut service, presented).await,
                refused,
                "{presented:?}"
            );
        }
    }

    #[tokio::test]
    async fn without_tokens_everything_passes() {
        let mut service = RequireToken::new(Echo, []);
        assert_eq!(outcome(&mut service, None).await, "reached");
        assert_eq!(
            outcome(&mut service, Some("Bearer anything")).await,
            "reached"
        );
    }

    #[test]
    fn the_interceptor_sends_the_token_or_nothing() {
        let token = Token::parse("abc", "a test").unwrap();
        let mut with = BearerInterceptor::new(Some(token));
        let sent = with.call(tonic::Request::new(())).unwrap();
        assert_eq!(
            sent.metadata()
                .get("authorization")
                .unwrap()
                .to_str()
                .unwrap(),
            "Bearer abc"
        );
        let mut without = BearerInterceptor::new(None);
        let sent = without.call(tonic::Request::new(())).unwrap();
        assert!(sent.metadata().get("authorization").is_none());
    }
}
