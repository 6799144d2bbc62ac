// The shape rules of access control's kinds (docs/access-control.md, "Transactions", rule 1),
// apart from any state: what the module checks first, and what the HTTP edge checks before it
// asks the chain about the sender's authority. Pure.
#pragma once

#include "chains/access/access_types.hpp"
#include "chains/core/error.hpp"
#include "chains/state/access_tx.hpp"

namespace bfd::acl {

/// invalid_argument when the payload is malformed: a global scope with an id, undefined bits,
/// neither permissions nor a role, a bad role name, a level above 3.
status check_shape(const acl_grant_tx& p);
status check_shape(const acl_revoke_tx& p);
status check_shape(const acl_role_define_tx& p);
status check_shape(const acl_set_level_tx& p);

/// The scope whose admin (or global's) may send the payload: its scope, or fund_group <group>.
scope authority_scope(const acl_grant_tx& p);
scope authority_scope(const acl_revoke_tx& p);
scope authority_scope(const acl_role_define_tx& p);
scope authority_scope(const acl_set_level_tx& p);

} // namespace bfd::acl
