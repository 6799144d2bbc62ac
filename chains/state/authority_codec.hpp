// Canonical encoding of the credential authority module's payloads (layout in docs/formats.md
// section 20: 50 [name, key], 51 [group, member, count], 52 [group, [pseudonym...]],
// 53 [to, value, tag, since], 54 [data]).
#pragma once

#include <type_traits>

#include "chains/codec/canonical.hpp"
#include "chains/state/authority_tx.hpp"

namespace bfd::codec {

void encode_payload(const ush_group_create_tx& p, writer& w);
void encode_payload(const ush_issue_tx& p, writer& w);
void encode_payload(const ush_revoke_tx& p, writer& w);
void encode_payload(const tagged_transfer_tx& p, writer& w);
void encode_payload(const member_record_tx& p, writer& w);
result<ush_group_create_tx> read_payload(const msgpack::object& obj, std::type_identity<ush_group_create_tx>);
result<ush_issue_tx> read_payload(const msgpack::object& obj, std::type_identity<ush_issue_tx>);
result<ush_revoke_tx> read_payload(const msgpack::object& obj, std::type_identity<ush_revoke_tx>);
result<tagged_transfer_tx> read_payload(const msgpack::object& obj, std::type_identity<tagged_transfer_tx>);
result<member_record_tx> read_payload(const msgpack::object& obj, std::type_identity<member_record_tx>);

} // namespace bfd::codec
