#include "chains/access/access_state.hpp"
#include "chains/core/big_endian.hpp"

#include "chains/access/access_shape.hpp"

#include <algorithm>

#include "chains/codec/canonical.hpp"
#include "chains/codec/field_reader.hpp"
#include "chains/crypto/hash.hpp"
#include "chains/crypto/keys.hpp"

namespace bfd::acl {

namespace {

constexpr byte holding_prefix = 'H';
constexpr byte level_prefix = 'L';
constexpr byte role_prefix = 'R';
// A record value is at most a holding: two fields, up to max_roles_per_holder names.
constexpr codec::limits record_limits{1024, max_roles_per_holder, 2};


void put_scope(bytes& out, const scope& s) {
  out.push_back(static_cast<byte>(s.kind));
  put_be64(out, s.id);
}

bytes encode_holding(const holding& h) {
  bytes out;
  codec::writer w(out);
  w.array(2);
  w.uint(h.direct);
  w.array(static_cast<std::uint32_t>(h.roles.size()));
  for (const auto& r : h.roles)
    w.bin(byte_view{reinterpret_cast<const byte*>(r.data()), r.size()});
  return out;
}

bytes encode_one(std::uint64_t v) {
  bytes out;
  codec::writer w(out);
  w.array(1);
  w.uint(v);
  return out;
}

result<holding> decode_holding(byte_view in) {
  return codec::decode_canonical<holding>(
    in, record_limits,
    [](const msgpack::object& obj) -> result<holding> {
      auto items = codec::reader(obj, "holding").array(2);
      if (!items)
        return items.error();
      codec::field_reader f(*items);
      holding h;
      h.direct = static_cast<permission_mask>(f.uint(0, "permissions", all_permissions));
      std::uint32_t n = 0;
      const auto* names = f.array_up_to(1, "roles", max_roles_per_holder, n);
      for (std::uint32_t i = 0; f.ok() && i < n; ++i) {
        auto b = codec::reader(names[i], "role").bin(max_role_name);
        if (!b)
          return b.error();
        h.roles.emplace_back(b->begin(), b->end());
      }
      if (!f.ok())
        return f.err();
      return h;
    },
    [](const holding& h, bytes& out) { out = encode_holding(h); });
}

result<std::uint64_t> decode_one(byte_view in, std::uint64_t max) {
  return codec::decode_canonical<std::uint64_t>(
    in, record_limits,
    [max](const msgpack::object& obj) -> result<std::uint64_t> {
      auto items = codec::reader(obj, "record").array(1);
      if (!items)
        return items.error();
      codec::field_reader f(*items);
      auto v = f.uint(0, "value", max);
      if (!f.ok())
        return f.err();
      return v;
    },
    [](std::uint64_t v, bytes& out) { out = encode_one(v); });
}

error corrupt(const std::string& what) {
  return make_error(errc::storage_corrupt, "access record: " + what);
}

// Shape checks shared by grant and revoke.
status check_change_shape(const scope& s, permission_mask m, const std::string& role) {
  if (!s.valid())
    return make_error(errc::invalid_argument, "not a valid scope (global has id 0)");
  if ((m & ~all_permissions) != 0)
    return make_error(errc::invalid_argument, "permissions name an undefined bit");
  if (m == 0 && role.empty())
    return make_error(errc::invalid_argument, "neither permissions nor a role");
  if (!role.empty() && !valid_role_name(role))
    return make_error(errc::invalid_argument, "role names are 1-32 characters of a-z, 0-9 and _");
  return {};
}

} // namespace

bytes holding_record_key(const scope& s, const address& a) {
  bytes k{holding_prefix};
  put_scope(k, s);
  k.insert(k.end(), a.begin(), a.end());
  return k;
}

bytes role_record_key(const scope& s, std::string_view name) {
  bytes k{role_prefix};
  put_scope(k, s);
  k.insert(k.end(), name.begin(), name.end());
  return k;
}

bytes level_record_key(std::uint64_t group, const address& a) {
  bytes k{level_prefix};
  put_be64(k, group);
  k.insert(k.end(), a.begin(), a.end());
  return k;
}

result<access_state> access_state::genesis(std::span<const address> admins) {
  if (admins.empty())
    return make_error(errc::invalid_argument, "access control needs at least one global admin");
  access_state s;
  for (const auto& a : admins) {
    if (s.holdings_.count({scope::global(), a}))
      return make_error(errc::invalid_argument, "global admin " + format_address(a) + " named twice");
    s.holdings_[{scope::global(), a}] = holding{bit(permission::admin), {}};
  }
  s.all_dirty_ = true;  // the genesis state is stored whole
  return s;
}

result<access_state> access_state::genesis(std::span<const address> admins,
                                           std::span<const std::pair<address, permission_mask>> grants) {
  auto s = genesis(admins);
  if (!s)
    return s;
  std::set<address> seen;
  for (const auto& [a, mask] : grants) {
    if (mask == 0 || (mask & ~all_permissions) != 0)
      return make_error(errc::invalid_argument, "genesis grant to " + format_address(a)
                                                  + ": a non-empty set of defined permissions");
    if (!seen.insert(a).second)
      return make_error(errc::invalid_argument, "genesis grant to " + format_address(a) + " named twice");
    s->holdings_[{scope::global(), a}].direct |= mask;
  }
  return s;
}

// --- decisions ----------------------------------------------------------------------------

permission_mask access_state::effective(const scope& s, const holding& h) const {
  permission_mask m = h.direct;
  for (const auto& r : h.roles)
    if (auto it = roles_.find({s, r}); it != roles_.end())
      m |= it->second.permissions;
  return m;
}

permission_mask access_state::permissions_in(const address& account, const scope& s) const {
  auto it = holdings_.find({s, account});
  return it == holdings_.end() ? 0 : effective(s, it->second);
}

service_level access_state::level(std::uint64_t group, const address& account) const {
  auto it = levels_.find({group, account});
  return it == levels_.end() ? 0 : it->second;
}

const holding* access_state::find_holding(const address& account, const scope& s) const {
  auto it = holdings_.find({s, account});
  return it == holdings_.end() ? nullptr : &it->second;
}

status access_state::check_read(const address& account, const scope& s) const {
  if (allowed(account, s, permission::admin))
    return {};
  return check(account, s, permission::read);
}

void access_state::for_each_holding_in(const scope& s,
                                       const std::function<bool(const address&, const holding&)>& visit) const {
  for (auto it = holdings_.lower_bound({s, address{}}); it != holdings_.end() && it->first.first == s; ++it)
    if (!visit(it->first.second, it->second))
      return;
}

void access_state::for_each_holding(
  const std::function<bool(const scope&, const address&, const holding&)>& visit) const {
  for (const auto& [k, h] : holdings_)
    if (!visit(k.first, k.second, h))
      return;
}

void access_state::for_each_role_in(const scope& s,
                                    const std::function<bool(const std::string&, const role_def&)>& visit) const {
  for (auto it = roles_.lower_bound({s, std::string{}}); it != roles_.end() && it->first.first == s; ++it)
    if (!visit(it->first.second, it->second))
      return;
}

void access_state::for_each_level(const std::optional<std::uint64_t>& group,
                                  const std::function<bool(std::uint64_t, const address&, service_level)>& visit) const {
  auto it = group ? levels_.lower_bound({*group, address{}}) : levels_.begin();
  for (; it != levels_.end() && (!group || it->first.first == *group); ++it)
    if (!visit(it->first.first, it->first.second, it->second))
      return;
}

const role_def* access_state::find_role(const scope& s, std::string_view name) const {
  auto it = roles_.find({s, std::string(name)});
  return it == roles_.end() ? nullptr : &it->second;
}

std::size_t access_state::global_admins() const {
  std::size_t n = 0;
  for (auto it = holdings_.lower_bound({scope::global(), address{}});
       it != holdings_.end() && it->first.first.is_global(); ++it)
    if (has(effective(scope::global(), it->second), permission::admin))
      ++n;
  return n;
}

status access_state::check(const address& account, const scope& s, permission p, service_level min_level) const {
  if (!s.valid())
    return make_error(errc::invalid_argument, "not a valid scope (global has id 0)");
  if (static_cast<std::uint8_t>(p) >= permission_count)
    return make_error(errc::invalid_argument, "not a defined permission");
  permission_mask m = permissions_in(account, scope::global());
  if (!s.is_global())
    m |= permissions_in(account, s);
  if (!has(m, p))
    return make_error(errc::access_denied,
                      format_address(account) + " lacks " + std::string(to_string(p)) + " in " + to_string(s));
  if (min_level == 0)
    return {};
  if (s.kind != scope_kind::fund_group)
    return make_error(errc::access_denied, "service levels exist only in fund groups, not in " + to_string(s));
  if (auto l = level(s.id, account); l < min_level)
    return make_error(errc::access_denied, format_address(account) + " has level " + std::to_string(l) + " in "
                                             + to_string(s) + ", below the required " + std::to_string(min_level));
  return {};
}

status access_state::check_admin(const address& sender, const scope& s, const char* what) const {
  if (allowed(sender, s, permission::admin))
    return {};
  return make_error(errc::access_denied, "only an admin of " + to_string(s) + " or of global may " + what + "; "
                                           + format_address(sender) + " is not");
}

status access_state::keep_an_admin(
  const std::function<permission_mask(const address&, const holding&)>& after) const {
  for (auto it = holdings_.lower_bound({scope::global(), address{}});
       it != holdings_.end() && it->first.first.is_global(); ++it)
    if (has(after(it->first.second, it->second), permission::admin))
      return {};
  return make_error(errc::last_admin, "the change would leave global without an admin: the chain could never "
                                      "grant again");
}

// --- grant --------------------------------------------------------------------------------

status access_state::check_grant(const address& sender, const acl_grant_tx& p) const {
  if (auto st = check_shape(p); !st)
    return st;
  if (auto st = check_admin(sender, authority_scope(p), "grant"); !st)
    return st;
  if (!p.role.empty() && !find_role(p.scope, p.role))
    return make_error(errc::unknown_role, "no role \"" + p.role + "\" in " + to_string(p.scope));
  const auto* h = find_holding(p.account, p.scope);
  const permission_mask direct = h ? h->direct : 0;
  const bool new_role = !p.role.empty() && (!h || !std::binary_search(h->roles.begin(), h->roles.end(), p.role));
  if ((direct | p.permissions) == direct && !new_role)
    return make_error(errc::already_held, format_address(p.account) + " holds all of it in " + to_string(p.scope));
  if (new_role && h && h->roles.size() >= max_roles_per_holder)
    return make_error(errc::acl_limit, format_address(p.account) + " holds "
                                         + std::to_string(max_roles_per_holder) + " roles in " + to_string(p.scope));
  return {};
}

status access_state::apply_grant(const address& sender, const acl_grant_tx& p) {
  if (auto st = check_grant(sender, p); !st)
    return st;
  const holding_key k{p.scope, p.account};
  holding h = holdings_.count(k) ? holdings_.at(k) : holding{};
  h.direct |= p.permissions;
  if (!p.role.empty() && !std::binary_search(h.roles.begin(), h.roles.end(), p.role)) {
    h.roles.insert(std::lower_bound(h.roles.begin(), h.roles.end(), p.role), p.role);
    role_def r = roles_.at({p.scope, p.role});
    ++r.holders;
    set_role({p.scope, p.role}, r);
  }
  set_holding(k, std::move(h));
  return {};
}

// --- revoke -------------------------------------------------------------------------------

status access_state::check_revoke(const address& sender, const acl_revoke_tx& p) const {
  if (auto st = check_shape(p); !st)
    return st;
  if (auto st = check_admin(sender, authority_scope(p), "revoke"); !st)
    return st;
  const auto* h = find_holding(p.account, p.scope);
  const bool takes_bits = h && (h->direct & p.permissions) != 0;
  const bool takes_role = h && !p.role.empty() && std::binary_search(h->roles.begin(), h->roles.end(), p.role);
  if (!takes_bits && !takes_role)
    return make_error(errc::not_held, format_address(p.account) + " holds none of it in " + to_string(p.scope));
  if (p.scope.is_global())
    return keep_an_admin([&](const address& a, const holding& held) {
      if (a != p.account)
        return effective(scope::global(), held);
      holding after = held;
      after.direct &= ~p.permissions;
      std::erase(after.roles, p.role);
      return effective(scope::global(), after);
    });
  return {};
}

status access_state::apply_revoke(const address& sender, const acl_revoke_tx& p) {
  if (auto st = check_revoke(sender, p); !st)
    return st;
  const holding_key k{p.scope, p.account};
  holding h = holdings_.at(k);
  h.direct &= ~p.permissions;
  if (!p.role.empty() && std::erase(h.roles, p.role) > 0) {
    role_def r = roles_.at({p.scope, p.role});
    --r.holders;
    set_role({p.scope, p.role}, r);
  }
  if (h.empty())
    set_holding(k, std::nullopt);
  else
    set_holding(k, std::move(h));
  return {};
}

// --- role definitions ---------------------------------------------------------------------

status access_state::check_role_define(const address& sender, const acl_role_define_tx& p) const {
  if (auto st = check_shape(p); !st)
    return st;
  if (auto st = check_admin(sender, authority_scope(p), "define roles"); !st)
    return st;
  const auto* r = find_role(p.scope, p.role);
  if (p.permissions == 0) {
    if (!r)
      return make_error(errc::unknown_role, "no role \"" + p.role + "\" in " + to_string(p.scope) + " to delete");
    if (r->holders > 0)
      return make_error(errc::role_in_use, "role \"" + p.role + "\" is held by " + std::to_string(r->holders)
                                             + " account(s): revoke it first");
    return {};
  }
  if (r && r->permissions == p.permissions)
    return make_error(errc::already_held, "role \"" + p.role + "\" already has these permissions");
  if (!r) {
    std::size_t n = 0;
    for (auto it = roles_.lower_bound({p.scope, std::string{}}); it != roles_.end() && it->first.first == p.scope;
         ++it)
      ++n;
    if (n >= max_roles_per_scope)
      return make_error(errc::acl_limit, to_string(p.scope) + " has " + std::to_string(max_roles_per_scope) + " roles");
  }
  if (p.scope.is_global() && r && r->holders > 0)
    return keep_an_admin([&](const address&, const holding& held) {
      permission_mask m = held.direct;
      for (const auto& name : held.roles)
        m |= name == p.role ? p.permissions : roles_.at({p.scope, name}).permissions;
      return m;
    });
  return {};
}

status access_state::apply_role_define(const address& sender, const acl_role_define_tx& p) {
  if (auto st = check_role_define(sender, p); !st)
    return st;
  const role_key k{p.scope, p.role};
  if (p.permissions == 0) {
    set_role(k, std::nullopt);
    return {};
  }
  role_def r = roles_.count(k) ? roles_.at(k) : role_def{};
  r.permissions = p.permissions;
  set_role(k, r);
  return {};
}

// --- service levels -----------------------------------------------------------------------

status access_state::check_set_level(const address& sender, const acl_set_level_tx& p) const {
  if (auto st = check_shape(p); !st)
    return st;
  if (auto st = check_admin(sender, authority_scope(p), "set service levels"); !st)
    return st;
  if (level(p.group, p.account) == p.level)
    return make_error(errc::already_held, format_address(p.account) + " has level " + std::to_string(p.level)
                                            + " in fund_group " + std::to_string(p.group) + " already");
  return {};
}

status access_state::apply_set_level(const address& sender, const acl_set_level_tx& p) {
  if (auto st = check_set_level(sender, p); !st)
    return st;
  set_level({p.group, p.account}, p.level == 0 ? std::nullopt : std::optional<service_level>(p.level));
  return {};
}

// --- journal ------------------------------------------------------------------------------

void access_state::set_holding(const holding_key& k, std::optional<holding> h) {
  auto it = holdings_.find(k);
  journal_.push_back(holding_undo{k, it == holdings_.end() ? std::nullopt : std::optional<holding>(it->second)});
  if (h)
    holdings_[k] = std::move(*h);
  else if (it != holdings_.end())
    holdings_.erase(it);
  dirty_holdings_.insert(k);
  changed();
}

void access_state::set_role(const role_key& k, std::optional<role_def> r) {
  auto it = roles_.find(k);
  journal_.push_back(role_undo{k, it == roles_.end() ? std::nullopt : std::optional<role_def>(it->second)});
  if (r)
    roles_[k] = *r;
  else if (it != roles_.end())
    roles_.erase(it);
  dirty_roles_.insert(k);
  changed();
}

void access_state::set_level(const level_key& k, std::optional<service_level> l) {
  auto it = levels_.find(k);
  journal_.push_back(level_undo{k, it == levels_.end() ? std::nullopt : std::optional<service_level>(it->second)});
  if (l)
    levels_[k] = *l;
  else if (it != levels_.end())
    levels_.erase(it);
  dirty_levels_.insert(k);
  changed();
}

namespace {
template <class Map, class Key, class Value>
void put_back(Map& m, const Key& k, const std::optional<Value>& v) {
  if (v)
    m[k] = *v;
  else
    m.erase(k);
}
} // namespace

void access_state::rollback(std::size_t mark) {
  while (journal_.size() > mark) {
    std::visit(
      [&](const auto& u) {
        using T = std::decay_t<decltype(u)>;
        if constexpr (std::is_same_v<T, holding_undo>) {
          put_back(holdings_, u.key, u.old);
          dirty_holdings_.insert(u.key);
        } else if constexpr (std::is_same_v<T, role_undo>) {
          put_back(roles_, u.key, u.old);
          dirty_roles_.insert(u.key);
        } else {
          put_back(levels_, u.key, u.old);
          dirty_levels_.insert(u.key);
        }
      },
      journal_.back());
    journal_.pop_back();
    changed();
  }
}

void access_state::forget_journal(std::size_t count) {
  journal_.erase(journal_.begin(), journal_.begin() + static_cast<std::ptrdiff_t>(std::min(count, journal_.size())));
}

// --- records and root ---------------------------------------------------------------------

std::vector<std::pair<bytes, bytes>> access_state::all_records() const {
  std::vector<std::pair<bytes, bytes>> out;
  out.reserve(holdings_.size() + roles_.size() + levels_.size());
  for (const auto& [k, h] : holdings_)
    out.emplace_back(holding_record_key(k.first, k.second), encode_holding(h));
  for (const auto& [k, l] : levels_)
    out.emplace_back(level_record_key(k.first, k.second), encode_one(l));
  for (const auto& [k, r] : roles_)
    out.emplace_back(role_record_key(k.first, k.second), encode_one(r.permissions));
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<record> access_state::dirty_records() const {
  std::vector<record> out;
  if (all_dirty_)
    for (auto& [k, v] : all_records())
      out.emplace_back(std::move(k), std::move(v));
  for (const auto& k : dirty_holdings_) {
    auto it = holdings_.find(k);
    if (it == holdings_.end())
      out.emplace_back(holding_record_key(k.first, k.second), std::nullopt);
    else if (!all_dirty_)
      out.emplace_back(holding_record_key(k.first, k.second), encode_holding(it->second));
  }
  for (const auto& k : dirty_roles_) {
    auto it = roles_.find(k);
    if (it == roles_.end())
      out.emplace_back(role_record_key(k.first, k.second), std::nullopt);
    else if (!all_dirty_)
      out.emplace_back(role_record_key(k.first, k.second), encode_one(it->second.permissions));
  }
  for (const auto& k : dirty_levels_) {
    auto it = levels_.find(k);
    if (it == levels_.end())
      out.emplace_back(level_record_key(k.first, k.second), std::nullopt);
    else if (!all_dirty_)
      out.emplace_back(level_record_key(k.first, k.second), encode_one(it->second));
  }
  return out;
}

void access_state::clear_dirty() {
  all_dirty_ = false;
  dirty_holdings_.clear();
  dirty_roles_.clear();
  dirty_levels_.clear();
}

hash256 access_state::root() const {
  if (root_)
    return *root_;
  tagged_hasher h(hash_tag::access);
  for (const auto& [k, v] : all_records()) {
    const byte klen = static_cast<byte>(k.size());
    h.update(byte_view{&klen, 1});
    h.update(k);
    const byte vlen[4] = {static_cast<byte>(v.size() >> 24), static_cast<byte>(v.size() >> 16),
                          static_cast<byte>(v.size() >> 8), static_cast<byte>(v.size())};
    h.update(byte_view{vlen, 4});
    h.update(v);
  }
  root_ = h.finish();
  return *root_;
}

result<access_state> access_state::restore(std::span<const std::pair<bytes, bytes>> records) {
  access_state s;
  auto read_scope = [](const bytes& k, scope& out) {
    out.kind = static_cast<scope_kind>(k[1]);
    out.id = get_be64(k.data() + 2);
    return out.valid();
  };
  auto read_address = [](const byte* p) {
    address a;
    std::copy(p, p + 20, a.begin());
    return a;
  };
  for (const auto& [k, v] : records) {
    const byte_view value{v.data(), v.size()};
    if (k.size() == 30 && k[0] == holding_prefix) {
      scope sc;
      if (!read_scope(k, sc))
        return corrupt("a holding of an invalid scope");
      auto h = decode_holding(value);
      if (!h)
        return corrupt("holding: " + h.error().message());
      if (h->empty() || !std::is_sorted(h->roles.begin(), h->roles.end())
          || std::adjacent_find(h->roles.begin(), h->roles.end()) != h->roles.end()
          || !std::all_of(h->roles.begin(), h->roles.end(), [](const auto& r) { return valid_role_name(r); }))
        return corrupt("a holding that is empty or has unsorted, repeated or invalid role names");
      s.holdings_[{sc, read_address(k.data() + 10)}] = std::move(*h);
    } else if (k.size() == 29 && k[0] == level_prefix) {
      auto l = decode_one(value, max_level);
      if (!l || *l == 0)
        return corrupt("a level outside 1-3");
      s.levels_[{get_be64(k.data() + 1), read_address(k.data() + 9)}] = static_cast<service_level>(*l);
    } else if (k.size() > 10 && k.size() <= 10 + max_role_name && k[0] == role_prefix) {
      scope sc;
      if (!read_scope(k, sc))
        return corrupt("a role of an invalid scope");
      std::string name(k.begin() + 10, k.end());
      if (!valid_role_name(name))
        return corrupt("an invalid role name");
      auto m = decode_one(value, all_permissions);
      if (!m || *m == 0)
        return corrupt("a role without permissions");
      s.roles_[{sc, std::move(name)}] = role_def{static_cast<permission_mask>(*m), 0};
    } else {
      return corrupt("an unknown key");
    }
  }
  // Holder counts are derived; every held role must exist.
  for (const auto& [k, h] : s.holdings_)
    for (const auto& r : h.roles) {
      auto it = s.roles_.find({k.first, r});
      if (it == s.roles_.end())
        return corrupt("a held role \"" + r + "\" that " + to_string(k.first) + " does not define");
      ++it->second.holders;
    }
  if (s.global_admins() == 0)
    return corrupt("no global admin");
  return s;
}

// --- shapes (chains/access/access_shape.hpp) ---------------------------------------------

status check_shape(const acl_grant_tx& p) {
  return check_change_shape(p.scope, p.permissions, p.role);
}

status check_shape(const acl_revoke_tx& p) {
  return check_change_shape(p.scope, p.permissions, p.role);
}

status check_shape(const acl_role_define_tx& p) {
  if (!p.scope.valid())
    return make_error(errc::invalid_argument, "not a valid scope (global has id 0)");
  if (!valid_role_name(p.role))
    return make_error(errc::invalid_argument, "role names are 1-32 characters of a-z, 0-9 and _");
  if ((p.permissions & ~all_permissions) != 0)
    return make_error(errc::invalid_argument, "permissions name an undefined bit");
  return {};
}

status check_shape(const acl_set_level_tx& p) {
  if (p.level > max_level)
    return make_error(errc::invalid_argument, "service levels are 0 to " + std::to_string(max_level));
  return {};
}

scope authority_scope(const acl_grant_tx& p) {
  return p.scope;
}
scope authority_scope(const acl_revoke_tx& p) {
  return p.scope;
}
scope authority_scope(const acl_role_define_tx& p) {
  return p.scope;
}
scope authority_scope(const acl_set_level_tx& p) {
  return {scope_kind::fund_group, p.group};
}

} // namespace bfd::acl
