//! Bearer tokens: read from a file or an environment variable, kept as a digest for checking and
//! as a sensitive header value for sending, never shown by `Debug`.

use std::{fmt, path::Path};

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tonic::metadata::{Ascii, MetadataValue};

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("cannot read the token file {path}: {source}")]
    Unreadable {
        path: String,
        source: std::io::Error,
    },
    #[error("the token from {origin} is empty")]
    Empty { origin: String },
    #[error(
        "the token from {origin} holds a character other than visible ASCII (spaces, control characters and non-ASCII letters cannot travel in an HTTP header)"
    )]
    NotHeaderSafe { origin: String },
    #[error("a token is given both by {first} and by {second}; give one")]
    Ambiguous { first: String, second: String },
}

/// A secret shared between a client and a server.
#[derive(Clone)]
pub struct Token {
    /// Comparing digests keeps the comparison constant-time in the length of the secret too.
    digest: [u8; 32],
    header: MetadataValue<Ascii>,
}

impl Token {
    /// A token from its text; surrounding whitespace (a file's final newline) is dropped.
    /// `origin` names where it came from in error messages, never the token itself.
    pub fn parse(text: &str, origin: &str) -> Result<Token, TokenError> {
        let secret = text.trim();
        if secret.is_empty() {
            return Err(TokenError::Empty {
                origin: origin.to_string(),
            });
        }
        if !secret.bytes().all(|byte| byte.is_ascii_graphic()) {
            return Err(TokenError::NotHeaderSafe {
                origin: origin.to_string(),
            });
        }
        let mut header = MetadataValue::try_from(format!("Bearer {secret}")).map_err(|_| {
            TokenError::NotHeaderSafe {
                origin: origin.to_string(),
            }
        })?;
        // Keeps it out of HPACK's dynamic table and out of hyper's debug output.
        header.set_sensitive(true);
        Ok(Token {
            digest: Sha256::digest(secret.as_bytes()).into(),
            header,
        })
    }

    /// The token held in a file.
    pub fn from_file(path: &Path) -> Result<Token, TokenError> {
        let text = std::fs::read_to_string(path).map_err(|source| TokenError::Unreadable {
            path: path.display().to_string(),
            source,
        })?;
        Token::parse(&text, &format!("the file {}", path.display()))
    }

    /// The token configured by a file flag or an environment variable holding the secret itself;
    /// `None` when neither is set. `env_name` is only used in messages.
    pub fn resolve(
        file: Option<&Path>,
        env_name: &str,
        env_value: Option<&str>,
    ) -> Result<Option<Token>, TokenError> {
        match (file, env_value) {
            (Some(path), Some(_)) => Err(TokenError::Ambiguous {
                first: format!("the file {}", path.display()),
                second: format!("the environment variable {env_name}"),
            }),
            (Some(path), None) => Token::from_file(path).map(Some),
            (None, Some(text)) => {
                Token::parse(text, &format!("the environment variable {env_name}")).map(Some)
            }
            (None, None) => Ok(None),
        }
    }

    /// `Bearer <token>`, marked sensitive.
    pub fn authorization_header(&self) -> &MetadataValue<Ascii> {
        &self.header
    }

    /// Whether `presented` is this token, in time independent of where they differ.
    pub fn matches(&self, presented: &[u8]) -> bool {
        let digest: [u8; 32] = Sha256::digest(presented).into();
        self.digest.ct_eq(&digest).into()
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_matches_itself_only() {
        let token = Token::parse("s3cret-token\n", "a test").unwrap();
        assert!(token.matches(b"s3cret-token"));
        assert!(!token.matches(b"s3cret-tokem"));
        assert!(!token.matches(b"s3cret-token "));
        assert!(!token.matches(b""));
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let token = Token::parse("hunter2", "a test").unwrap();
        let shown = format!("{token:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(token.authorization_header().is_sensitive());
    }

    #[test]
    fn empty_and_unsafe_tokens_are_refused_without_echoing_them() {
        assert!(matches!(
            Token::parse(" \n", "x"),
            Err(TokenError::Empty { .. })
        ));
        let err = Token::parse("two words", "the file t").unwrap_err();
        assert!(matches!(err, TokenError::NotHeaderSafe { .. }));
        assert!(!err.to_string().contains("two words"));
        assert!(Token::parse("naïve", "x").is_err());
    }

    #[test]
    fn resolve_takes_one_source() {
        assert!(Token::resolve(None, "T", None).unwrap().is_none());
        assert!(Token::resolve(None, "T", Some("abc")).unwrap().is_some());
        let dir = std::env::temp_dir().join(format!("newsline-token-{}", std::process::id()));
        std::fs::write(&dir, "from-file\n").unwrap();
        let token = Token::resolve(Some(&dir), "T", None).unwrap().unwrap();
        assert!(token.matches(b"from-file"));
        assert!(matches!(
            Token::resolve(Some(&dir), "T", Some("abc")),
            Err(TokenError::Ambiguous { .. })
        ));
        std::fs::remove_file(&dir).unwrap();
        assert!(matches!(
            Token::resolve(Some(&dir), "T", None),
            Err(TokenError::Unreadable { .. })
        ));
    }
}
