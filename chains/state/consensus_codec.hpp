// Canonical encoding of the consensus module's payloads (layout in docs/formats.md).
#pragma once

#include <type_traits>

#include "chains/codec/canonical.hpp"
#include "chains/state/consensus_payloads.hpp"

namespace bfd::codec {

/// [category, bid, hash_chain_tip].
void encode_payload(const vm_bid_payload& p, writer& w);
/// [vm, amount].
void encode_payload(const vote_payload& p, writer& w);
/// [vm, amount].
void encode_payload(const unvote_payload& p, writer& w);
/// [evidence kind, first, second].
void encode_payload(const evidence_payload& p, writer& w);

result<vm_bid_payload> read_payload(const msgpack::object& obj, std::type_identity<vm_bid_payload>);
result<vote_payload> read_payload(const msgpack::object& obj, std::type_identity<vote_payload>);
result<unvote_payload> read_payload(const msgpack::object& obj, std::type_identity<unvote_payload>);
result<evidence_payload> read_payload(const msgpack::object& obj, std::type_identity<evidence_payload>);

} // namespace bfd::codec
