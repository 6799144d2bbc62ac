// The health figures a node measures of a chain (actors/chain/chain_health.hpp) and the triage's
// pure steps (runtime/service_triage.hpp): calls and failures from receipts, missed slots from
// block timestamps, the final-seen latency p99, the range each report covers.
#include <doctest/doctest.h>

#include <map>
#include <tuple>

#include "actors/chain/chain_health.hpp"
#include "chains/crypto/keys.hpp"
#include "chains/services/services_state.hpp"
#include "runtime/service_triage.hpp"
#include "tests/chains/sample.hpp"

using namespace bfd;

namespace {

constexpr std::uint64_t genesis_ms = 1'000'000;
constexpr std::uint64_t slot_ms = 300;

transaction call_to(const address& contract, std::uint64_t nonce) {
  transaction tx;
  tx.chain = 2;
  tx.nonce = nonce;
  tx.expiry = 1000;
  tx.fee = 10;
  contract_call_tx c;
  c.contract = contract;
  c.entry = "increment";
  c.fuel = 1000;
  tx.payload = c;
  sign_transaction(tx, test::keys_of(7), hash256{});
  return tx;
}

block block_in_slot(std::uint64_t height, std::uint64_t slot, std::vector<transaction> txs = {}) {
  block b;
  b.header.chain = 2;
  b.header.height = height;
  b.header.timestamp_ms = genesis_ms + slot * slot_ms + 10;
  b.txs = std::move(txs);
  return b;
}

/// Service `service`'s version `version` in phase canary on chain `chain` from mainchain height 12.
service_rollout_view rollout_in_canary(std::uint64_t service, std::uint32_t version, std::uint32_t chain) {
  service_rollout_view r;
  r.service = service;
  r.version = version;
  r.previous = version - 1;
  r.canary = chain;
  r.canary_height = 12;
  r.instance = address_of(test::keys_of(1).pub);
  return r;
}

} // namespace

TEST_CASE("health counts the calls to one contract, their failures, empty slots and the latency p99") {
  const auto contract = address_of(test::keys_of(1).pub);
  const auto other = address_of(test::keys_of(2).pub);
  std::vector<transaction> calls;
  for (std::uint64_t n = 0; n < 5; ++n)
    calls.push_back(call_to(contract, n));
  // Heights 10..14 in slots 20, 21, 21 (two blocks in one slot), 24, 25: slots 22 and 23 are empty.
  std::vector<block> blocks{block_in_slot(10, 20), block_in_slot(11, 21, {calls[0], calls[1]}),
                            block_in_slot(12, 21, {calls[2], call_to(other, 9)}), block_in_slot(13, 24, {calls[3]}),
                            block_in_slot(14, 25, {calls[4]})};
  std::map<hash256, bool> outcome{{signing_hash(calls[0]), true}, {signing_hash(calls[1]), false},
                                  {signing_hash(calls[2]), false}, {signing_hash(calls[3]), true}};
  // calls[4]'s receipt is no longer kept.
  health_inputs in;
  in.contract = contract;
  in.genesis_time_ms = genesis_ms;
  in.slot_ms = slot_ms;
  in.call_ok = [&](const hash256& id) -> std::optional<bool> {
    auto i = outcome.find(id);
    return i == outcome.end() ? std::nullopt : std::optional<bool>(i->second);
  };
  // Seen final 500 ms after the timestamp, except height 13 (2000 ms) and 14 (never seen).
  in.final_seen_ms = [&](std::uint64_t h) -> std::optional<std::uint64_t> {
    if (h == 14)
      return std::nullopt;
    return blocks.at(h - 10).header.timestamp_ms + (h == 13 ? 2000 : 500);
  };
  std::vector<const block*> range;
  for (const auto& b : blocks)
    range.push_back(&b);
  const auto h = measure_health(range, in);
  CHECK(h.from == 11);
  CHECK(h.to == 14);
  CHECK(h.blocks == 4);
  CHECK(h.calls == 5);
  CHECK(h.failed_calls == 2);
  CHECK(h.unknown_calls == 1);
  CHECK(h.missed_slots == 2);
  CHECK(h.latency_samples == 3);
  CHECK(h.latency_p99_ms == 2000);
  CHECK(h.latency_max_ms == 2000);

  // No calls to an unknown contract; one block only: no slot span beyond its own.
  in.contract = address_of(test::keys_of(3).pub);
  const auto none = measure_health({&blocks[0], &blocks[1]}, in);
  CHECK(none.calls == 0);
  CHECK(none.blocks == 1);
  CHECK(none.missed_slots == 0);
}

TEST_CASE("the p99 is the nearest rank, and the final-seen ring keeps its most recent heights") {
  std::vector<std::uint64_t> none;
  CHECK(p99(none) == 0);
  std::vector<std::uint64_t> hundred;
  for (std::uint64_t i = 100; i >= 1; --i)
    hundred.push_back(i);
  CHECK(p99(hundred) == 99);
  std::vector<std::uint64_t> two{7, 3};
  CHECK(p99(two) == 7);
  final_seen_ring ring;
  for (std::uint64_t h = 1; h <= final_seen_ring::capacity + 10; ++h)
    ring.record(h, 1000 + h);
  CHECK(ring.size() == final_seen_ring::capacity);
  CHECK_FALSE(ring.at(10));
  CHECK(ring.at(11) == 1011);
  ring.record(11, 5);  // the first sighting stays
  CHECK(ring.at(11) == 1011);
}

TEST_CASE("the triage measures from where the canary went live, once per new final height, at most 1000 heights") {
  runtime::canary_watch w{50, 0};
  CHECK_FALSE(runtime::measure_range(w, 49));
  CHECK(runtime::measure_range(w, 50) == std::pair<std::uint64_t, std::uint64_t>{50, 50});
  w.reported_to = 60;
  CHECK_FALSE(runtime::measure_range(w, 60));
  CHECK(runtime::measure_range(w, 61) == std::pair<std::uint64_t, std::uint64_t>{50, 61});
  CHECK(runtime::measure_range(w, 5000) == std::pair<std::uint64_t, std::uint64_t>{4001, 5000});

  const auto r = rollout_in_canary(4, 2, 3);
  health_reply h;
  h.from = 50;
  h.to = 61;
  h.calls = 15;
  h.failed_calls = 12;
  h.unknown_calls = 1;
  h.missed_slots = 2;
  h.latency_p99_ms = 900;
  const auto rep = runtime::report_of(r, h);
  CHECK(rep == service_health_tx{4, 2, 3, 50, 61, 15, 12, 2, 900});
}

TEST_CASE("a triage pass reports each live canary it hosts once per new final height and logs the decision") {
  // A fake mainchain and chains: service 1's version 2 canaries on chain 2 (hosted), service 5's
  // version 3 on chain 9 (not hosted).
  service_rollouts_reply state;
  state.final_height = 10;
  const auto canary = rollout_in_canary(1, 2, 2);
  state.rollouts = {canary, rollout_in_canary(5, 3, 9)};
  std::uint64_t chain2_final = 40;
  std::vector<std::tuple<chain_id, address, std::uint64_t, std::uint64_t>> measured;
  std::vector<service_health_tx> sent;
  bool refuse = false;
  runtime::triage_options o;
  o.rollouts = [&]() -> result<service_rollouts_reply> { return state; };
  o.final_height = [&](chain_id id) -> std::optional<std::uint64_t> {
    return id == 2 ? std::optional<std::uint64_t>(chain2_final) : std::nullopt;
  };
  o.measure = [&](chain_id id, const address& a, std::uint64_t from, std::uint64_t to) -> result<health_reply> {
    measured.emplace_back(id, a, from, to);
    health_reply h;
    h.from = from;
    h.to = to;
    h.calls = 6;
    h.failed_calls = 6;
    return h;
  };
  o.submit = [&](const service_health_tx& t) -> status {
    if (refuse)
      return make_error(errc::access_denied, "lacks upgrade_service");
    sent.push_back(t);
    return {};
  };
  o.counts = std::make_shared<named_counts>();
  runtime::service_triage triage(o);

  // Before the canary height: nothing. At it: the canary is live from chain 2's final + 1.
  CHECK(triage.poll_once().submitted.empty());
  state.final_height = 12;
  CHECK(triage.poll_once().submitted.empty());
  CHECK(measured.empty());
  // Nothing final above 40 yet: no report; then 41-43 become final: one report of 41-43.
  CHECK(triage.poll_once().submitted.empty());
  chain2_final = 43;
  auto pass = triage.poll_once();
  REQUIRE(pass.submitted.size() == 1);
  CHECK(pass.submitted[0] == service_health_tx{1, 2, 2, 41, 43, 6, 6, 0, 0});
  REQUIRE(measured.size() == 1);
  CHECK(measured[0] == std::tuple<chain_id, address, std::uint64_t, std::uint64_t>{2, canary.instance, 41, 43});
  CHECK(triage.poll_once().submitted.empty());  // the same final height: not again
  // A refused report is counted, and the next pass tries again.
  chain2_final = 44;
  refuse = true;
  CHECK(triage.poll_once().submitted.empty());
  CHECK(o.counts->of("refused") == 1);
  refuse = false;
  CHECK(triage.poll_once().submitted.size() == 1);
  CHECK(sent.back().from_height == 41);
  CHECK(sent.back().to_height == 44);
  CHECK(o.counts->of("submitted") == 2);
  // The chain rolled it back: logged once, not measured again.
  state.rollouts[0].phase = static_cast<std::uint8_t>(services::rollout_phase::rolled_back);
  state.rollouts[0].decided_at = 14;
  state.rollouts[0].reason = "health gate failed";
  chain2_final = 50;
  pass = triage.poll_once();
  CHECK(pass.submitted.empty());
  REQUIRE(pass.decisions.size() == 1);
  CHECK(pass.decisions[0] == "service 1 version 2 rolled back at 14: health gate failed");
  CHECK(triage.poll_once().decisions.empty());
  CHECK(measured.size() == 3);  // 41-43, 41-44 refused, 41-44
}
