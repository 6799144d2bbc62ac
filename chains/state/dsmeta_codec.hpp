// Canonical encoding of the DS metadata module's payloads (layout in docs/formats.md section 18:
// 34 and 35 [account, key, level], 36 [account], 37 [rate], 38 [service, request, value]).
#pragma once

#include <type_traits>

#include "chains/codec/canonical.hpp"
#include "chains/state/dsmeta_tx.hpp"

namespace bfd::codec {

void encode_payload(const ds_member_add_tx& p, writer& w);
void encode_payload(const ds_member_update_tx& p, writer& w);
void encode_payload(const ds_member_remove_tx& p, writer& w);
void encode_payload(const ds_rate_set_tx& p, writer& w);
void encode_payload(const ds_usage_record_tx& p, writer& w);
result<ds_member_add_tx> read_payload(const msgpack::object& obj, std::type_identity<ds_member_add_tx>);
result<ds_member_update_tx> read_payload(const msgpack::object& obj, std::type_identity<ds_member_update_tx>);
result<ds_member_remove_tx> read_payload(const msgpack::object& obj, std::type_identity<ds_member_remove_tx>);
result<ds_rate_set_tx> read_payload(const msgpack::object& obj, std::type_identity<ds_rate_set_tx>);
result<ds_usage_record_tx> read_payload(const msgpack::object& obj, std::type_identity<ds_usage_record_tx>);

} // namespace bfd::codec
