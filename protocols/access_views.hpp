// What a chain actor answers about its access control (acl_atom): a scope's holdings, roles and
// levels, what one account holds, or one decision; built from the head state by
// answer_access_query, shown as JSON by protocols/access_json. Message types with inspect.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>

#include "chains/access/access_state.hpp"
#include "protocols/vocabulary.hpp"

namespace bfd {

using acl_atom = caf::atom_constant<caf::atom("acl")>;

/// Most holdings (and most roles, most levels) one answer lists; `more` says it was cut.
inline constexpr std::size_t max_access_items = 1000;

/// What an access query asks.
enum class access_query_kind : std::uint8_t {
  scope = 0,    ///< the holdings, roles and (fund groups) levels of a scope
  account = 1,  ///< every holding and level of an account
  check = 2,    ///< acl::access_state::check(account, scope, permission, min_level)
  read = 3,     ///< acl::access_state::check_read(account, scope): the edge's protected reads
};

struct access_query {
  std::uint8_t what = 0;  ///< access_query_kind
  std::uint8_t scope_kind = 0;
  std::uint64_t scope_id = 0;
  address account;
  std::uint8_t permission = 0;
  std::uint8_t min_level = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, access_query& x) {
  return f(caf::meta::type_name("bfd::access_query"), x.what, x.scope_kind, x.scope_id, x.account, x.permission,
           x.min_level);
}

struct access_holding_item {
  std::uint8_t scope_kind = 0;
  std::uint64_t scope_id = 0;
  address account;
  std::uint32_t direct = 0;          ///< permissions granted one by one
  std::vector<std::string> roles;    ///< roles held in the scope
  std::uint32_t effective = 0;       ///< direct and through roles (global's not added)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, access_holding_item& x) {
  return f(caf::meta::type_name("bfd::access_holding_item"), x.scope_kind, x.scope_id, x.account, x.direct, x.roles,
           x.effective);
}

struct access_role_item {
  std::string name;
  std::uint32_t permissions = 0;
  std::uint32_t holders = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, access_role_item& x) {
  return f(caf::meta::type_name("bfd::access_role_item"), x.name, x.permissions, x.holders);
}

struct access_level_item {
  std::uint64_t group = 0;
  address account;
  std::uint8_t level = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, access_level_item& x) {
  return f(caf::meta::type_name("bfd::access_level_item"), x.group, x.account, x.level);
}

/// The answer: code not_found when the chain has no access module, invalid_argument for a
/// malformed query; for check and read, `decision` (ok or the refusal's code) and `decision_detail`.
struct access_answer {
  std::uint16_t code = 0;
  std::string detail;
  std::uint64_t height = 0;  ///< the head the answer was read from
  std::vector<access_holding_item> holdings;
  std::vector<access_role_item> roles;
  std::vector<access_level_item> levels;
  bool more = false;  ///< a list was cut at max_access_items
  std::uint16_t decision = 0;
  std::string decision_detail;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, access_answer& x) {
  return f(caf::meta::type_name("bfd::access_answer"), x.code, x.detail, x.height, x.holdings, x.roles, x.levels,
           x.more, x.decision, x.decision_detail);
}

/// Answers `q` from `state` (null: the chain has no access module) read at `height`. Pure.
access_answer answer_access_query(const acl::access_state* state, std::uint64_t height, const access_query& q);

/// Registers the types of this header.
void register_access_views(caf::actor_system_config& cfg);

} // namespace bfd
