//! A real TLS handshake (rustls) with a certificate verifier that records instead of
//! rejecting, then the protocol inside the tunnel (a greeting, or an HTTP request): what
//! the certificate says (subject, issuer, SANs, validity, self-signed), the negotiated
//! version, cipher and ALPN, and findings (expired or self-signed certificate, TLS 1.0/1.1
//! still accepted, probed with a ClientHello of our own since rustls speaks only 1.2+).
//! A service that echoes our ClientHello fails the handshake: it is never called TLS.

use super::recognize::{recognize, Answer};
use crate::model::{Severity, Timestamp, TlsInfo};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{timeout_at, Instant};

/// Accepts every certificate: identification wants to see it, not to trust it.
#[derive(Debug)]
struct Recorder(Vec<SignatureScheme>);

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.clone()
    }
}

fn config(alpn: bool) -> Option<Arc<rustls::ClientConfig>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let schemes = provider
        .signature_verification_algorithms
        .supported_schemes();
    let mut c = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .ok()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Recorder(schemes)))
        .with_no_client_auth();
    if alpn {
        c.alpn_protocols = vec![b"http/1.1".to_vec()];
    }
    Some(Arc::new(c))
}

/// Ports whose TLS service is mail, where offering HTTP's ALPN would be odd.
fn mail_port(port: u16) -> bool {
    matches!(port, 465 | 993 | 995 | 587 | 25 | 143 | 110)
}

/// A distinguished name as RFC 2253 writes it (most specific first, `,` between
/// components, `\,` inside values): the form Recog's X.509 fingerprints match.
fn rfc2253(name: &x509_parser::x509::X509Name) -> String {
    let reg = x509_parser::objects::oid_registry();
    let mut rdns: Vec<String> = name
        .iter_rdn()
        .map(|rdn| {
            rdn.iter()
                .map(|a| {
                    let key = x509_parser::objects::oid2abbrev(a.attr_type(), reg)
                        .map(str::to_string)
                        .unwrap_or_else(|_| a.attr_type().to_id_string());
                    let value = a.as_str().unwrap_or("?").replace(',', "\\,");
                    format!("{key}={value}")
                })
                .collect::<Vec<_>>()
                .join("+")
        })
        .collect();
    rdns.reverse();
    rdns.join(",")
}

/// What the certificate says, into `info`.
pub fn describe_certificate(der: &[u8], now: Timestamp, info: &mut TlsInfo) {
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(der) else {
        return;
    };
    info.subject = Some(rfc2253(cert.subject()));
    info.issuer = Some(rfc2253(cert.issuer()));
    info.self_signed = cert.subject().as_raw() == cert.issuer().as_raw();
    let to_ts = |t: i64| Timestamp(u64::try_from(t).unwrap_or(0).saturating_mul(1000));
    let nb = cert.validity().not_before.timestamp();
    let na = cert.validity().not_after.timestamp();
    info.not_before = Some(to_ts(nb).rfc3339());
    info.not_after = Some(to_ts(na).rfc3339());
    info.expired = i128::from(na) < i128::from(now.unix_secs());
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for n in &san.value.general_names {
            match n {
                x509_parser::extensions::GeneralName::DNSName(d) => info.san.push(d.to_string()),
                x509_parser::extensions::GeneralName::IPAddress(b) => {
                    let ip = match b.len() {
                        4 => <[u8; 4]>::try_from(*b)
                            .ok()
                            .map(|a| std::net::IpAddr::from(a).to_string()),
                        16 => <[u8; 16]>::try_from(*b)
                            .ok()
                            .map(|a| std::net::IpAddr::from(a).to_string()),
                        _ => None,
                    };
                    info.san.extend(ip);
                }
                _ => {}
            }
            if info.san.len() >= 32 {
                break;
            }
        }
    }
}

/// Reads what arrives before `until` (or a short quiet spell after the first bytes), at
/// most `max` bytes.
pub(crate) async fn read_some<R: AsyncReadExt + Unpin>(
    r: &mut R,
    until: Instant,
    max: usize,
) -> Vec<u8> {
    let mut buf = vec![0u8; max];
    let mut got = 0;
    loop {
        let stop = if got == 0 {
            until
        } else {
            until.min(Instant::now() + Duration::from_millis(60))
        };
        match timeout_at(stop, r.read(&mut buf[got..])).await {
            Ok(Ok(n)) if n > 0 => {
                got += n;
                if got >= buf.len() {
                    break;
                }
            }
            _ => break,
        }
    }
    buf.truncate(got);
    buf
}

/// Handshakes with `addr` (SNI `host` when it is a name), then identifies the protocol
/// inside. `None` when the handshake fails: not TLS, or nothing we can speak.
pub async fn probe(addr: SocketAddr, host: &str, deadline: Instant) -> Option<Answer> {
    let port = addr.port();
    let cfg = config(!mail_port(port))?;
    let name = match host.trim_matches(['[', ']']).parse::<std::net::IpAddr>() {
        Ok(ip) => ServerName::IpAddress(ip.into()),
        Err(_) => ServerName::try_from(host.to_string()).ok()?,
    };
    let tcp = timeout_at(deadline, TcpStream::connect(addr))
        .await
        .ok()?
        .ok()?;
    let connector = tokio_rustls::TlsConnector::from(cfg);
    let mut tls = timeout_at(deadline, connector.connect(name, tcp))
        .await
        .ok()?
        .ok()?;
    let mut info = TlsInfo::default();
    {
        let (_, conn) = tls.get_ref();
        info.version = conn
            .protocol_version()
            .and_then(|v| v.as_str())
            .map(|v| v.replace("TLSv1_", "TLSv1."));
        info.cipher = conn
            .negotiated_cipher_suite()
            .and_then(|s| s.suite().as_str())
            .map(str::to_string);
        info.alpn = conn
            .alpn_protocol()
            .map(|p| String::from_utf8_lossy(p).to_string());
        if let Some(cert) = conn.peer_certificates().and_then(|c| c.first()) {
            describe_certificate(cert.as_ref(), Timestamp::now(), &mut info);
        }
    }
    // The protocol inside: a greeting first (mail), else an HTTP request.
    let quiet = deadline.min(Instant::now() + Duration::from_millis(250));
    let greeting = read_some(&mut tls, quiet, super::BANNER_MAX).await;
    let inner = if greeting.is_empty() {
        let req = format!(
            "GET / HTTP/1.0\r\nHost: {host}\r\nUser-Agent: portwarden\r\nAccept: */*\r\n\r\n"
        );
        match timeout_at(deadline, tls.write_all(req.as_bytes())).await {
            Ok(Ok(())) => {
                let data = read_some(&mut tls, deadline, super::BANNER_MAX).await;
                recognize("tls", port, &data).map(|a| (a, data))
            }
            _ => None,
        }
    } else {
        recognize("tls", port, &greeting).map(|a| (a, greeting))
    };
    let mut a = match inner {
        Some((mut a, _)) => {
            // Logins inside TLS are not cleartext.
            a.findings.retain(|f| f.id != "cleartext-login");
            a
        }
        None => Answer::new("ssl", "tls"),
    };
    a.identified.probe = "tls";
    // Appliances name themselves in their certificates (Recog's x509 fingerprints).
    if a.identified.product.is_none() {
        for (db, name) in [
            ("x509.subject", &info.subject),
            ("x509.issuer", &info.issuer),
        ] {
            if let Some(n) = name {
                if super::recognize::fingerprint(&mut a.identified, db, n) {
                    break;
                }
            }
        }
    }
    if a.identified.name != "ssl" {
        a.identified.tunnel = Some("ssl");
    }
    if info.expired {
        a = a.finding(
            "tls-cert-expired",
            Severity::Medium,
            format!(
                "the TLS certificate expired on {}",
                info.not_after.as_deref().unwrap_or("?")
            ),
        );
    }
    if info.self_signed {
        a = a.finding(
            "tls-cert-self-signed",
            Severity::Low,
            "the TLS certificate is self-signed: clients cannot verify the server".into(),
        );
    }
    a.identified.tls = Some(info);
    Some(a)
}

/// A ClientHello for TLS 1.0 (`0x0301`) or 1.1 (`0x0302`) only, with the CBC suites those
/// versions use.
pub fn legacy_hello(version: u16) -> Vec<u8> {
    let mut body = version.to_be_bytes().to_vec();
    body.extend((0u8..32).map(|i| i.wrapping_mul(41).wrapping_add(3)));
    body.push(0);
    let suites: [u16; 7] = [0xc013, 0xc014, 0xc009, 0xc00a, 0x002f, 0x0035, 0x000a];
    body.extend_from_slice(&((suites.len() * 2) as u16).to_be_bytes());
    for s in suites {
        body.extend_from_slice(&s.to_be_bytes());
    }
    body.extend_from_slice(&[0x01, 0x00]);
    let ext: [u8; 20] = [
        0x00, 0x0a, 0x00, 0x08, 0x00, 0x06, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18, // groups
        0x00, 0x0b, 0x00, 0x02, 0x01, 0x00, // point formats
        0xff, 0x01, // renegotiation_info …
    ];
    let mut e = ext.to_vec();
    e.extend_from_slice(&[0x00, 0x01, 0x00]);
    body.extend_from_slice(&(e.len() as u16).to_be_bytes());
    body.extend_from_slice(&e);
    let mut hs = vec![0x01];
    hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    hs.extend_from_slice(&body);
    let mut rec = vec![0x16, 0x03, 0x01];
    rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    rec.extend_from_slice(&hs);
    rec
}

/// Whether `reply` is a ServerHello agreeing to `version`.
pub fn accepts_version(reply: &[u8], version: u16) -> bool {
    reply.len() >= 11
        && reply[0] == 0x16
        && reply[5] == 0x02
        && u16::from_be_bytes([reply[9], reply[10]]) == version
}

/// The legacy versions (`TLSv1.0`, `TLSv1.1`) the server at `addr` still accepts.
pub async fn legacy_versions(addr: SocketAddr, deadline: Instant) -> Vec<&'static str> {
    let one = |v: u16| async move {
        let mut s = timeout_at(deadline, TcpStream::connect(addr))
            .await
            .ok()?
            .ok()?;
        timeout_at(deadline, s.write_all(&legacy_hello(v)))
            .await
            .ok()?
            .ok()?;
        let r = read_some(&mut s, deadline, 64).await;
        accepts_version(&r, v).then_some(v)
    };
    let (a, b) = tokio::join!(one(0x0301), one(0x0302));
    [(a, "TLSv1.0"), (b, "TLSv1.1")]
        .into_iter()
        .filter_map(|(r, n)| r.map(|_| n))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_hello_is_well_formed() {
        let h = legacy_hello(0x0301);
        assert_eq!(usize::from(u16::from_be_bytes([h[3], h[4]])), h.len() - 5);
        assert_eq!(&h[9..11], &[0x03, 0x01]);
        let sh = [0x16, 3, 1, 0, 50, 2, 0, 0, 46, 3, 1];
        assert!(accepts_version(&sh, 0x0301));
        assert!(!accepts_version(&sh, 0x0302));
        assert!(!accepts_version(&[0x15, 3, 1, 0, 2, 2, 70], 0x0301));
        assert!(
            !accepts_version(&h, 0x0301),
            "an echoed ClientHello is no ServerHello"
        );
    }

    #[test]
    fn certificate_names_in_rfc2253_order_match_recog() {
        use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair};
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CountryName, "US");
        dn.push(DnType::LocalityName, "Irvine");
        dn.push(DnType::OrganizationName, "Cisco Systems, Inc.");
        dn.push(DnType::OrganizationalUnitName, "RV042G");
        dn.push(DnType::CommonName, "74:a2:e6:5c:99:21");
        let mut params = CertificateParams::new(vec!["a.example".into()]).expect("params");
        params.distinguished_name = dn;
        let key = KeyPair::generate().expect("key");
        let cert = params.self_signed(&key).expect("cert");
        let mut info = TlsInfo::default();
        describe_certificate(cert.der(), Timestamp::now(), &mut info);
        let subject = info.subject.clone().expect("subject");
        assert_eq!(
            subject,
            "CN=74:a2:e6:5c:99:21,OU=RV042G,O=Cisco Systems\\, Inc.,L=Irvine,C=US"
        );
        assert!(info.self_signed && !info.expired);
        assert_eq!(info.san, vec!["a.example".to_string()]);
        let mut id = crate::model::Identified::default();
        assert!(super::super::recognize::fingerprint(
            &mut id,
            "x509.subject",
            &subject
        ));
        assert!(
            id.extrainfo
                .as_deref()
                .is_some_and(|x| x.contains("RV042G")),
            "{id:?}"
        );
    }

    #[test]
    fn garbage_certificate_is_ignored() {
        let mut info = TlsInfo::default();
        describe_certificate(b"not a certificate", Timestamp::now(), &mut info);
        assert_eq!(info, TlsInfo::default());
    }
}
