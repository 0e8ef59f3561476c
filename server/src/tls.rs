//! rustls settings for tonic from PEM files.

use std::path::Path;

use tonic::transport::{Certificate, ClientTlsConfig, Identity, ServerTlsConfig};

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read the {what} {path}: {source}")]
    Unreadable {
        what: &'static str,
        path: String,
        source: std::io::Error,
    },
    #[error("the {what} {path} holds no PEM block")]
    NotPem { what: &'static str, path: String },
}

fn read_pem(what: &'static str, path: &Path) -> Result<Vec<u8>, TlsError> {
    let bytes = std::fs::read(path).map_err(|source| TlsError::Unreadable {
        what,
        path: path.display().to_string(),
        source,
    })?;
    // tonic would only say "invalid" at bind time; naming the file here is more useful.
    if !bytes.windows(11).any(|window| window == b"-----BEGIN ") {
        return Err(TlsError::NotPem {
            what,
            path: path.display().to_string(),
        });
    }
    Ok(bytes)
}

/// A server's TLS settings from its certificate chain and private key (PEM).
pub fn server_tls(cert: &Path, key: &Path) -> Result<ServerTlsConfig, TlsError> {
    let cert = read_pem("TLS certificate", cert)?;
    let key = read_pem("TLS private key", key)?;
    Ok(ServerTlsConfig::new().identity(Identity::from_pem(cert, key)))
}

/// A client's TLS settings trusting the certificate authority in `ca` (PEM); `domain` overrides
/// the name checked against the server's certificate (by default the host of the address).
pub fn client_tls(ca: &Path, domain: Option<&str>) -> Result<ClientTlsConfig, TlsError> {
    let ca = read_pem("TLS certificate authority", ca)?;
    let config = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(ca));
    Ok(match domain {
        Some(domain) => config.domain_name(domain),
        None => config,
    })
}
