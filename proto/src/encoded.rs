//! A message that is already protobuf bytes.

use prost::bytes::{Buf, BufMut, Bytes};
use prost::encoding::{DecodeContext, WireType, skip_field};
use prost::{DecodeError, Message};

/// A message already encoded: its bytes are written as they are. A server sends it through
/// `tonic_prost::ProstCodec<Encoded, Request>` to stream responses it wrote itself (or encoded
/// once for many readers) without building the generated message again; the client decodes the
/// ordinary generated type. Only ever sent, never decoded: decoding skips every field.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Encoded(pub Bytes);

impl Message for Encoded {
    fn encode_raw(&self, buf: &mut impl BufMut) {
        buf.put_slice(&self.0);
    }

    fn merge_field(
        &mut self,
        tag: u32,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        skip_field(wire_type, tag, buf, ctx)
    }

    fn encoded_len(&self) -> usize {
        self.0.len()
    }

    fn clear(&mut self) {
        self.0 = Bytes::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::v1::GetEntityRequest;

    #[test]
    fn stored_bytes_decode_as_the_message_they_were_encoded_from() {
        let request = GetEntityRequest {
            id: "person:alexander-lukashenka".into(),
        };
        let encoded = Encoded(Bytes::from(request.encode_to_vec()));
        assert_eq!(encoded.encoded_len(), request.encoded_len());
        let decoded = GetEntityRequest::decode(encoded.encode_to_vec().as_slice()).unwrap();
        assert_eq!(decoded, request);
    }
}
