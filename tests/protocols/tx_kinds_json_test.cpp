// One transaction of every kind through the text forms bfd-cli and the node share: hex, the JSON
// `tx decode` and GET /v1/txs/{id} print, and the payload JSON `tx sign` reads. A kind added without
// a sample here fails the first test; one added without a JSON mapping does not compile.
#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>

#include "chains/codec/transaction_codec.hpp"
#include "chains/core/hex.hpp"
#include "protocols/json.hpp"
#include "tests/chains/sample.hpp"

namespace bfd {
namespace {

/// The fields every transaction's JSON carries besides its payload's.
const std::set<std::string> transaction_fields = {"id",     "chain",     "kind",       "sender",
                                                  "sender_address", "nonce", "fee", "fee_units",
                                                  "expiry", "signature", "signature_valid"};

template <std::size_t N>
fixed_bytes<N> filled(byte b) {
  fixed_bytes<N> f;
  f.data.fill(b);
  return f;
}

/// A committed fuzz seed of tests/fuzz/corpus/fuzz_tx_decode: one canonical transaction.
transaction seed(const std::string& name) {
  std::ifstream in(std::string(BFD_SOURCE_DIR) + "/tests/fuzz/corpus/fuzz_tx_decode/" + name, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "missing fuzz seed " << name);
  bytes raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto tx = codec::decode_transaction(raw);
  REQUIRE_MESSAGE(tx, "fuzz seed " << name << " does not decode: " << tx.error().detail);
  return *tx;
}

/// Payloads built here, every field away from its default, so a field the JSON left out could not
/// come back equal.
std::vector<tx_payload> built_payloads() {
  std::vector<tx_payload> out;
  out.push_back(transfer_payload{filled<20>(0x11), 150'000'000});
  out.push_back(vm_bid_payload{2, 1'000'000'000'000, filled<32>(0x22)});
  out.push_back(vote_payload{filled<32>(0x23), 5'000});
  out.push_back(unvote_payload{filled<32>(0x24), 4'000});
  out.push_back(evidence_payload{evidence_kind::surround_vote, bytes{1, 2, 3}, bytes{4, 5}});
  out.push_back(sidechain_activate_tx{9});
  out.push_back(sidechain_cease_tx{10});

  contract_publish_tx publish;
  publish.template_name = "escrow";
  publish.version = 3;
  publish.code = bytes{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  publish.param_names = {"owner", "limit"};
  publish.param_types = {contract::param_type::address, contract::param_type::amount};
  publish.entry_points = {"init", "release"};
  publish.slot = "fee";
  publish.users = {filled<20>(0x37), filled<20>(0x38)};
  out.push_back(publish);
  contract_deploy_tx deploy;
  deploy.template_id = filled<32>(0x31);
  deploy.params = {bytes(20, 0x32), bytes{1, 0, 0, 0, 0, 0, 0, 0}};
  deploy.value = 77;
  deploy.readers = {filled<20>(0x33)};
  deploy.scope_kind = 1;
  deploy.scope_id = 8;
  deploy.init_args = {contract::call_arg{true, 42}, contract::call_arg{false, 7}};
  deploy.init_input = bytes{9, 9};
  deploy.fuel = 5'000;
  out.push_back(deploy);
  contract_call_tx call;
  call.contract = filled<20>(0x34);
  call.entry = "release";
  call.args = {contract::call_arg{true, 1}};
  call.input = bytes{0xab};
  call.fuel = 1'000;
  call.value = 12;
  out.push_back(call);
  out.push_back(contract_set_slot_tx{filled<20>(0x35), filled<20>(0x36)});

  service_register_tx reg;
  reg.uuid = filled<16>(0x41);
  reg.symbol = "LGL2";
  reg.dapp = filled<20>(0x42);
  reg.home = 4;
  reg.deployments = {4, 7};
  reg.instances = {services::instance{4, filled<20>(0x43)}, services::instance{7, filled<20>(0x44)}};
  reg.template_id = 5;
  reg.commission = services::commission{services::commission_kind::percent, 250, "", 0, {}};
  out.push_back(reg);
  service_upgrade_tx up;
  up.service = 1;
  up.instances = {services::instance{4, filled<20>(0x45)}};
  up.template_id = 6;
  up.commission = services::commission{services::commission_kind::fixed, 1'000, "", 0, {}};
  up.canary = 4;
  up.delay = 2;
  up.window = 3;
  up.min_calls = 4;
  up.max_failed_permille = 5;
  up.max_missed_blocks = 6;
  up.max_latency_ms = 7;
  up.promote_delay = 8;
  out.push_back(up);
  out.push_back(service_health_tx{1, 2, 4, 10, 20, 100, 3, 1, 250});
  out.push_back(service_rollback_tx{1, "canary failed"});
  out.push_back(service_set_status_tx{1, services::service_status::suspended});

  out.push_back(ds_member_add_tx{filled<20>(0x51), filled<32>(0x52), 2});
  out.push_back(ds_member_update_tx{filled<20>(0x53), filled<32>(0x54), 3});
  out.push_back(ds_member_remove_tx{filled<20>(0x55)});
  out.push_back(ds_rate_set_tx{123'456});
  out.push_back(ds_usage_record_tx{3, bytes{1, 2, 3, 4}, 900});

  out.push_back(fund_subscribe_tx{1'000});
  out.push_back(fund_trade_tx{filled<20>(0x61), 2'000});
  out.push_back(fund_sweep_tx{filled<20>(0x62), 5'000});
  out.push_back(fund_redeem_tx{3'000});

  out.push_back(ush_group_create_tx{"over 21", filled<33>(0x02)});
  out.push_back(ush_issue_tx{filled<32>(0x71), filled<20>(0x72), 16});
  out.push_back(ush_revoke_tx{filled<32>(0x73), {filled<32>(0x74), filled<32>(0x75)}});
  out.push_back(tagged_transfer_tx{filled<20>(0x76), 800, filled<32>(0x77), 40});
  out.push_back(member_record_tx{bytes{0x92, 0x01, 0x02}});
  return out;
}

/// One signed transaction of every kind this test knows: the built payloads, then the fuzz seeds
/// for the kinds whose payloads are proofs and bundles (registry and peg, ACL).
std::map<tx_kind, transaction> samples() {
  std::map<tx_kind, transaction> out;
  std::uint64_t nonce = 1;
  for (auto& p : built_payloads()) {
    auto tx = test::signed_payload(std::move(p), 7, nonce++);
    tx.fee = 10'000 + nonce;
    sign_transaction(tx, test::keys_of(0x21), hash256{});
    out.emplace(tx.kind(), std::move(tx));
  }
  for (const char* name : {"kind_6_sidechain_register", "kind_9_sidechain_anchor", "kind_10_peg_send",
                           "kind_11_peg_send_metadata", "kind_12_peg_receive", "kind_13_peg_acknowledge",
                           "kind_14_peg_timeout", "kind_15_peg_client_update", "kind_20_acl_grant",
                           "kind_21_acl_revoke", "kind_22_acl_role_define", "kind_23_acl_set_level"}) {
    auto tx = seed(name);
    out.emplace(tx.kind(), std::move(tx));
  }
  return out;
}

/// Every kind number of the payload list.
std::vector<std::pair<tx_kind, std::string_view>> all_kinds() {
  std::vector<std::pair<tx_kind, std::string_view>> out;
  [&]<class... Ts>(type_list<Ts...>) { (out.emplace_back(Ts::kind_number, Ts::name), ...); }(all_payloads{});
  return out;
}

} // namespace

TEST_CASE("every transaction kind has a sample that decodes from hex to JSON naming its kind") {
  const auto all = samples();
  // Named locals, not structured bindings, in these loops: doctest's CAPTURE and INFO lambdas
  // capture them, which clang 14 cannot do with bindings (the sanitizer build).
  for (const auto& entry : all_kinds()) {
    const auto kind = entry.first;
    const auto name = entry.second;
    CAPTURE(name);
    INFO("kind ", static_cast<unsigned>(kind), " (", name,
         ") has no sample in tests/protocols/tx_kinds_json_test.cpp: add one (and its CLI command, docs/cli.md)");
    const auto it = all.find(kind);
    REQUIRE(it != all.end());
    const auto& tx = it->second;
    auto decoded = transaction_from_hex(transaction_hex(tx));
    REQUIRE(decoded);
    CHECK(*decoded == tx);
    const auto j = transaction_json(*decoded);
    CHECK(j["kind"] == std::string(name));
    CHECK(j["signature_valid"] == true);
    CHECK(j["id"] == to_hex(signing_hash(tx)));
  }
}

TEST_CASE("the JSON of every kind names every field: the transaction comes back from it alone") {
  for (const auto& sample : samples()) {
    const auto kind = sample.first;
    const auto& tx = sample.second;
    CAPTURE(kind_name(kind));
    const auto j = transaction_json(tx);
    std::size_t payload_fields = 0;
    for (const auto& item : j.items()) {
      CHECK_MESSAGE(!item.value().is_null(), "field ", item.key(), " is null");
      if (!transaction_fields.contains(item.key()))
        ++payload_fields;
    }
    CHECK_MESSAGE(payload_fields > 0, "the payload shows no field of its own");
    auto back = parse_transaction_submission(json_text(j));
    REQUIRE_MESSAGE(back, back.error().detail);
    CHECK(*back == tx);
  }
}

TEST_CASE("the payload JSON of every kind, as tx decode prints it, is what tx sign reads") {
  for (const auto& sample : samples()) {
    const auto kind = sample.first;
    const auto& tx = sample.second;
    CAPTURE(kind_name(kind));
    auto j = transaction_json(tx);
    for (const auto& field : transaction_fields)
      if (field != "kind")
        j.erase(field);
    auto payload = parse_payload_submission(json_text(j));
    REQUIRE_MESSAGE(payload, payload.error().detail);
    CHECK(*payload == tx.payload);
  }
}

TEST_CASE("a payload to sign refuses the signer's fields, unknown kinds and fields, and bad JSON") {
  auto refused = [](const std::string& body) {
    auto p = parse_payload_submission(body);
    REQUIRE_FALSE(p);
    return p.error();
  };
  const std::string to = "\"to\":\"bfd" + std::string(40, 'a') + "\",\"amount_units\":5";
  CHECK(parse_payload_submission("{\"kind\":\"transfer\"," + to + "}"));
  auto e = refused("{\"kind\":\"transfer\"," + to + ",\"nonce\":3}");
  CHECK(e.code == errc::invalid_argument);
  CHECK(e.detail.find("nonce") != std::string::npos);
  CHECK(refused("{\"kind\":\"transfer\"," + to + ",\"chain\":2}").code == errc::invalid_argument);
  CHECK(refused("{\"kind\":\"nonsense\"," + to + "}").code == errc::unknown_kind);
  CHECK(refused("{\"kind\":\"transfer\"," + to + ",\"colour\":1}").code == errc::malformed);
  CHECK(refused("{\"kind\":\"transfer\"}").code != errc::ok);
  CHECK(refused("[1,2]").code == errc::malformed);
  CHECK(refused("").code == errc::malformed);
  CHECK(refused("{\"kind\":").code == errc::malformed);
  CHECK(refused("[[[[[[[[[[]]]]]]]]]]").code == errc::too_deep);
}

} // namespace bfd
