// DS metadata against a small reference model: random sequences of liquidation steps, fund-raise
// terms, issuances and rate updates (authorised or not, well formed or not, with rollbacks) run
// through dsmeta_state and through plain variables; every reason code, the status, the totals
// and the whole rate history (read back in bounded pages) must agree.
#include <doctest/doctest.h>

#include <cstdio>
#include <random>

#include "chains/crypto/keys.hpp"
#include "chains/dsmeta/dsmeta_state.hpp"
#include "tests/chains/network_fixture.hpp"

using namespace bfd;

namespace {

struct model {
  bool org = false;
  ds::fund_status status = ds::fund_status::active;
  bool terms = false;
  ds::rate_mode mode = ds::rate_mode::fixed;
  amount max = 0;
  std::uint64_t deadline = 0;
  amount issued = 0;
  std::uint64_t issuances = 0;
  std::vector<ds::rate_entry> rates;
};

struct fixture {
  key_pair admin = test::keys_of(0x31);
  key_pair writer = test::keys_of(0x32);    // write, issue, liquidate on the fund chain
  key_pair stranger = test::keys_of(0x33);  // nothing
  acl::access_state access;

  fixture() : access(*acl::access_state::genesis(std::vector<address>{address_of(test::keys_of(0x31).pub)})) {
    const acl::scope own{acl::scope_kind::sidechain, 9};
    REQUIRE(access.apply_grant(address_of(admin.pub),
                               acl_grant_tx{own, address_of(writer.pub),
                                            acl::bit(acl::permission::write) | acl::bit(acl::permission::issue)
                                              | acl::bit(acl::permission::liquidate),
                                            ""}));
  }
};

ds::env env_at(const fixture& fx, std::uint64_t height) {
  return ds::env{9, height, &fx.access, nullptr};
}

errc code_of(const status& st) {
  return st ? errc::ok : st.error().code;
}

} // namespace

TEST_CASE("DS metadata matches a reference model of liquidation and rate history over 10^4 random sequences") {
  fixture fx;
  std::mt19937_64 rng(20261203);
  auto pick = [&](std::uint64_t n) { return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(rng); };
  std::uint64_t sequences = 0, operations = 0, accepted = 0, rollbacks = 0, restores = 0, mismatches = 0, pages = 0;
  const amount rate_choices[] = {0, units_per_bfdt, 2 * units_per_bfdt, 3 * units_per_bfdt, ds::bfdt_rate + 7};

  for (int seq = 0; seq < 10'000; ++seq, ++sequences) {
    auto s = ds::dsmeta_state::genesis(9);
    model m;
    std::uint64_t height = 1;
    std::optional<std::pair<std::size_t, model>> mark;
    std::optional<hash256> mark_root;
    const bool register_first = pick(8) != 0;
    std::uint64_t next_op = 0;
    auto run_op = [&](const key_pair& who, const ds::op_body& b) {
      const auto e = env_at(fx, height);
      const auto body = ds::encode_op(b);
      const auto keys = ds::op_keys(b.kind);
      auto st = s.check_op(address_of(who.pub), ds::op_name(b.kind), keys, byte_view{body.data(), body.size()}, e);
      if (st)
        REQUIRE(s.apply_op(b, ds::op_ref{1, next_op++}, e));
      return code_of(st);
    };
    if (register_first) {
      ds::op_body r;
      r.kind = ds::op_kind::register_org;
      r.name = "fund";
      r.owner = address_of(fx.admin.pub);
      REQUIRE(run_op(fx.admin, r) == errc::ok);
      m.org = true;
    }
    const auto steps = 4 + pick(16);
    for (std::uint64_t i = 0; i < steps; ++i, ++operations, ++height) {
      const bool authorised = pick(6) != 0;
      const auto& who = authorised ? fx.writer : fx.stranger;
      errc want = errc::ok;
      errc got = errc::ok;
      const auto what = pick(10);
      if (what < 3) {  // rate update (local)
        const amount rate = pick(4) == 0 && !m.rates.empty() ? m.rates.back().rate : rate_choices[pick(5)];
        if (rate == 0)
          want = errc::invalid_argument;
        else if (!m.org)
          want = errc::ds_no_org;
        else if (!authorised)
          want = errc::access_denied;
        else if (m.status != ds::fund_status::active)
          want = errc::ds_not_active;
        else if (!m.terms)
          want = errc::ds_no_raise;
        else if (m.mode != ds::rate_mode::floating)
          want = errc::ds_rate_fixed;
        else if (rate == m.rates.back().rate)
          want = errc::ds_no_change;
        got = code_of(s.apply(who.pub, ds_rate_set_tx{rate}, env_at(fx, height)));
        if (want == errc::ok)
          m.rates.push_back({rate, height, ds::rate_source::update});
      } else if (what < 5) {  // fund-raise terms
        ds::op_body b;
        b.kind = ds::op_kind::raise;
        auto& t = b.terms;
        t.mode = static_cast<ds::rate_mode>(pick(3));
        t.rate = t.mode == ds::rate_mode::bfdt && pick(3) != 0 ? ds::bfdt_rate : rate_choices[pick(5)];
        t.min = pick(5) * 100;
        t.target = t.min + pick(3) * 100 - 50;
        t.max = t.target + pick(3) * 100;
        t.deadline = height + pick(20) - 2;
        t.symbol = "F" + std::to_string(pick(100));
        const bool bad = t.min == 0 || t.min > t.target || t.target > t.max || t.rate == 0
                         || (t.mode == ds::rate_mode::bfdt && t.rate != ds::bfdt_rate) || t.deadline <= height;
        if (!authorised)
          want = errc::access_denied;
        else if (!m.org)
          want = errc::ds_no_org;
        else if (m.status != ds::fund_status::active)
          want = errc::ds_not_active;
        else if (bad)
          want = errc::ds_bad_terms;
        else if (m.issuances > 0)
          want = errc::ds_raise_closed;
        got = run_op(who, b);
        if (want == errc::ok) {
          m.terms = true;
          m.mode = t.mode;
          m.max = t.max;
          m.deadline = t.deadline;
          m.rates.push_back({t.rate, height, ds::rate_source::terms});
        }
      } else if (what < 7) {  // issuance
        ds::op_body b;
        b.kind = ds::op_kind::issue;
        b.value = pick(4) * 150;
        if (!authorised)
          want = errc::access_denied;
        else if (!m.org)
          want = errc::ds_no_org;
        else if (m.status != ds::fund_status::active)
          want = errc::ds_not_active;
        else if (!m.terms)
          want = errc::ds_no_raise;
        else if (b.value == 0)
          want = errc::ds_bad_terms;
        else if (height > m.deadline)
          want = errc::ds_raise_closed;
        else if (m.issued + b.value > m.max)
          want = errc::ds_over_raise;
        got = run_op(who, b);
        if (want == errc::ok) {
          m.issued += b.value;
          ++m.issuances;
        }
      } else if (what < 9) {  // liquidation step
        ds::op_body b;
        b.kind = ds::op_kind::liquidate;
        b.phase = pick(2) == 0 ? ds::liquidation_phase::start : ds::liquidation_phase::finish;
        const auto need = b.phase == ds::liquidation_phase::start ? ds::fund_status::active : ds::fund_status::liquidating;
        if (!authorised)
          want = errc::access_denied;
        else if (!m.org)
          want = errc::ds_no_org;
        else if (m.status != need)
          want = errc::ds_bad_transition;
        got = run_op(who, b);
        if (want == errc::ok)
          m.status = b.phase == ds::liquidation_phase::start ? ds::fund_status::liquidating : ds::fund_status::liquidated;
      } else if (!mark) {  // take a mark
        mark.emplace(s.checkpoint(), m);
        mark_root = s.root();
        continue;
      } else {  // roll back to it
        s.rollback(mark->first);
        m = mark->second;
        if (s.root() != *mark_root)
          ++mismatches;
        mark.reset();
        ++rollbacks;
        continue;
      }
      if (got != want) {
        ++mismatches;
        if (mismatches < 5)
          MESSAGE("sequence ", seq, " step ", i, " (", what, "): got ", std::string(to_string(got)), ", model says ", std::string(to_string(want)));
      }
      if (got == errc::ok)
        ++accepted;
    }
    // Compare the whole state with the model; the history read in pages of 7.
    const auto sum = s.summary();
    if (sum.status != m.status || sum.issued != m.issued || sum.issuances != m.issuances || sum.rates != m.rates.size()
        || s.terms().has_value() != m.terms)
      ++mismatches;
    std::vector<ds::rate_entry> read;
    for (std::uint64_t from = 0;; from += 7) {
      auto page = s.rates(from, 7);
      ++pages;
      if (page.size() > 7)
        ++mismatches;
      read.insert(read.end(), page.begin(), page.end());
      if (page.size() < 7)
        break;
    }
    if (read != m.rates)
      ++mismatches;
    if (!m.rates.empty() && s.rate() != m.rates.back().rate)
      ++mismatches;
    if (seq % 97 == 0) {
      std::vector<std::pair<bytes, bytes>> recs(s.records().begin(), s.records().end());
      auto back = ds::dsmeta_state::restore(recs);
      if (!back || !(*back == s) || back->root() != s.root())
        ++mismatches;
      ++restores;
    }
  }
  std::printf("dsmeta model test: %llu sequences, %llu operations (%llu accepted), %llu rollbacks, %llu restores, "
              "%llu history pages, %llu mismatches\n",
              static_cast<unsigned long long>(sequences), static_cast<unsigned long long>(operations),
              static_cast<unsigned long long>(accepted), static_cast<unsigned long long>(rollbacks),
              static_cast<unsigned long long>(restores), static_cast<unsigned long long>(pages),
              static_cast<unsigned long long>(mismatches));
  CHECK(mismatches == 0);
  CHECK(sequences == 10'000);
  CHECK(accepted > operations / 10);
}
