// The system-service commission charged by the contracts module on a service instance's billable
// calls (docs/dapps.md, "Commissions"), through signed blocks with the service-desk contract (WAT
// and C builds): percent, fixed and expression models paid to the owner once, refusals at
// admission (commission_unpaid), a repeated request id refused by the contract with nothing
// charged, the operator-only entries, a replica reaching the same root; and the model parser.
#include <doctest/doctest.h>

#include <fstream>
#include <iterator>

#include "chains/contracts/contract_commission.hpp"
#include "chains/contracts/contract_module.hpp"
#include "chains/contracts/contract_records.hpp"
#include "tests/chains/network_fixture.hpp"

using namespace bfd;
using namespace bfd::contract;
using test::network;

namespace {

bytes example(const std::string& name) {
  std::ifstream in(std::string(BFD_CONTRACTS_DIR) + "/" + name, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "missing contracts/examples/" << name);
  return bytes(std::istreambuf_iterator<char>(in), {});
}

transaction signed_tx(const key_pair& sender, std::uint64_t nonce, tx_payload payload, amount fee) {
  transaction tx;
  tx.chain = mainchain_id;
  tx.nonce = nonce;
  tx.fee = fee;
  tx.expiry = 1'000;
  tx.payload = std::move(payload);
  sign_transaction(tx, sender, hash256{});
  return tx;
}

block run_block(const network& net, chain_state& st, std::uint64_t slot, std::vector<transaction> txs) {
  std::vector<std::pair<hash256, error>> rejected;
  const auto n = txs.size();
  auto b = test::produce(net, st, slot, 0, std::move(txs), &rejected);
  for (const auto& [id, e] : rejected)
    FAIL_CHECK("left out: " << e.message());
  REQUIRE(b.txs.size() == n);
  REQUIRE(st.apply_block(b, signature_check::verify));
  return b;
}

const contracts_module& mod(const chain_state& st) {
  const auto* m = find_contracts(st);
  REQUIRE(m);
  return *m;
}

receipt receipt_of(const chain_state& st, const transaction& tx) {
  auto r = mod(st).find_receipt(signing_hash(tx));
  REQUIRE(r);
  return *r;
}

bytes le64(std::uint64_t v) {
  bytes b;
  for (int i = 0; i < 8; ++i)
    b.push_back(static_cast<byte>(v >> (8 * i)));
  return b;
}

bytes text(const std::string& s) {
  return bytes(s.begin(), s.end());
}

contract_publish_tx desk(const std::string& file) {
  contract_publish_tx p;
  p.template_name = "service-desk";
  p.version = 1;
  p.code = example(file);
  p.param_names = {"commission", "commission_to", "billable", "price", "operator"};
  p.param_types = {param_type::bytes, param_type::address, param_type::bytes, param_type::amount, param_type::address};
  p.entry_points = {"request", "ack", "cancel", "answer"};
  return p;
}

contract_deploy_tx deploy(const contract_publish_tx& t, const std::string& model, const address& owner, amount price,
                          const address& op) {
  contract_deploy_tx d;
  d.template_id = template_id(t);
  d.params = {text(model), bytes(owner.begin(), owner.end()), text("request"), le64(price), bytes(op.begin(), op.end())};
  return d;
}

/// L RID FUND(8) PAYLOAD, or L RID alone without a fund.
bytes desk_input(const std::string& rid, std::optional<std::uint64_t> fund, const std::string& rest = "") {
  bytes in{static_cast<byte>(rid.size())};
  in.insert(in.end(), rid.begin(), rid.end());
  if (fund) {
    const auto f = le64(*fund);
    in.insert(in.end(), f.begin(), f.end());
  }
  in.insert(in.end(), rest.begin(), rest.end());
  return in;
}

contract_call_tx call(const address& c, const std::string& entry, bytes input, amount value) {
  contract_call_tx t;
  t.contract = c;
  t.entry = entry;
  t.input = std::move(input);
  t.fuel = 100'000;
  t.value = value;
  return t;
}

errc refusal(const chain_state& st, const transaction& tx) {
  auto checked = st.check_transaction(tx, signature_check::verify);
  REQUIRE_FALSE(checked);
  return checked.error().code;
}

} // namespace

TEST_CASE("a service instance's billable call pays its commission to the owner once; the request id commits once") {
  for (const char* file : {"service_desk.wasm", "service_desk_c.wasm"}) {
    CAPTURE(file);
    network net;
    net.config.modules = net.config.modules.with(module_id::contracts);
    auto [st, g] = net.genesis();
    const auto start = st;
    const auto& owner = net.users[0];
    const auto& requester = net.users[1];
    const auto& op = net.users[2];
    const auto owner_addr = address_of(owner.pub);
    const auto req_addr = address_of(requester.pub);
    const auto t = desk(file);
    std::vector<block> blocks;
    blocks.push_back(run_block(net, st, 0, {signed_tx(owner, 0, t, 40)}));  // the C build is 3,366 bytes
    const auto self = contract_address(owner_addr, 1);
    blocks.push_back(run_block(net, st, 1, {signed_tx(owner, 1, deploy(t, "percent:250", owner_addr, 1'000,
                                                                       address_of(op.pub)), 0)}));
    REQUIRE(mod(st).find_contract(self));

    const auto owner0 = st.accounts().get(owner_addr).balance;
    const auto req0 = st.accounts().get(req_addr).balance;
    const auto fee = fuel_fee(100'000);
    const auto r1 = signed_tx(requester, 0, call(self, "request", desk_input("R1", 8, "annual"), 10'000), fee);
    blocks.push_back(run_block(net, st, 2, {r1}));
    CHECK_MESSAGE(receipt_of(st, r1).ok, receipt_of(st, r1).error);
    CHECK(st.accounts().get(owner_addr).balance == owner0 + 250);  // 2.5% of 10,000
    CHECK(st.accounts().get(self).balance == 10'000 - 250);
    CHECK(st.accounts().get(req_addr).balance == req0 - 10'000 - fee);
    const auto rec = mod(st).state_value(self, text("r.R1"));
    REQUIRE(rec);
    CHECK((*rec)[0] == 1);
    CHECK(rec->size() == 37 + 6);
    CHECK(mod(st).state_value(self, text("k.R1")) == bytes(req_addr.begin(), req_addr.end()));

    // The same request id again: the contract traps, the value and the commission go back.
    const auto again = signed_tx(requester, 1, call(self, "request", desk_input("R1", 8), 10'000), fee);
    // Below the price, or a commission above the value: refused at admission, never included.
    CHECK(refusal(st, signed_tx(requester, 2, call(self, "request", desk_input("R2", 8), 999), fee))
          == errc::commission_unpaid);
    // Only the operator acknowledges.
    const auto not_op = signed_tx(requester, 2, call(self, "ack", desk_input("R1", std::nullopt), 0), fee);
    const auto ack = signed_tx(op, 0, call(self, "ack", desk_input("R1", std::nullopt), 0), fee);
    blocks.push_back(run_block(net, st, 3, {again, not_op, ack}));
    CHECK_FALSE(receipt_of(st, again).ok);
    CHECK_FALSE(receipt_of(st, not_op).ok);
    CHECK(receipt_of(st, ack).ok);
    CHECK(st.accounts().get(owner_addr).balance == owner0 + 250);
    CHECK(st.accounts().get(req_addr).balance == req0 - 10'000 - 3 * fee);
    CHECK((*mod(st).state_value(self, text("r.R1")))[0] == 2);
    CHECK_FALSE(mod(st).state_value(self, text("k.R1")));

    // The operator's answer is free of commission and lands under the fund's key.
    const auto answer = signed_tx(op, 1, call(self, "answer", desk_input("R1", std::nullopt, "AA"), 0), fee);
    blocks.push_back(run_block(net, st, 4, {answer}));
    CHECK(receipt_of(st, answer).ok);
    CHECK(mod(st).state_value(self, text("a.R1")) == text("AA"));
    auto fund_key = text("f.");
    const auto f8 = le64(8);
    fund_key.insert(fund_key.end(), f8.begin(), f8.end());
    CHECK(mod(st).state_value(self, fund_key) == desk_input("R1", std::nullopt, "AA"));
    CHECK(st.accounts().check_conservation());

    chain_state replica = start;
    for (const auto& b : blocks)
      REQUIRE(replica.apply_block(b, signature_check::verify));
    CHECK(replica.state_root() == st.state_root());
  }
}

TEST_CASE("fixed and expression commissions are charged as their models say; a value below them is refused") {
  network net;
  net.config.modules = net.config.modules.with(module_id::contracts);
  auto [st, g] = net.genesis();
  const auto& owner = net.users[0];
  const auto& requester = net.users[1];
  const auto owner_addr = address_of(owner.pub);
  const auto t = desk("service_desk.wasm");
  run_block(net, st, 0, {signed_tx(owner, 0, t, 20)});
  const auto fixed = contract_address(owner_addr, 1);
  const auto expr = contract_address(owner_addr, 2);
  run_block(net, st, 1, {signed_tx(owner, 1, deploy(t, "fixed:5000", owner_addr, 0, owner_addr), 0),
                         signed_tx(owner, 2, deploy(t, "expr:clamp(bp(amount, 100), 10, 50)", owner_addr, 0, owner_addr), 0)});
  const auto fee = fuel_fee(100'000);
  CHECK(refusal(st, signed_tx(requester, 0, call(fixed, "request", desk_input("A", 1), 4'999), fee))
        == errc::commission_unpaid);
  const auto owner0 = st.accounts().get(owner_addr).balance;
  const auto a = signed_tx(requester, 0, call(fixed, "request", desk_input("A", 1), 6'000), fee);
  const auto b = signed_tx(requester, 1, call(expr, "request", desk_input("B", 1), 1'000), fee);    // 1% = 10
  const auto c = signed_tx(requester, 2, call(expr, "request", desk_input("C", 1), 100'000), fee);  // 1000, clamped 50
  run_block(net, st, 2, {a, b, c});
  for (const auto* tx : {&a, &b, &c})
    CHECK(receipt_of(st, *tx).ok);
  CHECK(st.accounts().get(owner_addr).balance == owner0 + 5'000 + 10 + 50);
  CHECK(st.accounts().get(fixed).balance == 1'000);
  CHECK(st.accounts().check_conservation());
}

TEST_CASE("commission models parse from the registry's text forms; bad ones are refused") {
  CHECK(std::get<commission_percent>(parse_commission("percent:250")->model).bps == 250);
  CHECK(std::get<commission_fixed>(parse_commission("fixed:100000")->model).units == 100'000);
  CHECK(std::get<commission_expression>(parse_commission("expr:amount / 2")->model).text == "amount / 2");
  CHECK(std::get<commission_wasm>(parse_commission("wasm:3:bfd0000000000000000000000000000000000000001:fee")->model)
          .export_name == "fee");
  CHECK(parse_commission("percent:10001").error().code == errc::invalid_argument);
  CHECK(parse_commission("percent:").error().code == errc::invalid_argument);
  CHECK(parse_commission("bogus:1").error().code == errc::invalid_argument);
  CHECK(parse_commission("fixed").error().code == errc::invalid_argument);
  CHECK(parse_commission("expr:amount +").error().code == errc::fee_function_refused);
  CHECK(parse_commission("wasm:3:nope:fee").error().code == errc::invalid_argument);
  CHECK(*evaluate_commission(*parse_commission("percent:10000"), UINT64_MAX, 0, 0) == UINT64_MAX);
  CHECK(evaluate_commission(*parse_commission("expr:amount - 5"), 1, 0, 0).error().code == errc::fee_function_failed);
}
