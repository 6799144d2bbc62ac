// Canonical encoding of the registry module's payloads: the bodies are written by
// chains/sidechain/registry_payloads (layout in docs/formats.md, "Sidechain registry").
#pragma once

#include <type_traits>

#include "chains/codec/canonical.hpp"
#include "chains/state/registry_tx.hpp"

namespace bfd::codec {

void encode_payload(const sidechain_register_tx& p, writer& w);
void encode_payload(const sidechain_activate_tx& p, writer& w);
void encode_payload(const sidechain_cease_tx& p, writer& w);
void encode_payload(const sidechain_anchor_tx& p, writer& w);
result<sidechain_register_tx> read_payload(const msgpack::object& obj, std::type_identity<sidechain_register_tx>);
result<sidechain_activate_tx> read_payload(const msgpack::object& obj, std::type_identity<sidechain_activate_tx>);
result<sidechain_cease_tx> read_payload(const msgpack::object& obj, std::type_identity<sidechain_cease_tx>);
result<sidechain_anchor_tx> read_payload(const msgpack::object& obj, std::type_identity<sidechain_anchor_tx>);

} // namespace bfd::codec
