// Access control against a reference model: plain maps and the rules of docs/access-control.md
// written out again, independently and naively (a copy of the whole model to decide "last
// admin"), compared with the access module over 10^5 random sequences of grants, revocations,
// role definitions, level changes, checks and rollbacks. Every disagreement is counted; the
// counts are printed (issue 14) and must show 0 mismatches.
#include <doctest/doctest.h>

#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <tuple>

#include "chains/access/access_module.hpp"
#include "chains/ledger/ledger.hpp"
#include "tests/chains/sample.hpp"

using namespace bfd;

namespace {

constexpr int n_accounts = 5;
constexpr std::uint32_t n_perms = 11;
constexpr std::uint32_t all_bits = (1u << n_perms) - 1;
constexpr std::uint32_t admin_bit = 1u << 0;

struct sc {
  int kind = 0;  // 0 global, 1 fund group, 2 service, 3 sidechain
  std::uint64_t id = 0;
  auto operator<=>(const sc&) const = default;
};

bool role_name_ok(const std::string& r) {
  if (r.empty() || r.size() > 32)
    return false;
  for (char c : r)
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_'))
      return false;
  return true;
}

/// The reference model: what each account holds, what each role is, each level.
struct model {
  std::map<std::pair<sc, int>, std::uint32_t> direct;
  std::map<std::pair<sc, int>, std::set<std::string>> held;
  std::map<std::pair<sc, std::string>, std::uint32_t> roles;
  std::map<std::pair<std::uint64_t, int>, int> levels;

  std::uint32_t perms(int a, sc s) const {
    std::uint32_t m = 0;
    if (auto it = direct.find({s, a}); it != direct.end())
      m |= it->second;
    if (auto it = held.find({s, a}); it != held.end())
      for (const auto& r : it->second)
        m |= roles.at({s, r});
    return m;
  }
  int level(std::uint64_t g, int a) const {
    auto it = levels.find({g, a});
    return it == levels.end() ? 0 : it->second;
  }
  bool is_admin(int a, sc s) const { return ((perms(a, {}) | perms(a, s)) & admin_bit) != 0; }
  int global_admins() const {
    int n = 0;
    for (int a = 0; a < n_accounts; ++a)
      n += (perms(a, {}) & admin_bit) ? 1 : 0;
    return n;
  }
  int holders(sc s, const std::string& r) const {
    int n = 0;
    for (const auto& [k, set] : held)
      n += (k.first == s && set.count(r)) ? 1 : 0;
    return n;
  }
  int roles_in(sc s) const {
    int n = 0;
    for (const auto& [k, m] : roles)
      n += k.first == s ? 1 : 0;
    return n;
  }
  void cleanup(sc s, int a) {
    if (direct.count({s, a}) && direct[{s, a}] == 0)
      direct.erase({s, a});
    if (held.count({s, a}) && held[{s, a}].empty())
      held.erase({s, a});
  }

  errc check(int a, sc s, int p, int min_level) const {
    if (s.kind == 0 && s.id != 0)
      return errc::invalid_argument;
    const auto m = perms(a, {}) | perms(a, s);
    if (!((m >> p) & 1))
      return errc::access_denied;
    if (min_level == 0)
      return errc::ok;
    if (s.kind != 1 || level(s.id, a) < min_level)
      return errc::access_denied;
    return errc::ok;
  }

  errc grant(int sender, sc s, int a, std::uint32_t mask, const std::string& role) {
    if ((s.kind == 0 && s.id != 0) || (mask & ~all_bits) || (mask == 0 && role.empty())
        || (!role.empty() && !role_name_ok(role)))
      return errc::invalid_argument;
    if (!is_admin(sender, s))
      return errc::access_denied;
    if (!role.empty() && !roles.count({s, role}))
      return errc::unknown_role;
    const std::uint32_t have = direct.count({s, a}) ? direct[{s, a}] : 0;
    const bool new_role = !role.empty() && !(held.count({s, a}) && held[{s, a}].count(role));
    if ((mask & ~have) == 0 && !new_role)
      return errc::already_held;
    if (new_role && held.count({s, a}) && held[{s, a}].size() >= 16)
      return errc::acl_limit;
    direct[{s, a}] = have | mask;
    if (new_role)
      held[{s, a}].insert(role);
    cleanup(s, a);
    return errc::ok;
  }

  errc revoke(int sender, sc s, int a, std::uint32_t mask, const std::string& role) {
    if ((s.kind == 0 && s.id != 0) || (mask & ~all_bits) || (mask == 0 && role.empty())
        || (!role.empty() && !role_name_ok(role)))
      return errc::invalid_argument;
    if (!is_admin(sender, s))
      return errc::access_denied;
    const std::uint32_t have = direct.count({s, a}) ? direct[{s, a}] : 0;
    const bool has_role = !role.empty() && held.count({s, a}) && held[{s, a}].count(role);
    if ((have & mask) == 0 && !has_role)
      return errc::not_held;
    model after = *this;
    after.direct[{s, a}] = have & ~mask;
    if (has_role)
      after.held[{s, a}].erase(role);
    after.cleanup(s, a);
    if (after.global_admins() == 0)
      return errc::last_admin;
    *this = std::move(after);
    return errc::ok;
  }

  errc define(int sender, sc s, const std::string& role, std::uint32_t mask) {
    if ((s.kind == 0 && s.id != 0) || !role_name_ok(role) || (mask & ~all_bits))
      return errc::invalid_argument;
    if (!is_admin(sender, s))
      return errc::access_denied;
    const bool exists = roles.count({s, role}) > 0;
    if (mask == 0) {
      if (!exists)
        return errc::unknown_role;
      if (holders(s, role) > 0)
        return errc::role_in_use;
    } else if (exists && roles[{s, role}] == mask) {
      return errc::already_held;
    } else if (!exists && roles_in(s) >= 64) {
      return errc::acl_limit;
    }
    model after = *this;
    if (mask == 0)
      after.roles.erase({s, role});
    else
      after.roles[{s, role}] = mask;
    if (after.global_admins() == 0)
      return errc::last_admin;
    *this = std::move(after);
    return errc::ok;
  }

  errc set_level(int sender, std::uint64_t g, int a, int l) {
    if (l > 3)
      return errc::invalid_argument;
    if (!is_admin(sender, {1, g}))
      return errc::access_denied;
    if (level(g, a) == l)
      return errc::already_held;
    if (l == 0)
      levels.erase({g, a});
    else
      levels[{g, a}] = l;
    return errc::ok;
  }
};

struct counts {
  std::uint64_t sequences = 0, operations = 0, accepted = 0, checks = 0, rollbacks = 0, mismatches = 0;
};

struct harness {
  std::mt19937_64 rng;
  std::vector<key_pair> keys;
  std::vector<address> addrs;
  ledger l{mainchain_id};
  block_context ctx;
  counts n;

  explicit harness(std::uint64_t seed) : rng(seed) {
    for (int i = 0; i < n_accounts; ++i) {
      keys.push_back(test::keys_of(static_cast<byte>(0x70 + i)));
      addrs.push_back(address_of(keys.back().pub));
    }
  }

  std::uint64_t pick(std::uint64_t n) { return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(rng); }
  bool chance(int percent) { return static_cast<int>(pick(100)) < percent; }

  sc any_scope() {
    static const sc scopes[] = {{0, 0}, {1, 1}, {1, 2}, {2, 1}, {3, 1}};
    if (chance(2))
      return {0, 3};  // global with an id: malformed
    return scopes[pick(5)];
  }
  std::uint32_t any_mask() {
    if (chance(2))
      return 1u << 12;  // an undefined bit
    if (chance(10))
      return static_cast<std::uint32_t>(pick(all_bits + 1));
    static const std::uint32_t bits[] = {1u << 0, 1u << 1, 1u << 3, 1u << 10};  // admin, read, trade, sidechain_admin
    std::uint32_t m = 0;
    while (m == 0 || chance(30))
      m |= bits[pick(4)];
    return chance(5) ? 0 : m;
  }
  std::string any_role() {
    static const char* names[] = {"", "", "ops", "investor", "auditor"};
    if (chance(2))
      return "Bad!";
    return names[pick(5)];
  }
  int any_sender() { return chance(45) ? 0 : static_cast<int>(pick(n_accounts)); }

  acl::scope to_scope(sc s) const { return {static_cast<acl::scope_kind>(s.kind), s.id}; }

  errc run(access_module& m, int sender, tx_payload payload) {
    transaction tx;
    tx.sender = keys[static_cast<std::size_t>(sender)].pub;
    tx.payload = std::move(payload);
    auto checked = m.check(tx, ctx, l);
    const auto mark = m.checkpoint();
    auto applied = m.apply(tx, ctx, l);
    // check and apply agree, and a refused apply leaves nothing behind.
    if (checked.error().code != applied.error().code)
      ++n.mismatches;
    if (!applied && m.checkpoint() != mark)
      ++n.mismatches;
    return applied.error().code;
  }

  void one_check(const model& ref, const access_module& m) {
    const int a = static_cast<int>(pick(n_accounts));
    const sc s = any_scope();
    const int p = static_cast<int>(pick(n_perms));
    const int lvl = chance(30) ? static_cast<int>(pick(4)) : 0;
    const auto got = m.state().check(addrs[static_cast<std::size_t>(a)], to_scope(s), static_cast<acl::permission>(p),
                                     static_cast<acl::service_level>(lvl));
    ++n.checks;
    if (got.error().code != ref.check(a, s, p, lvl))
      ++n.mismatches;
  }

  // Everything the model knows, compared with the module's state.
  void compare_all(const model& ref, const access_module& m) {
    static const sc scopes[] = {{0, 0}, {1, 1}, {1, 2}, {2, 1}, {3, 1}};
    for (int a = 0; a < n_accounts; ++a) {
      const auto& addr = addrs[static_cast<std::size_t>(a)];
      for (const auto& s : scopes)
        if (m.state().permissions_in(addr, to_scope(s)) != ref.perms(a, s))
          ++n.mismatches;
      for (std::uint64_t g = 1; g <= 2; ++g)
        if (m.state().level(g, addr) != ref.level(g, a))
          ++n.mismatches;
    }
    if (m.state().global_admins() != static_cast<std::size_t>(ref.global_admins()))
      ++n.mismatches;
  }

  void sequence() {
    const bool two_admins = chance(30);
    acl::access_state genesis_state = *acl::access_state::genesis(
      two_admins ? std::vector<address>{addrs[0], addrs[1]} : std::vector<address>{addrs[0]});
    access_module m(std::move(genesis_state));
    model ref;
    ref.direct[{sc{}, 0}] = admin_bit;
    if (two_admins)
      ref.direct[{sc{}, 1}] = admin_bit;

    const int ops = 1 + static_cast<int>(pick(16));
    const int mark_at = chance(35) ? static_cast<int>(pick(static_cast<std::uint64_t>(ops))) : -1;
    const int undo_at = mark_at >= 0 ? mark_at + static_cast<int>(pick(static_cast<std::uint64_t>(ops - mark_at))) : -1;
    std::size_t mark = 0;
    model saved;
    hash256 saved_root;
    for (int i = 0; i < ops; ++i) {
      if (i == mark_at) {
        mark = m.checkpoint();
        saved = ref;
        saved_root = *m.root();
      }
      const int sender = any_sender();
      const int a = static_cast<int>(pick(n_accounts));
      const auto& acct = addrs[static_cast<std::size_t>(a)];
      const sc s = any_scope();
      errc want{}, got{};
      switch (pick(10)) {
        case 0: case 1: case 2: {
          const auto mask = any_mask();
          const auto role = any_role();
          want = ref.grant(sender, s, a, mask, role);
          got = run(m, sender, acl_grant_tx{to_scope(s), acct, mask, role});
          break;
        }
        case 3: case 4: case 5: {
          const auto mask = chance(50) ? any_mask() : 0;
          const auto role = any_role();
          want = ref.revoke(sender, s, a, mask, role);
          got = run(m, sender, acl_revoke_tx{to_scope(s), acct, mask, role});
          break;
        }
        case 6: case 7: {
          auto role = any_role();
          if (role.empty())
            role = "ops";
          const auto mask = chance(20) ? 0 : any_mask();
          want = ref.define(sender, s, role, mask);
          got = run(m, sender, acl_role_define_tx{to_scope(s), role, mask});
          break;
        }
        default: {
          const auto g = 1 + pick(2);
          const int lvl = chance(3) ? 4 + static_cast<int>(pick(3)) : static_cast<int>(pick(4));
          want = ref.set_level(sender, g, a, lvl);
          got = run(m, sender, acl_set_level_tx{g, acct, static_cast<acl::service_level>(lvl)});
          break;
        }
      }
      ++n.operations;
      if (got == errc::ok)
        ++n.accepted;
      if (got != want)
        ++n.mismatches;
      one_check(ref, m);
      one_check(ref, m);
      if (i == undo_at) {
        m.rollback(mark);
        ref = saved;
        ++n.rollbacks;
        if (*m.root() != saved_root)
          ++n.mismatches;
      }
    }
    compare_all(ref, m);
    // Now and then: the records restore the same state and root.
    if (n.sequences % 97 == 0) {
      auto records = m.state().all_records();
      auto back = access_module::from_records(records);
      if (!back || (*back)->root() != m.root() || !((*back)->state() == m.state()))
        ++n.mismatches;
    }
    ++n.sequences;
  }
};

} // namespace

TEST_CASE("the access module agrees with a reference model over 10^5 random sequences") {
  harness h(0xacc355);
  for (int i = 0; i < 100'000; ++i)
    h.sequence();
  const auto& n = h.n;
  std::printf("access model test: %llu sequences, %llu operations (%llu accepted), %llu checks, %llu rollbacks, "
              "%llu mismatches\n",
              static_cast<unsigned long long>(n.sequences), static_cast<unsigned long long>(n.operations),
              static_cast<unsigned long long>(n.accepted), static_cast<unsigned long long>(n.checks),
              static_cast<unsigned long long>(n.rollbacks), static_cast<unsigned long long>(n.mismatches));
  MESSAGE("sequences " << n.sequences << ", operations " << n.operations << ", accepted " << n.accepted
                       << ", checks " << n.checks << ", rollbacks " << n.rollbacks << ", mismatches "
                       << n.mismatches);
  CHECK(n.sequences == 100'000);
  // The sequences exercise acceptance and refusal alike (a harness that only ever refused
  // would agree with any model).
  CHECK(n.accepted > n.operations / 5);
  CHECK(n.accepted < n.operations);
  CHECK(n.rollbacks > 10'000);
  CHECK(n.mismatches == 0);
}

TEST_CASE("the model test's comparison catches a wrong rule") {
  // A model that forgets the global-grant rule disagrees with the module: the comparison is not
  // vacuous.
  harness h(7);
  acl::access_state st = *acl::access_state::genesis(std::vector<address>{h.addrs[0]});
  access_module m(std::move(st));
  model ref;
  ref.direct[{sc{}, 0}] = admin_bit;
  REQUIRE(h.run(m, 0, acl_grant_tx{acl::scope::global(), h.addrs[1], 1u << 3, ""}) == errc::ok);
  REQUIRE(ref.grant(0, sc{}, 1, 1u << 3, "") == errc::ok);
  // Both allow trade in fund group 1 through the global grant...
  CHECK(m.state().check(h.addrs[1], {acl::scope_kind::fund_group, 1}, acl::permission::trade).ok());
  CHECK(ref.check(1, {1, 1}, 3, 0) == errc::ok);
  // ...and a model that looked only at the scope itself would not.
  model wrong = ref;
  wrong.direct.erase({sc{}, 1});
  CHECK(wrong.check(1, {1, 1}, 3, 0) != errc::ok);
}
