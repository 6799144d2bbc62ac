// Canonical encoding of the access module's payloads (layout in docs/formats.md, "Access
// control": kinds 20 and 21 [scope kind, scope id, account, permissions, role], 22 [scope kind,
// scope id, role, permissions], 23 [group, account, level]).
#pragma once

#include <type_traits>

#include "chains/codec/canonical.hpp"
#include "chains/state/access_tx.hpp"

namespace bfd::codec {

void encode_payload(const acl_grant_tx& p, writer& w);
void encode_payload(const acl_revoke_tx& p, writer& w);
void encode_payload(const acl_role_define_tx& p, writer& w);
void encode_payload(const acl_set_level_tx& p, writer& w);
result<acl_grant_tx> read_payload(const msgpack::object& obj, std::type_identity<acl_grant_tx>);
result<acl_revoke_tx> read_payload(const msgpack::object& obj, std::type_identity<acl_revoke_tx>);
result<acl_role_define_tx> read_payload(const msgpack::object& obj, std::type_identity<acl_role_define_tx>);
result<acl_set_level_tx> read_payload(const msgpack::object& obj, std::type_identity<acl_set_level_tx>);

} // namespace bfd::codec
