//! Just enough DER to write and read the public and private key envelopes aws-lc-rs does not
//! produce itself (ML-KEM's SubjectPublicKeyInfo and PKCS#8, RFC 9935) and to look inside a
//! peer's SubjectPublicKeyInfo before handing it on.
//!
//! The reader is strict: definite short or long lengths in minimal form, no trailing bytes.
//! Everything here is a pure function over bytes.

use zeroize::Zeroizing;

use crate::CryptoError;

pub(crate) const SEQUENCE: u8 = 0x30;
pub(crate) const INTEGER: u8 = 0x02;
pub(crate) const BIT_STRING: u8 = 0x03;
pub(crate) const OCTET_STRING: u8 = 0x04;
pub(crate) const OID: u8 = 0x06;
/// `[0] IMPLICIT OCTET STRING`, primitive: the seed choice of an ML-KEM private key.
pub(crate) const CONTEXT_0: u8 = 0x80;

/// Content octets of the object identifiers Trent writes or checks.
pub(crate) mod oid {
    /// id-ecPublicKey, 1.2.840.10045.2.1.
    pub const EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
    /// The named curves of KEY_AGREEMENT keys: secp256r1 (1.2.840.10045.3.1.7), secp384r1
    /// (1.3.132.0.34), secp521r1 (1.3.132.0.35).
    pub const P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    pub const P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
    pub const P521: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x23];
    /// SM2's curve, 1.2.156.10197.1.301.
    pub const SM2_CURVE: &[u8] = &[0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d];
    /// id-alg-ml-kem-512, 2.16.840.1.101.3.4.4.1 (and -768 ...2, -1024 ...3).
    pub const ML_KEM_512: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x04, 0x01];
    pub const ML_KEM_768: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x04, 0x02];
    pub const ML_KEM_1024: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x04, 0x03];
}

/// Appends one TLV.
pub(crate) fn write_tlv(out: &mut Vec<u8>, tag: u8, content: &[u8]) {
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    write_tlv(&mut out, tag, content);
    out
}

/// `SubjectPublicKeyInfo { AlgorithmIdentifier { oid }, BIT STRING key }` with absent
/// parameters, as RFC 9935 specifies for ML-KEM.
pub(crate) fn spki(algorithm_oid: &[u8], key: &[u8]) -> Vec<u8> {
    let algorithm = tlv(SEQUENCE, &tlv(OID, algorithm_oid));
    let mut bits = Vec::with_capacity(key.len() + 1);
    bits.push(0); // no unused bits
    bits.extend_from_slice(key);
    let mut body = algorithm;
    write_tlv(&mut body, BIT_STRING, &bits);
    tlv(SEQUENCE, &body)
}

/// PKCS#8 `OneAsymmetricKey { 0, AlgorithmIdentifier { oid }, OCTET STRING { [0] seed } }`:
/// the seed form of an ML-KEM private key (RFC 9935 §6), which every implementation that
/// reads ML-KEM PKCS#8 accepts.
pub(crate) fn pkcs8_seed(algorithm_oid: &[u8], seed: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut inner = Zeroizing::new(Vec::with_capacity(seed.len() + 2));
    write_tlv(&mut inner, CONTEXT_0, seed);
    let mut body = Zeroizing::new(Vec::with_capacity(inner.len() + 24));
    write_tlv(&mut body, INTEGER, &[0]);
    write_tlv(&mut body, SEQUENCE, &tlv(OID, algorithm_oid));
    write_tlv(&mut body, OCTET_STRING, &inner);
    let mut out = Zeroizing::new(Vec::with_capacity(body.len() + 4));
    write_tlv(&mut out, SEQUENCE, &body);
    out
}

/// A cursor over DER.
pub(crate) struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    pub(crate) fn new(input: &'a [u8]) -> Self {
        Self(input)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Reads one TLV with the given tag and returns its content.
    pub(crate) fn read(&mut self, tag: u8) -> Result<&'a [u8], CryptoError> {
        let (&t, rest) = self.0.split_first().ok_or(CryptoError)?;
        if t != tag {
            return Err(CryptoError);
        }
        let (&first, mut rest) = rest.split_first().ok_or(CryptoError)?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 || rest.len() < n {
                return Err(CryptoError);
            }
            let (len_bytes, after) = rest.split_at(n);
            rest = after;
            let len = len_bytes
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            // Minimal encoding: no leading zero byte, and no long form for short lengths.
            if len_bytes[0] == 0 || len < 0x80 {
                return Err(CryptoError);
            }
            len
        };
        if rest.len() < len {
            return Err(CryptoError);
        }
        let (content, after) = rest.split_at(len);
        self.0 = after;
        Ok(content)
    }

    /// Reads the next TLV whole (tag, length and content), whatever its tag.
    pub(crate) fn read_any(&mut self) -> Result<&'a [u8], CryptoError> {
        let start = self.0;
        let &tag = start.first().ok_or(CryptoError)?;
        self.read(tag)?;
        Ok(&start[..start.len() - self.0.len()])
    }

    /// Fails unless everything was read.
    pub(crate) fn finish(self) -> Result<(), CryptoError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(CryptoError)
        }
    }
}

/// The parts of a SubjectPublicKeyInfo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Spki<'a> {
    /// Content octets of the algorithm OID.
    pub algorithm: &'a [u8],
    /// The algorithm parameters as a whole TLV, if present.
    pub parameters: Option<&'a [u8]>,
    /// The public key bits (a whole number of bytes).
    pub key: &'a [u8],
}

/// Splits a SubjectPublicKeyInfo; fails on anything but exactly one well-formed SPKI.
pub(crate) fn parse_spki(der: &[u8]) -> Result<Spki<'_>, CryptoError> {
    let mut outer = Reader::new(der);
    let mut body = Reader::new(outer.read(SEQUENCE)?);
    outer.finish()?;
    let mut algorithm_id = Reader::new(body.read(SEQUENCE)?);
    let algorithm = algorithm_id.read(OID)?;
    let parameters = if algorithm_id.is_empty() {
        None
    } else {
        Some(algorithm_id.read_any()?)
    };
    algorithm_id.finish()?;
    let bits = body.read(BIT_STRING)?;
    body.finish()?;
    let (&unused, key) = bits.split_first().ok_or(CryptoError)?;
    if unused != 0 {
        return Err(CryptoError);
    }
    Ok(Spki {
        algorithm,
        parameters,
        key,
    })
}

/// The algorithm OID and the private key octets of a PKCS#8 (v1 or v2) private key.
pub(crate) fn parse_pkcs8(der: &[u8]) -> Result<(&[u8], &[u8]), CryptoError> {
    let mut outer = Reader::new(der);
    let mut body = Reader::new(outer.read(SEQUENCE)?);
    outer.finish()?;
    let version = body.read(INTEGER)?;
    if version != [0] && version != [1] {
        return Err(CryptoError);
    }
    let mut algorithm_id = Reader::new(body.read(SEQUENCE)?);
    let algorithm = algorithm_id.read(OID)?;
    algorithm_id.finish()?;
    let private_key = body.read(OCTET_STRING)?;
    // Attributes and the v2 public key may follow; Trent's own keys carry neither.
    Ok((algorithm, private_key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_minimal() {
        for len in [0usize, 1, 127, 128, 255, 256, 1000, 70000] {
            let content = vec![7u8; len];
            let encoded = tlv(OCTET_STRING, &content);
            let mut r = Reader::new(&encoded);
            assert_eq!(r.read(OCTET_STRING).unwrap(), &content[..]);
            r.finish().unwrap();
        }
        assert_eq!(tlv(OCTET_STRING, &[0; 128])[..3], [0x04, 0x81, 0x80]);
        assert_eq!(tlv(OCTET_STRING, &[0; 256])[..4], [0x04, 0x82, 0x01, 0x00]);
    }

    #[test]
    fn reader_refuses_bad_encodings() {
        let cases: &[&[u8]] = &[
            &[],
            &[0x04],
            &[0x04, 0x02, 0x00],
            &[0x04, 0x81, 0x05, 0, 0, 0, 0, 0], // long form for a short length
            &[0x04, 0x82, 0x00, 0x80],          // leading zero in the length
            &[0x04, 0x80],                      // indefinite length
            &[0x04, 0x85, 1, 0, 0, 0, 0],       // more length bytes than supported
        ];
        for case in cases {
            assert!(Reader::new(case).read(OCTET_STRING).is_err(), "{case:02x?}");
        }
        assert!(Reader::new(&[0x02, 0x01, 0x00]).read(OCTET_STRING).is_err());
    }

    #[test]
    fn spki_round_trip() {
        let der = spki(oid::ML_KEM_768, &[1, 2, 3]);
        let parsed = parse_spki(&der).unwrap();
        assert_eq!(parsed.algorithm, oid::ML_KEM_768);
        assert_eq!(parsed.parameters, None);
        assert_eq!(parsed.key, &[1, 2, 3]);
        let mut trailing = der.clone();
        trailing.push(0);
        assert!(parse_spki(&trailing).is_err());
        let mut unused_bits = der;
        let at = unused_bits.len() - 4;
        unused_bits[at] = 1;
        assert!(parse_spki(&unused_bits).is_err());
    }

    #[test]
    fn pkcs8_seed_form() {
        let der = pkcs8_seed(oid::ML_KEM_512, &[9; 64]);
        let (algorithm, private_key) = parse_pkcs8(&der).unwrap();
        assert_eq!(algorithm, oid::ML_KEM_512);
        let mut r = Reader::new(private_key);
        assert_eq!(r.read(CONTEXT_0).unwrap(), &[9; 64]);
        r.finish().unwrap();
        // The exact bytes AWS-LC and OpenSSL write for this key.
        assert_eq!(
            der[..22],
            [
                0x30, 0x54, 0x02, 0x01, 0x00, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
                0x03, 0x04, 0x04, 0x01, 0x04, 0x42, 0x80, 0x40
            ]
        );
    }
}
