// Canonical encoding of the peg module's payloads (layout in docs/formats.md, "Two-way peg":
// kinds 10 and 11 are arrays of fields; 12-14 a bin holding the bundle's canonical bytes, so a
// bundle's nesting stays inside the transaction's depth bound; 15 the anchor payload's layout).
#pragma once

#include <type_traits>

#include "chains/codec/canonical.hpp"
#include "chains/state/peg_tx.hpp"

namespace bfd::codec {

void encode_payload(const peg_send_tx& p, writer& w);
void encode_payload(const peg_send_metadata_tx& p, writer& w);
void encode_payload(const peg_receive_tx& p, writer& w);
void encode_payload(const peg_acknowledge_tx& p, writer& w);
void encode_payload(const peg_timeout_tx& p, writer& w);
void encode_payload(const peg_client_update_tx& p, writer& w);
result<peg_send_tx> read_payload(const msgpack::object& obj, std::type_identity<peg_send_tx>);
result<peg_send_metadata_tx> read_payload(const msgpack::object& obj, std::type_identity<peg_send_metadata_tx>);
result<peg_receive_tx> read_payload(const msgpack::object& obj, std::type_identity<peg_receive_tx>);
result<peg_acknowledge_tx> read_payload(const msgpack::object& obj, std::type_identity<peg_acknowledge_tx>);
result<peg_timeout_tx> read_payload(const msgpack::object& obj, std::type_identity<peg_timeout_tx>);
result<peg_client_update_tx> read_payload(const msgpack::object& obj, std::type_identity<peg_client_update_tx>);

} // namespace bfd::codec
