use super::*;

#[test]
fn query_values_are_escaped() {
    assert_eq!(query_escape("abc-1._~"), "abc-1._~");
    assert_eq!(query_escape("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
}

#[test]
fn error_bodies_parse_or_fall_back_to_the_status() {
    let resp = RawResponse {
        status: http::StatusCode::CONFLICT,
        headers: Default::default(),
        body: Bytes::from_static(br#"{"error":"replay","message":"seen","retriable":false}"#),
    };
    let b = error_body(&resp);
    assert_eq!((b.error.as_str(), b.retriable), ("replay", false));
    let resp = RawResponse {
        status: http::StatusCode::BAD_GATEWAY,
        headers: Default::default(),
        body: Bytes::from_static(b"<html>proxy</html>"),
    };
    let b = error_body(&resp);
    assert_eq!((b.error.as_str(), b.retriable), ("http_502", true));
    assert!(b.message.contains("proxy"));
}

#[test]
fn certificate_alerts_are_permanent_and_the_rest_retriable() {
    let mut e = TransportError {
        stage: "http",
        message: "x".into(),
        server_rejected: None,
        alert: Some("CertificateRequired".into()),
    };
    assert!(e.is_permanent());
    e.alert = Some("BadCertificate".into());
    assert!(e.is_permanent());
    e.alert = None;
    assert!(!e.is_permanent());
    e.server_rejected = Some(crate::tls::PeerRejected::Unregistered {
        fingerprint: [0; 32],
    });
    assert!(e.is_permanent());
}
