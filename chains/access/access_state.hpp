// Access control's state and rules: who holds which permissions and roles in which scope, the
// roles each scope defines, service levels in fund groups; the decision `check`; the rules of
// the four kinds (docs/access-control.md); an undo journal, storage records and a cached root.
// Pure.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "chains/access/access_types.hpp"
#include "chains/core/error.hpp"
#include "chains/state/access_tx.hpp"

namespace bfd::acl {

/// What an account holds in one scope.
struct holding {
  permission_mask direct = 0;      ///< permissions granted one by one
  std::vector<std::string> roles;  ///< role names, sorted, distinct, each defined in the scope
  bool empty() const noexcept { return direct == 0 && roles.empty(); }
  friend bool operator==(const holding&, const holding&) = default;
};

/// A role of a scope: its permissions and how many accounts hold it (derived, not stored).
struct role_def {
  permission_mask permissions = 0;
  std::uint32_t holders = 0;
  friend bool operator==(const role_def&, const role_def&) = default;
};

/// A storage record: key and value, or nothing for a record that no longer exists.
using record = std::pair<bytes, std::optional<bytes>>;

class access_state {
public:
  /// The genesis state: each of `admins` holds `admin` on global. Refused when empty (the chain
  /// could never grant anything) or when an address repeats.
  static result<access_state> genesis(std::span<const address> admins);
  /// The same, and each of `grants` holds its permissions on global too (an admin may be named
  /// again, to hold more; an account twice, an empty mask or undefined bits are refused).
  static result<access_state> genesis(std::span<const address> admins,
                                      std::span<const std::pair<address, permission_mask>> grants);
  /// A state from its stored records (every record, in any order).
  static result<access_state> restore(std::span<const std::pair<bytes, bytes>> records);

  // --- decisions -------------------------------------------------------------------------

  /// Allowed, or access_denied with the reason: `account` holds `p` in `s` or on global
  /// (directly or through a role), and, when `min_level` > 0, `s` is a fund group in which the
  /// account's level is at least `min_level`. Default deny.
  status check(const address& account, const scope& s, permission p, service_level min_level = 0) const;
  bool allowed(const address& account, const scope& s, permission p, service_level min_level = 0) const {
    return check(account, s, p, min_level).ok();
  }
  /// The read decision of the HTTP edge's protected reads: `account` holds `read` or `admin` in
  /// `s` or on global (an admin could grant itself read anyway); else access_denied naming read.
  status check_read(const address& account, const scope& s) const;
  /// What `account` holds in `s` itself (direct and through roles; global's not added).
  permission_mask permissions_in(const address& account, const scope& s) const;
  /// The account's level in fund group `group` (0 when never set).
  service_level level(std::uint64_t group, const address& account) const;
  /// The holding of `account` in `s`, or null.
  const holding* find_holding(const address& account, const scope& s) const;
  /// The role `name` of `s`, or null.
  const role_def* find_role(const scope& s, std::string_view name) const;
  /// Accounts holding admin on global.
  std::size_t global_admins() const;

  // --- listings (the HTTP edge's views; each visit returns false to stop) ---------------

  /// Every holding of scope `s`, in account order.
  void for_each_holding_in(const scope& s,
                           const std::function<bool(const address&, const holding&)>& visit) const;
  /// Every holding, in (scope, account) order: a walk over all of them.
  void for_each_holding(const std::function<bool(const scope&, const address&, const holding&)>& visit) const;
  /// Every role of scope `s`, in name order.
  void for_each_role_in(const scope& s, const std::function<bool(const std::string&, const role_def&)>& visit) const;
  /// Every level set (1-3), in (group, account) order; with `group`, that fund group's only.
  void for_each_level(const std::optional<std::uint64_t>& group,
                      const std::function<bool(std::uint64_t, const address&, service_level)>& visit) const;

  // --- the four kinds (sender = the transaction's sender address) ------------------------

  status check_grant(const address& sender, const acl_grant_tx& p) const;
  status apply_grant(const address& sender, const acl_grant_tx& p);
  status check_revoke(const address& sender, const acl_revoke_tx& p) const;
  status apply_revoke(const address& sender, const acl_revoke_tx& p);
  status check_role_define(const address& sender, const acl_role_define_tx& p) const;
  status apply_role_define(const address& sender, const acl_role_define_tx& p);
  status check_set_level(const address& sender, const acl_set_level_tx& p) const;
  status apply_set_level(const address& sender, const acl_set_level_tx& p);

  // --- undo, records, root ---------------------------------------------------------------

  std::size_t checkpoint() const noexcept { return journal_.size(); }
  void rollback(std::size_t mark);
  void forget_journal(std::size_t count);
  void release_undo() { journal_.clear(); }

  std::vector<record> dirty_records() const;
  void mark_all_dirty() { all_dirty_ = true; }
  void clear_dirty();
  /// Every record, in key order.
  std::vector<std::pair<bytes, bytes>> all_records() const;
  /// The tagged hash (bfd/access) of every record in key order; cached until a change.
  hash256 root() const;

  /// Same holdings, roles and levels (journals and dirty sets aside).
  friend bool operator==(const access_state& a, const access_state& b) {
    return a.holdings_ == b.holdings_ && a.roles_ == b.roles_ && a.levels_ == b.levels_;
  }

private:
  using holding_key = std::pair<scope, address>;
  using role_key = std::pair<scope, std::string>;
  using level_key = std::pair<std::uint64_t, address>;
  struct holding_undo {
    holding_key key;
    std::optional<holding> old;
  };
  struct role_undo {
    role_key key;
    std::optional<role_def> old;
  };
  struct level_undo {
    level_key key;
    std::optional<service_level> old;
  };
  using undo = std::variant<holding_undo, role_undo, level_undo>;

  access_state() = default;
  // Admin on `s` or on global, else access_denied naming `what`.
  status check_admin(const address& sender, const scope& s, const char* what) const;
  // last_admin when global would have no admin if `effective` gave each global holder's
  // permissions after the change.
  status keep_an_admin(const std::function<permission_mask(const address&, const holding&)>& effective) const;
  permission_mask effective(const scope& s, const holding& h) const;
  void set_holding(const holding_key& k, std::optional<holding> h);
  void set_role(const role_key& k, std::optional<role_def> r);
  void set_level(const level_key& k, std::optional<service_level> l);
  void changed() const { root_.reset(); }

  std::map<holding_key, holding> holdings_;
  std::map<role_key, role_def> roles_;
  std::map<level_key, service_level> levels_;
  std::vector<undo> journal_;
  std::set<holding_key> dirty_holdings_;
  std::set<role_key> dirty_roles_;
  std::set<level_key> dirty_levels_;
  bool all_dirty_ = false;
  mutable std::optional<hash256> root_;
};

/// Record keys and values (layout in docs/formats.md, "Access control").
bytes holding_record_key(const scope& s, const address& a);
bytes role_record_key(const scope& s, std::string_view name);
bytes level_record_key(std::uint64_t group, const address& a);

} // namespace bfd::acl
