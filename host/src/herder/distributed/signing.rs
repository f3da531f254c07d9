//! Signed internal requests (KIP-507): a worker posting task configs to the leader
//! signs the body with the session key the leader keeps in the config topic.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::DistributedHerder;
use crate::group::protocol::SubProtocol;
use crate::herder::{HerderError, RequestSignature};
use crate::util::lock;

/// The only signature algorithm this worker signs and verifies with.
pub const SIGNATURE_ALGORITHM: &str = "HmacSHA256";
pub(super) const SIGNATURE_HEADER: &str = "X-Connect-Authorization";
pub(super) const ALGORITHM_HEADER: &str = "X-Connect-Request-Signature-Algorithm";

type HmacSha256 = Hmac<Sha256>;

/// Base64 HMAC-SHA256 of `body` with `key`, as `X-Connect-Authorization` carries it.
pub fn sign(key: &[u8], body: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match HmacSha256::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

impl DistributedHerder {
    pub(super) fn verify_signature(
        &self,
        body: &[u8],
        signature: &RequestSignature,
    ) -> Result<(), HerderError> {
        if lock(&self.member).protocol != Some(SubProtocol::Sessioned) {
            return Ok(());
        }
        let (Some(mac), Some(algorithm)) = (&signature.signature, &signature.algorithm) else {
            return Err(HerderError::BadRequest(
                "Internal request missing required signature".into(),
            ));
        };
        if algorithm != SIGNATURE_ALGORITHM {
            return Err(HerderError::BadRequest(format!(
                "This worker does not support the '{algorithm}' key signing algorithm used by other workers. This worker is currently configured to use: [{SIGNATURE_ALGORITHM}]. Check that all workers' configuration files permit the same set of signature algorithms, and correct any misconfigured worker and restart it."
            )));
        }
        let mac = base64::engine::general_purpose::STANDARD
            .decode(mac)
            .map_err(|e| HerderError::BadRequest(format!("Illegal base64 signature: {e}")))?;
        let Some(key) = self.configs.snapshot().session_key else {
            return Err(HerderError::Unavailable(
                "This worker is still starting up and has not been able to read a session key from the config topic yet".into(),
            ));
        };
        let mut verifier = HmacSha256::new_from_slice(&key.key)
            .map_err(|e| HerderError::Internal(format!("bad session key: {e}")))?;
        verifier.update(body);
        verifier.verify_slice(&mac).map_err(|_| {
            HerderError::Forbidden("Internal request contained invalid signature.".into())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_base64_hmac_sha256() {
        // RFC 4231 test case 2.
        let signature = sign(b"Jefe", b"what do ya want for nothing?");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(signature)
            .expect("base64");
        assert_eq!(
            hex::encode(bytes),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
