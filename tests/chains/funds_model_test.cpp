// The funds module against a small reference model: random sequences of subscriptions, trades,
// sweeps, redemptions, rate updates and liquidation steps (by eligible and ineligible accounts,
// with marks and rollbacks, restores from records) run through funds_state (over a real ledger,
// DS metadata and access state) and through plain variables. Every reason code, every balance
// and the totals must agree, and the conservation invariants hold after every step.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <random>
#include <set>

#include "chains/crypto/keys.hpp"
#include "chains/funds/funds_state.hpp"
#include "chains/ledger/ledger.hpp"
#include "tests/chains/network_fixture.hpp"

using namespace bfd;

namespace {

constexpr chain_id fund_chain = 8;
constexpr amount genesis_tokens = 1'000 * units_per_bfdt;

errc code_of(const status& st) {
  return st ? errc::ok : st.error().code;
}

struct world {
  key_pair admin = test::keys_of(0x41);
  key_pair org = test::keys_of(0x42);
  key_pair sweeper = test::keys_of(0x43);
  std::vector<key_pair> investors{test::keys_of(0x44), test::keys_of(0x45), test::keys_of(0x46)};
  key_pair low = test::keys_of(0x47);       // a member at level 0
  key_pair stranger = test::keys_of(0x48);  // not a member
  address platform = address_of(test::keys_of(0x49).pub);
  acl::access_state access;

  world() : access(*acl::access_state::genesis(std::vector<address>{address_of(test::keys_of(0x41).pub)})) {
    REQUIRE(access.apply_grant(address_of(admin.pub),
                               acl_grant_tx{acl::scope{acl::scope_kind::sidechain, fund_chain}, address_of(admin.pub),
                                            acl::bit(acl::permission::write), ""}));
    REQUIRE(access.apply_grant(address_of(admin.pub),
                               acl_grant_tx{acl::scope{acl::scope_kind::service, 1}, address_of(sweeper.pub),
                                            acl::bit(acl::permission::write), ""}));
  }
  std::vector<address> accounts() const {
    std::vector<address> out{address_of(org.pub), address_of(low.pub), address_of(stranger.pub)};
    for (const auto& k : investors)
      out.push_back(address_of(k.pub));
    return out;
  }
};

/// A DS metadata state with an organisation, terms in `mode` and the members.
ds::dsmeta_state fund_ds(const world& w, ds::rate_mode mode, amount rate, amount max, std::uint64_t deadline) {
  auto s = ds::dsmeta_state::genesis(fund_chain);
  const ds::env e{fund_chain, 1, &w.access, nullptr};
  ds::op_body reg;
  reg.kind = ds::op_kind::register_org;
  reg.name = "model fund";
  reg.owner = address_of(w.org.pub);
  REQUIRE(s.apply_op(reg, ds::op_ref{1, 0}, e));
  ds::op_body raise;
  raise.kind = ds::op_kind::raise;
  raise.terms.min = 1;
  raise.terms.target = max;
  raise.terms.max = max;
  raise.terms.deadline = deadline;
  raise.terms.symbol = "MOD";
  raise.terms.mode = mode;
  raise.terms.rate = rate;
  REQUIRE(s.apply_op(raise, ds::op_ref{1, 1}, e));
  for (const auto& k : w.investors)
    REQUIRE(s.apply(w.admin.pub, ds_member_add_tx{address_of(k.pub), k.pub, 1}, e));
  REQUIRE(s.apply(w.admin.pub, ds_member_add_tx{address_of(w.low.pub), w.low.pub, 0}, e));
  return s;
}

/// The reference: plain variables and the rules written out again, as simply as possible.
struct model {
  ds::rate_mode mode = ds::rate_mode::fixed;
  amount rate = 0;
  amount max = 0;
  std::uint64_t deadline = 0;
  ds::fund_status status = ds::fund_status::active;
  std::map<address, amount> tokens, vouchers;
  amount supply = 0, subscribed = 0, minted = 0, redeemed = 0, redeemed_bfdt = 0, org_fee = 0, platform_fee = 0,
         swept = 0, paid = 0, pegged_out = 0;
  std::set<address> holders;
  address org;
  std::set<address> eligible;

  amount escrow() const {
    return (mode == ds::rate_mode::bfdt ? platform_fee : subscribed) - redeemed_bfdt - paid;
  }
  amount redeemable() const { return minted - redeemed - swept; }
  amount& balance(const address& a) { return mode == ds::rate_mode::bfdt ? vouchers[a] : tokens[a]; }

  errc subscribe(const address& who, amount value, std::uint64_t height) {
    if (value == 0)
      return errc::invalid_argument;
    if (mode == ds::rate_mode::bfdt)
      return errc::funds_wrong_mode;
    if (!eligible.count(who))
      return errc::funds_not_eligible;
    if (status != ds::fund_status::active || height > deadline || subscribed + value > max)
      return errc::funds_raise_closed;
    const auto t = static_cast<amount>(static_cast<unsigned __int128>(value) * units_per_bfdt / rate);
    if (t == 0)
      return errc::funds_too_small;
    if (vouchers[who] < value)
      return errc::insufficient_funds;
    vouchers[who] -= value;
    vouchers[funds::escrow_address()] += value;
    tokens[who] += t;
    supply += t;
    subscribed += value;
    minted += t;
    holders.insert(who);
    return errc::ok;
  }
  errc trade(const address& seller, const address& buyer, amount n) {
    if (n == 0 || seller == buyer)
      return errc::invalid_argument;
    if (!eligible.count(seller) || !eligible.count(buyer))
      return errc::funds_not_eligible;
    if (status != ds::fund_status::active)
      return errc::ds_not_active;
    const amount c = (n * 30 + 9'999) / 10'000;  // n stays below 2^50 here
    const amount o = c * 5'000 / 10'000;
    if (c >= n)
      return errc::funds_too_small;
    if (balance(seller) < n)
      return errc::insufficient_funds;
    balance(seller) -= n;
    balance(buyer) += n - c;
    balance(org) += o;
    if (mode == ds::rate_mode::bfdt)
      vouchers[funds::escrow_address()] += c - o;
    else
      tokens[funds::platform_pending_address()] += c - o;
    org_fee += o;
    platform_fee += c - o;
    holders.insert(seller);
    holders.insert(buyer);
    if (o > 0)
      holders.insert(org);
    return errc::ok;
  }
  errc sweep(bool allowed) {
    if (!allowed)
      return errc::access_denied;
    const amount pending = platform_fee - swept;
    if (pending == 0)
      return errc::funds_nothing_pending;
    if (mode != ds::rate_mode::bfdt && pending > redeemable())
      return errc::funds_short_escrow;
    amount v = mode == ds::rate_mode::bfdt
                 ? pending
                 : static_cast<amount>(static_cast<unsigned __int128>(pending) * rate / units_per_bfdt);
    if (mode == ds::rate_mode::floating && redeemable() > 0)
      v = std::min(v, static_cast<amount>(static_cast<unsigned __int128>(escrow()) * pending / redeemable()));
    if (v == 0)
      return errc::funds_too_small;
    if (v > escrow())
      return errc::funds_short_escrow;
    vouchers[funds::escrow_address()] -= v;
    pegged_out += v;
    if (mode != ds::rate_mode::bfdt) {
      tokens[funds::platform_pending_address()] -= pending;
      supply -= pending;
    }
    swept = platform_fee;
    paid += v;
    return errc::ok;
  }
  errc redeem(const address& who, amount n) {
    if (n == 0)
      return errc::invalid_argument;
    if (mode == ds::rate_mode::bfdt)
      return errc::funds_wrong_mode;
    if (status == ds::fund_status::active)
      return errc::funds_not_liquidating;
    if (tokens[who] < n)
      return errc::insufficient_funds;
    if (n > redeemable())
      return errc::funds_short_escrow;
    amount v = 0;
    if (mode == ds::rate_mode::fixed)
      v = static_cast<amount>(static_cast<unsigned __int128>(n) * rate / units_per_bfdt);
    else
      v = static_cast<amount>(static_cast<unsigned __int128>(escrow()) * n / redeemable());
    if (v == 0)
      return errc::funds_too_small;
    if (v > escrow())
      return errc::funds_short_escrow;
    tokens[who] -= n;
    supply -= n;
    vouchers[funds::escrow_address()] -= v;
    vouchers[who] += v;
    redeemed += n;
    redeemed_bfdt += v;
    holders.insert(who);
    return errc::ok;
  }
};

struct sut {
  funds::funds_state funds;
  ledger l;
  ds::dsmeta_state ds;
  std::map<address, amount> vouchers;
  amount pegged_out = 0;
};

status run_effects(sut& s, const std::vector<peg_effect>& effects) {
  for (const auto& e : effects) {
    REQUIRE(e.denom == funds::bfdt_denom);
    if (s.vouchers[e.from] < e.value)
      return make_error(errc::insufficient_funds, "effect");
    s.vouchers[e.from] -= e.value;
    if (e.destination == 0)
      s.vouchers[e.to] += e.value;
    else
      s.pegged_out += e.value;
  }
  return {};
}

} // namespace

TEST_CASE("funds match a reference model over random sequences in every rate mode") {
  world w;
  std::mt19937_64 rng(20261204);
  auto pick = [&](std::uint64_t n) { return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(rng); };
  std::uint64_t sequences = 0, operations = 0, accepted = 0, rollbacks = 0, restores = 0, mismatches = 0;
  std::map<errc, std::uint64_t> codes;
  const auto accounts = w.accounts();
  const amount rates[] = {units_per_bfdt, 3 * units_per_bfdt / 2, 7, 2 * units_per_bfdt + 1};

  for (int seq = 0; seq < 3'000; ++seq, ++sequences) {
    const auto mode = static_cast<ds::rate_mode>(pick(3));
    const amount rate = mode == ds::rate_mode::bfdt ? ds::bfdt_rate : rates[pick(4)];
    const amount max = (1 + pick(50)) * units_per_bfdt;
    const std::uint64_t deadline = 5 + pick(20);
    sut s{funds::funds_state{}, *ledger::from_genesis(fund_chain, std::vector<genesis_allocation>{
                                                                    {address_of(w.org.pub), genesis_tokens}}),
          fund_ds(w, mode, rate, max, deadline), {}, 0};
    model m;
    m.mode = mode;
    m.rate = rate;
    m.max = max;
    m.deadline = deadline;
    m.org = address_of(w.org.pub);
    m.eligible = {m.org};
    for (const auto& k : w.investors)
      m.eligible.insert(address_of(k.pub));
    m.tokens[m.org] = genesis_tokens;
    m.supply = genesis_tokens;
    for (const auto& a : accounts) {
      const amount v = pick(4) == 0 ? 0 : pick(30 * units_per_bfdt);
      s.vouchers[a] = v;
      m.vouchers[a] = v;
    }
    amount initial_vouchers = 0;
    for (const auto& [a, v] : s.vouchers)
      initial_vouchers += v;
    struct saved {
      std::size_t funds_mark, ledger_mark, ds_mark;
      std::map<address, amount> vouchers;
      amount pegged_out;
      model m;
    };
    std::optional<saved> mark;
    std::uint64_t height = 2;
    const int steps = 5 + static_cast<int>(pick(25));
    for (int step = 0; step < steps; ++step, ++operations, ++height) {
      const ds::env de{fund_chain, height, &w.access, nullptr};
      funds::env e;
      e.height = height;
      e.ds = &s.ds;
      e.access = &w.access;
      e.vouchers = [&s](const address& a) { return s.vouchers.count(a) ? s.vouchers.at(a) : 0; };
      const auto& who = accounts[pick(accounts.size())];
      const auto amount_of = [&](amount cap) {
        switch (pick(4)) {
          case 0: return amount{0};
          case 1: return static_cast<amount>(pick(100));
          case 2: return static_cast<amount>(pick(cap + 1));
          default: return static_cast<amount>(pick(10 * units_per_bfdt));
        }
      };
      std::vector<peg_effect> effects;
      errc got = errc::ok, want = errc::ok;
      const auto op = pick(100);
      auto take = [&](status st) {
        got = code_of(st);
        if (st)
          REQUIRE(run_effects(s, effects));
      };
      if (op < 30) {
        const auto v = amount_of(s.vouchers[who]);
        take(s.funds.apply(who, fund_subscribe_tx{v}, e, s.l, effects));
        want = m.subscribe(who, v, height);
      } else if (op < 65) {
        const auto& buyer = accounts[pick(accounts.size())];
        const auto n = amount_of(mode == ds::rate_mode::bfdt ? s.vouchers[who] : s.l.get(who).balance);
        take(s.funds.apply(who, fund_trade_tx{buyer, n}, e, s.l, effects));
        want = m.trade(who, buyer, n);
      } else if (op < 72) {
        const bool by_sweeper = pick(3) != 0;
        const auto sender = by_sweeper ? address_of(w.sweeper.pub) : who;
        take(s.funds.apply(sender, fund_sweep_tx{w.platform, 1'000}, e, s.l, effects));
        want = m.sweep(by_sweeper);
      } else if (op < 85) {
        const auto n = amount_of(s.l.get(who).balance);
        take(s.funds.apply(who, fund_redeem_tx{n}, e, s.l, effects));
        want = m.redeem(who, n);
      } else if (op < 90) {
        // Liquidation steps (over the peg in a real chain: applied to DS metadata directly here).
        ds::op_body b;
        b.kind = ds::op_kind::liquidate;
        b.phase = m.status == ds::fund_status::active ? ds::liquidation_phase::start : ds::liquidation_phase::finish;
        if (m.status != ds::fund_status::liquidated) {
          REQUIRE(s.ds.apply_op(b, ds::op_ref{1, 10 + height}, de));
          m.status = m.status == ds::fund_status::active ? ds::fund_status::liquidating : ds::fund_status::liquidated;
        }
        continue;
      } else if (op < 93) {
        if (mode == ds::rate_mode::floating && m.status == ds::fund_status::active) {
          const amount r = 1 + pick(3 * units_per_bfdt);
          if (s.ds.apply(w.admin.pub, ds_rate_set_tx{r}, de)) {
            m.rate = r;
          }
        }
        continue;
      } else if (op < 96) {
        mark = saved{s.funds.checkpoint(), s.l.checkpoint(), s.ds.checkpoint(), s.vouchers, s.pegged_out, m};
        continue;
      } else {
        if (mark) {
          s.funds.rollback(mark->funds_mark);
          s.l.rollback(mark->ledger_mark);
          s.ds.rollback(mark->ds_mark);
          s.vouchers = mark->vouchers;
          s.pegged_out = mark->pegged_out;
          m = mark->m;
          mark.reset();
          ++rollbacks;
        }
        continue;
      }
      ++codes[got];
      if (got == errc::ok)
        ++accepted;
      if (got != want) {
        ++mismatches;
        MESSAGE("sequence " << seq << " step " << step << " op " << op << ": got " << to_string(got) << ", model "
                            << to_string(want));
      }
      // Every balance, the totals and the invariants, after every step.
      const auto t = s.funds.totals();
      bool same = t.subscribed_bfdt == m.subscribed && t.minted == m.minted && t.redeemed == m.redeemed
                  && t.redeemed_bfdt == m.redeemed_bfdt && t.commission_org == m.org_fee
                  && t.commission_platform == m.platform_fee && t.platform_swept == m.swept
                  && t.platform_paid_bfdt == m.paid && s.pegged_out == m.pegged_out && s.l.total_supply() == m.supply
                  && t.holders == m.holders.size();
      for (const auto& a : accounts)
        same = same && s.l.get(a).balance == m.tokens[a] && s.vouchers[a] == m.vouchers[a];
      same = same && s.vouchers[funds::escrow_address()] == m.vouchers[funds::escrow_address()]
             && s.l.get(funds::platform_pending_address()).balance == m.tokens[funds::platform_pending_address()];
      if (!same) {
        ++mismatches;
        MESSAGE("sequence " << seq << " step " << step << ": balances or totals differ from the model");
      }
      CHECK(s.l.check_conservation());
      if (!s.funds.empty()) {
        CHECK(s.vouchers[funds::escrow_address()] == funds::escrow_accounted(t));
        // Vouchers are conserved: what is on the chain plus what left by the peg.
        amount on_chain = 0;
        for (const auto& [a, v] : s.vouchers)
          on_chain += v;
        CHECK(on_chain + s.pegged_out == initial_vouchers);
        if (mode != ds::rate_mode::bfdt) {
          CHECK(s.l.total_supply() == genesis_tokens + t.minted - t.redeemed - t.platform_swept);
          if (mode == ds::rate_mode::fixed)
            CHECK(*funds::tokens_to_bfdt(funds::redeemable(t), t.fixed_rate) <= funds::escrow_accounted(t));
        }
      }
    }
    if (seq % 29 == 0) {
      s.funds.release_undo();
      auto back = funds::funds_state::restore(std::vector<std::pair<bytes, bytes>>(s.funds.records().begin(),
                                                                                  s.funds.records().end()));
      INFO((back ? std::string() : back.error().message()));
      REQUIRE(back);
      CHECK(*back == s.funds);
      CHECK(back->root() == s.funds.root());
      ++restores;
    }
  }
  std::string code_list;
  for (const auto& [c, n] : codes)
    code_list += std::string(" ") + std::string(to_string(c)) + "=" + std::to_string(n);
  std::printf("funds model test: %llu sequences, %llu operations (%llu accepted), %llu rollbacks, %llu restores, "
              "%llu mismatches;%s\n",
              static_cast<unsigned long long>(sequences), static_cast<unsigned long long>(operations),
              static_cast<unsigned long long>(accepted), static_cast<unsigned long long>(rollbacks),
              static_cast<unsigned long long>(restores), static_cast<unsigned long long>(mismatches), code_list.c_str());
  CHECK(mismatches == 0);
  CHECK(accepted > 1'000);
  CHECK(codes[errc::funds_not_eligible] > 0);
  CHECK(codes[errc::funds_not_liquidating] > 0);
  CHECK(codes[errc::funds_wrong_mode] > 0);
}
