// Canonical encoding of the contracts module's payloads (layout in docs/formats.md, "16.
// Contracts"): kind 24 [name, version, code, param names, param types, entry points, slot name
// (only when the template declares a slot)], 25
// [template id, params, value, readers, scope kind, scope id, arg types, arg values, input,
// fuel], 26 [contract, entry, arg types, arg values, input, fuel, value], 27 [contract, client
// (20 bytes, or empty to clear)].
#pragma once

#include <type_traits>

#include "chains/codec/canonical.hpp"
#include "chains/state/contract_tx.hpp"

namespace bfd::codec {

void encode_payload(const contract_publish_tx& p, writer& w);
void encode_payload(const contract_deploy_tx& p, writer& w);
void encode_payload(const contract_call_tx& p, writer& w);
void encode_payload(const contract_set_slot_tx& p, writer& w);
result<contract_publish_tx> read_payload(const msgpack::object& obj, std::type_identity<contract_publish_tx>);
result<contract_deploy_tx> read_payload(const msgpack::object& obj, std::type_identity<contract_deploy_tx>);
result<contract_call_tx> read_payload(const msgpack::object& obj, std::type_identity<contract_call_tx>);
result<contract_set_slot_tx> read_payload(const msgpack::object& obj, std::type_identity<contract_set_slot_tx>);

} // namespace bfd::codec
