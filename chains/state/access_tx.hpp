// The access module's transaction kinds (module_id::access, kinds 20-23): granting and revoking
// permissions and roles in a scope, defining a scope's roles and setting service levels in a
// fund group. The rules are chains/access/access_state; codec chains/state/access_codec.hpp;
// JSON protocols/access_json.
#pragma once

#include <string>

#include "chains/access/access_types.hpp"
#include "chains/core/amount.hpp"
#include "chains/core/bytes.hpp"
#include "chains/state/module_ids.hpp"

namespace bfd {

/// Gives `account` the permissions of `permissions` and the role `role` (empty: none) in `scope`
/// (an admin of the scope or of global only).
struct acl_grant_tx {
  static constexpr tx_kind kind_number{20};
  static constexpr module_id module = module_id::access;
  static constexpr std::string_view name = "acl_grant";
  static constexpr bool spend_required = false;

  acl::scope scope;
  address account;
  acl::permission_mask permissions = 0;
  std::string role;

  amount spend() const noexcept { return 0; }
  friend bool operator==(const acl_grant_tx&, const acl_grant_tx&) = default;
};

/// Takes back from `account` the permissions of `permissions` and the role `role` in `scope`
/// (an admin of the scope or of global only).
struct acl_revoke_tx {
  static constexpr tx_kind kind_number{21};
  static constexpr module_id module = module_id::access;
  static constexpr std::string_view name = "acl_revoke";
  static constexpr bool spend_required = false;

  acl::scope scope;
  address account;
  acl::permission_mask permissions = 0;
  std::string role;

  amount spend() const noexcept { return 0; }
  friend bool operator==(const acl_revoke_tx&, const acl_revoke_tx&) = default;
};

/// Defines (or redefines) the role `role` of `scope` as `permissions`; 0 deletes a role nobody
/// holds (an admin of the scope or of global only).
struct acl_role_define_tx {
  static constexpr tx_kind kind_number{22};
  static constexpr module_id module = module_id::access;
  static constexpr std::string_view name = "acl_role_define";
  static constexpr bool spend_required = false;

  acl::scope scope;
  std::string role;
  acl::permission_mask permissions = 0;

  amount spend() const noexcept { return 0; }
  friend bool operator==(const acl_role_define_tx&, const acl_role_define_tx&) = default;
};

/// Sets `account`'s service level in fund group `group` (an admin of that fund group or of
/// global only).
struct acl_set_level_tx {
  static constexpr tx_kind kind_number{23};
  static constexpr module_id module = module_id::access;
  static constexpr std::string_view name = "acl_set_level";
  static constexpr bool spend_required = false;

  std::uint64_t group = 0;
  address account;
  acl::service_level level = 0;

  amount spend() const noexcept { return 0; }
  friend bool operator==(const acl_set_level_tx&, const acl_set_level_tx&) = default;
};

/// The access module's kinds.
using access_payloads = type_list<acl_grant_tx, acl_revoke_tx, acl_role_define_tx, acl_set_level_tx>;

} // namespace bfd
