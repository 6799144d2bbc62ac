// The vocabulary of access control: scopes, the fixed permission set, permission masks, service
// levels and role names (docs/access-control.md). No state; included by the payload header, so
// it stays light. Pure.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bfd::acl {

/// What a grant applies to. The numbers are stored and hashed: never renumber.
enum class scope_kind : std::uint8_t {
  global = 0,      ///< the whole chain; a grant here holds in every scope
  fund_group = 1,  ///< a fund group (DAOS funds of one organisation); has service levels
  service = 2,     ///< a core service or DApp (the service registry's numeric id)
  sidechain = 3,   ///< a sidechain (its chain id)
  ush_group = 4,   ///< a credential group of the authority module (the first 8 bytes of its id)
};
inline constexpr std::uint8_t scope_kind_count = 5;

/// "global", "fund_group", "service", "sidechain", "ush_group".
std::string_view to_string(scope_kind k) noexcept;
std::optional<scope_kind> parse_scope_kind(std::string_view text) noexcept;

/// A scope: a kind and an id (0 for global, which has no id).
struct scope {
  scope_kind kind = scope_kind::global;
  std::uint64_t id = 0;

  static constexpr scope global() noexcept { return {}; }
  bool is_global() const noexcept { return kind == scope_kind::global; }
  /// Well formed: a known kind, and id 0 for global.
  bool valid() const noexcept;
  friend auto operator<=>(const scope&, const scope&) = default;
};

/// "global" or "<kind> <id>", e.g. "fund_group 7".
std::string to_string(const scope& s);

/// A scope as one URL path segment or command-line word: "global" or "<kind>:<id>", e.g.
/// "fund_group:7" (id decimal, at most 20 digits, below 2^64).
std::string scope_text(const scope& s);
/// Parses scope_text's form (also "global:0"); nothing for anything else, or a global with an id.
std::optional<scope> parse_scope_text(std::string_view text) noexcept;

/// The fixed permission set (docs/access-control.md has the table of who checks each). The bit
/// numbers are stored and hashed: never renumber, only append.
enum class permission : std::uint8_t {
  admin = 0,             ///< grant and revoke in the scope, define its roles, set its levels
  read = 1,              ///< read the scope's protected data (the HTTP edge's signed reads)
  write = 2,             ///< write the scope's data (DS metadata, a contract's state)
  trade = 3,             ///< trade a fund's token (an eligible investor)
  issue = 4,             ///< raise and issue a fund's token
  liquidate = 5,         ///< liquidate a fund
  join = 6,              ///< be admitted: consortium membership, credentials of a group
  deploy = 7,            ///< deploy or use contracts on the ecosystem sidechain
  register_service = 8,  ///< register a service in the service registry
  upgrade_service = 9,   ///< upgrade, roll out and roll back a service
  sidechain_admin = 10,  ///< register, activate and cease sidechains (on global)
};
inline constexpr std::uint8_t permission_count = 11;

/// A set of permissions: bit n is permission n.
using permission_mask = std::uint32_t;
/// Every defined permission.
inline constexpr permission_mask all_permissions = (permission_mask{1} << permission_count) - 1;

constexpr permission_mask bit(permission p) noexcept {
  return permission_mask{1} << static_cast<unsigned>(p);
}
constexpr bool has(permission_mask m, permission p) noexcept {
  return (m & bit(p)) != 0;
}

/// "admin", "read", ... "sidechain_admin".
std::string_view to_string(permission p) noexcept;
std::optional<permission> parse_permission(std::string_view text) noexcept;
/// "read,trade" (in bit order), or "none".
std::string mask_to_string(permission_mask m);

/// Service levels of an account within one fund group (paper 5.2e): 0 (the default) to 3.
using service_level = std::uint8_t;
inline constexpr service_level max_level = 3;

/// Role names: 1 to 32 characters of a-z, 0-9 and '_'.
inline constexpr std::size_t max_role_name = 32;
bool valid_role_name(std::string_view name) noexcept;

/// Bounds that keep the state per scope small.
inline constexpr std::size_t max_roles_per_scope = 64;   ///< roles defined in one scope
inline constexpr std::size_t max_roles_per_holder = 16;  ///< roles one account holds in one scope

} // namespace bfd::acl
