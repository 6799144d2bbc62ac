// The contracts state module through signed blocks: publishing the example templates, deploying
// and calling the counter and the token, an infinite loop stopped by fuel with its reason and
// its fee charged, refusals with their codes, access control on publishing, rollback, a replica
// reaching the same state root, and restoring from records.
#include <doctest/doctest.h>

#include <cstring>
#include <fstream>
#include <iterator>

#include "chains/access/access_module.hpp"
#include "chains/codec/transaction_codec.hpp"
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

network contracts_net() {
  network net;
  net.config.modules = net.config.modules.with(module_id::contracts);
  return net;
}

/// contracts_net with the access module (default deny) and `admin` its funded global admin.
network access_net(const key_pair& admin) {
  auto net = contracts_net();
  auto ag = std::make_shared<access_genesis>();
  ag->admins = {address_of(admin.pub)};
  net.config.access = ag;
  net.config.modules = net.config.modules.with(module_id::access);
  net.config.allocations.push_back({address_of(admin.pub), 10 * units_per_bfdt});
  return net;
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

contract_publish_tx publish(const std::string& name, const std::string& file, std::vector<std::string> entries) {
  contract_publish_tx p;
  p.template_name = name;
  p.version = 1;
  p.code = example(file);
  p.entry_points = std::move(entries);
  return p;
}

bytes le64(std::uint64_t v) {
  bytes b;
  for (int i = 0; i < 8; ++i)
    b.push_back(static_cast<byte>(v >> (8 * i)));
  return b;
}

bytes to_bytes(const address& a) {
  return bytes(a.begin(), a.end());
}

// Applies one block of `txs` on `st` and requires every one of them to be included.
block run_block(const network& net, chain_state& st, std::uint64_t slot, std::vector<transaction> txs) {
  std::vector<std::pair<hash256, error>> rejected;
  const auto n = txs.size();
  {
    auto probe = st.build_block(test::slot_template(net, st, slot, 0), txs, signature_check::verify, &rejected);
    REQUIRE_MESSAGE(probe, probe.error().message());
    rejected.clear();
  }
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

/// A validating node reaches the same state from the same blocks.
void check_replica(chain_state replica, const std::vector<block>& blocks, const chain_state& st) {
  for (const auto& b : blocks)
    REQUIRE(replica.apply_block(b, signature_check::verify));
  CHECK(replica.state_root() == st.state_root());
  CHECK(mod(replica) == mod(st));
}

/// Every record of the contracts module, in key order (what storage holds).
std::vector<std::pair<bytes, bytes>> records_of(const chain_state& st) {
  auto copy = st.module(module_id::contracts)->clone();
  copy->mark_all_dirty();
  std::vector<std::pair<bytes, bytes>> records;
  for (auto& [k, v] : copy->dirty_records())
    if (v)
      records.emplace_back(k, *v);
  std::sort(records.begin(), records.end());
  return records;
}

receipt receipt_of(const chain_state& st, const transaction& tx) {
  auto r = mod(st).find_receipt(signing_hash(tx));
  REQUIRE(r);
  return *r;
}

/// The service commission execution template (slot "adjuster", parameter bps) and its client,
/// the loyalty discount (parameter discount_bps).
contract_publish_tx commission_template() {
  auto p = publish("service-commission", "commission.wasm", {"run", "last"});
  p.param_names = {"bps"};
  p.param_types = {param_type::u64};
  p.slot = "adjuster";
  return p;
}
contract_publish_tx discount_template() {
  auto p = publish("loyalty-discount", "discount.wasm", {"adjust", "calls"});
  p.param_names = {"discount_bps"};
  p.param_types = {param_type::u64};
  return p;
}

} // namespace

TEST_CASE("the contracts module adds nothing to the state root until a template exists") {
  auto with = contracts_net();
  network without;
  CHECK(with.genesis().second.header.state_root == without.genesis().second.header.state_root);
  CHECK_FALSE(mod(with.genesis().first).root());
}

TEST_CASE("the counter is published, deployed and called through signed blocks; a replica agrees; undo returns") {
  auto net = contracts_net();
  auto [st, g] = net.genesis();
  const auto start = st;
  const auto& alice = net.users[0];
  const auto pub = publish("counter", "counter.wasm", {"increment", "get"});
  const auto id = template_id(pub);
  std::vector<block> blocks;
  blocks.push_back(run_block(net, st, 0, {signed_tx(alice, 0, pub, 10)}));
  REQUIRE(mod(st).find_template(id));
  CHECK(mod(st).find_template(id)->body.template_name == "counter");
  CHECK(mod(st).root());

  contract_deploy_tx d;
  d.template_id = id;
  const auto deploy = signed_tx(alice, 1, d, 0);
  const auto self = contract_address(address_of(alice.pub), 1);
  blocks.push_back(run_block(net, st, 1, {deploy}));
  CHECK(receipt_of(st, deploy).ok);
  REQUIRE(mod(st).find_contract(self));

  contract_call_tx c;
  c.contract = self;
  c.entry = "increment";
  c.fuel = 10'000;
  const auto before = st.accounts().get(address_of(alice.pub)).balance;
  const auto inc1 = signed_tx(alice, 2, c, fuel_fee(c.fuel) + 5);
  const auto inc2 = signed_tx(alice, 3, c, fuel_fee(c.fuel) + 5);
  c.entry = "get";
  const auto get = signed_tx(alice, 4, c, fuel_fee(c.fuel));
  blocks.push_back(run_block(net, st, 2, {inc1, inc2, get}));
  const auto r1 = receipt_of(st, inc1);
  CHECK(r1.ok);
  // docs/contracts.md: the counter's increment uses 649 units; 8 fewer the first time, when
  // state_get finds no count to copy.
  CHECK(r1.fuel_used == 641);
  CHECK(receipt_of(st, inc2).fuel_used == 649);
  CHECK(r1.fee == fuel_fee(10'000) + 5);  // the declared fee: it covers the whole fuel limit
  const auto rg = receipt_of(st, get);
  REQUIRE(rg.results.size() == 1);
  CHECK(rg.results[0].bits == 2);
  CHECK(st.accounts().get(address_of(alice.pub)).balance == before - 2 * r1.fee - rg.fee);
  CHECK(mod(st).find_contract(self)->calls == 3);
  CHECK(mod(st).state_value(self, bytes{'c', 'o', 'u', 'n', 't'}) == le64(2));
  CHECK(st.accounts().check_conservation());

  // A validating node reaches the same state root from the same blocks.
  check_replica(start, blocks, st);

  // Undo across the blocks: the genesis root again, and no module root.
  auto undone = start;
  const auto mark = undone.checkpoint();
  for (const auto& b : blocks)
    REQUIRE(undone.apply_block(b, signature_check::verify));
  undone.rollback(mark);
  CHECK(undone.state_root() == g.header.state_root);
  CHECK_FALSE(mod(undone).root());
  CHECK_FALSE(mod(undone).find_template(id));
}

TEST_CASE("the token is deployed with typed parameters, value and init; sends emit events; redeem pays natively") {
  auto net = contracts_net();
  auto [st, g] = net.genesis();
  const auto& alice = net.users[0];
  const auto bob = address_of(net.users[1].pub);
  auto pub = publish("fixed-rate-token", "token.wasm", {"init", "send", "balance", "redeem"});
  pub.param_names = {"symbol", "cap", "issuer"};
  pub.param_types = {param_type::bytes, param_type::amount, param_type::address};
  const auto id = template_id(pub);
  run_block(net, st, 0, {signed_tx(alice, 0, pub, 100)});

  contract_deploy_tx d;
  d.template_id = id;
  d.params = {bytes{'T', 'K', 'N'}, le64(1'000'000), to_bytes(address_of(alice.pub))};
  d.value = 500;
  d.readers = {bob};
  d.init_args = {{true, 1'000}};
  d.fuel = 20'000;
  const auto deploy = signed_tx(alice, 1, d, fuel_fee(d.fuel));
  const auto self = contract_address(address_of(alice.pub), 1);
  run_block(net, st, 1, {deploy});
  const auto rd = receipt_of(st, deploy);
  CHECK(rd.ok);
  REQUIRE(rd.results.size() == 1);
  CHECK(rd.results[0].bits == 0);
  CHECK(st.accounts().get(self).balance == 500);
  CHECK(mod(st).state_value(self, bytes{'p', '.', 'c', 'a', 'p'}) == le64(1'000'000));
  CHECK(mod(st).find_contract(self)->readers == std::vector<address>{bob});

  contract_call_tx send;
  send.contract = self;
  send.entry = "send";
  send.args = {{true, 100}};
  send.input = to_bytes(bob);
  send.fuel = 20'000;
  const auto s1 = signed_tx(alice, 2, send, fuel_fee(send.fuel));
  contract_call_tx redeem;
  redeem.contract = self;
  redeem.entry = "redeem";
  redeem.args = {{true, 30}};
  redeem.fuel = 20'000;
  redeem.value = 7;  // sent along: stays with the contract
  const auto r1 = signed_tx(alice, 3, redeem, fuel_fee(redeem.fuel));
  const auto before = st.accounts().get(address_of(alice.pub)).balance;
  run_block(net, st, 2, {s1, r1});
  const auto rs = receipt_of(st, s1);
  CHECK(rs.ok);
  CHECK(rs.fuel_used == 1'723 - 8);  // the recipient had no balance to copy yet
  CHECK(rs.events == 1);
  const auto ev = mod(st).events(self, 0, 10);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].sequence == 0);
  CHECK(ev[0].data.size() == 48);
  CHECK(receipt_of(st, r1).ok);
  // 30 tokens redeemed for 30 native units out of the contract; 7 units sent in.
  CHECK(st.accounts().get(self).balance == 500 + 7 - 30);
  CHECK(st.accounts().get(address_of(alice.pub)).balance
        == before - receipt_of(st, s1).fee - receipt_of(st, r1).fee - 7 + 30);
  CHECK(st.accounts().check_conservation());
}

TEST_CASE("an infinite loop is stopped by fuel: included, reason recorded, fee charged, nothing else changes") {
  auto net = contracts_net();
  auto [st, g] = net.genesis();
  const auto& alice = net.users[0];
  const auto pub = publish("loop", "loop.wasm", {"spin"});
  contract_deploy_tx d;
  d.template_id = template_id(pub);
  run_block(net, st, 0, {signed_tx(alice, 0, pub, 10), signed_tx(alice, 1, d, 0)});
  const auto self = contract_address(address_of(alice.pub), 1);
  contract_call_tx c;
  c.contract = self;
  c.entry = "spin";
  c.fuel = 50'000;
  c.value = 1'000;
  const auto spin = signed_tx(alice, 2, c, fuel_fee(c.fuel) + 1);
  const auto before = st.accounts().get(address_of(alice.pub)).balance;
  const auto module_root = mod(st).root();
  run_block(net, st, 1, {spin});
  const auto r = receipt_of(st, spin);
  CHECK_FALSE(r.ok);
  CHECK(r.error == "out_of_fuel: used all 50000 units");
  CHECK(r.fuel_used == 50'000);
  CHECK(r.fee == fuel_fee(50'000) + 1);
  // The loop's cost stays with its sender; the value sent along came back.
  CHECK(st.accounts().get(address_of(alice.pub)).balance == before - r.fee);
  CHECK(st.accounts().get(self).balance == 0);
  CHECK(mod(st).find_contract(self)->calls == 0);
  CHECK(mod(st).root() != module_root);  // the receipt is state
  CHECK(st.accounts().check_conservation());
}

TEST_CASE("bad publications, deploys and calls are refused at admission with their codes") {
  auto net = contracts_net();
  auto [st, g] = net.genesis();
  const auto& alice = net.users[0];
  auto code_of = [&](const transaction& tx) { return st.check_transaction(tx, signature_check::verify).error().code; };

  auto bad = publish("broken", "counter.wasm", {"increment"});
  bad.code.resize(20);
  const auto refused = st.check_transaction(signed_tx(alice, 0, bad, 10), signature_check::verify);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == errc::template_refused);
  CHECK(refused.error().detail.find("the code does not load: malformed") != std::string::npos);
  CHECK(code_of(signed_tx(alice, 0, publish("c", "counter.wasm", {"nope"}), 10)) == errc::template_refused);
  CHECK(code_of(signed_tx(alice, 0, publish("c", "counter.wasm", {"increment"}), 0)) == errc::fuel_fee);
  auto typed = publish("c", "counter.wasm", {"increment"});
  typed.param_names = {"x", "x"};
  typed.param_types = {param_type::u64, param_type::u64};
  CHECK(code_of(signed_tx(alice, 0, typed, 10)) == errc::template_refused);

  const auto pub = publish("counter", "counter.wasm", {"increment", "get"});
  run_block(net, st, 0, {signed_tx(alice, 0, pub, 10)});
  auto again = pub;
  again.code = example("counter_c.wasm");  // another id, same name and version
  CHECK(code_of(signed_tx(alice, 1, again, 10)) == errc::template_exists);

  contract_deploy_tx d;
  d.template_id = hash256{};
  CHECK(code_of(signed_tx(alice, 1, d, 0)) == errc::unknown_template);
  d.template_id = template_id(pub);
  d.params = {le64(1)};
  CHECK(code_of(signed_tx(alice, 1, d, 0)) == errc::bad_parameters);
  d.params = {};
  d.fuel = 10;
  CHECK(code_of(signed_tx(alice, 1, d, 1)) == errc::bad_entry_point);  // no init to give fuel to
  d.fuel = 0;
  run_block(net, st, 1, {signed_tx(alice, 1, d, 0)});
  const auto self = contract_address(address_of(alice.pub), 1);

  contract_call_tx c;
  c.contract = self;
  c.entry = "increment";
  c.fuel = 10'000;
  CHECK(code_of(signed_tx(alice, 2, c, fuel_fee(c.fuel) - 1)) == errc::fuel_fee);
  c.entry = "init";
  CHECK(code_of(signed_tx(alice, 2, c, fuel_fee(c.fuel))) == errc::bad_entry_point);
  c.entry = "memory";
  CHECK(code_of(signed_tx(alice, 2, c, fuel_fee(c.fuel))) == errc::bad_entry_point);
  c.entry = "increment";
  c.contract = address{};
  CHECK(code_of(signed_tx(alice, 2, c, fuel_fee(c.fuel))) == errc::unknown_contract);

  // A chain without the module refuses the kinds.
  network plain;
  auto [p, pg] = plain.genesis();
  CHECK(p.check_transaction(signed_tx(alice, 0, pub, 10), signature_check::verify).error().code
        == errc::kind_not_enabled);
}

TEST_CASE("a template with users is deployed by them only; templates without users encode as before") {
  auto net = contracts_net();
  auto [st, g] = net.genesis();
  const auto& alice = net.users[0];
  const auto& bob = net.users[1];
  auto code_of = [&](const transaction& tx) { return st.check_transaction(tx, signature_check::verify).error().code; };

  // Without users: six items, as before users existed (the id is the hash of those bytes).
  auto open_pub = publish("counter", "counter.wasm", {"increment", "get"});
  REQUIRE(contract::records::encode_publish(open_pub).front() == 0x96);
  auto pub = open_pub;
  pub.version = 2;
  pub.users = {address_of(bob.pub)};
  const auto enc = contract::records::encode_publish(pub);
  REQUIRE(enc.front() == 0x98);  // name .. entry points, the empty slot, the users
  auto back = contract::records::decode_publish(enc);
  REQUIRE(back);
  CHECK(*back == pub);
  CHECK(template_id(pub) != template_id(open_pub));
  // An empty user list, or an address named twice, has no encoding.
  auto empty = enc;
  empty.resize(enc.size() - 23);  // fixarray(1), bin8 header, 20 bytes
  empty.push_back(0x90);
  CHECK_FALSE(contract::records::decode_publish(empty));
  auto twice = pub;
  twice.users.push_back(address_of(bob.pub));
  CHECK_FALSE(contract::records::decode_publish(contract::records::encode_publish(twice)));

  // Alice publishes it for Bob: the publisher is not implied.
  run_block(net, st, 0, {signed_tx(alice, 0, pub, 10)});
  const auto stored = mod(st).find_template(template_id(pub));
  REQUIRE(stored);
  CHECK(stored->body.users == pub.users);
  contract_deploy_tx d;
  d.template_id = template_id(pub);
  const auto refused = st.check_transaction(signed_tx(alice, 1, d, 0), signature_check::verify);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == errc::template_not_permitted);
  CHECK(refused.error().detail.find("counter v2") != std::string::npos);
  run_block(net, st, 1, {signed_tx(bob, 0, d, 0)});
  CHECK(mod(st).find_contract(contract_address(address_of(bob.pub), 0)));
  CHECK(code_of(signed_tx(alice, 1, d, 0)) == errc::template_not_permitted);

  // The user list survives a restore from the module's records.
  contracts_module restored;
  REQUIRE(restored.restore(records_of(st)));
  REQUIRE(restored.find_template(template_id(pub)));
  CHECK(restored.find_template(template_id(pub))->body.users == pub.users);
}

TEST_CASE("with access control, publishing and deploying need the deploy permission") {
  const auto admin = test::keys_of(0x5a);
  auto net = access_net(admin);
  auto [st, g] = net.genesis();
  const auto& alice = net.users[0];
  const auto pub = publish("counter", "counter.wasm", {"increment", "get"});
  const auto denied = st.check_transaction(signed_tx(alice, 0, pub, 10), signature_check::verify);
  REQUIRE_FALSE(denied);
  CHECK(denied.error().code == errc::access_denied);
  run_block(net, st, 0,
            {signed_tx(admin, 0, acl_grant_tx{acl::scope::global(), address_of(alice.pub), acl::bit(acl::permission::deploy), ""}, 0)});
  run_block(net, st, 1, {signed_tx(alice, 0, pub, 10)});
  CHECK(mod(st).find_template(template_id(pub)));
}

TEST_CASE("a contract's state is readable by its readers and by holders of read on its scope, by no one else") {
  const auto admin = test::keys_of(0x5a);
  auto net = access_net(admin);
  auto [st, g] = net.genesis();
  const auto& alice = net.users[0];
  const auto bob = address_of(net.users[1].pub);
  const auto carol = address_of(net.users[2].pub);
  const auto dave = address_of(net.users[3].pub);
  const acl::scope service{acl::scope_kind::service, 3};
  run_block(net, st, 0,
            {signed_tx(admin, 0, acl_grant_tx{acl::scope::global(), address_of(alice.pub), acl::bit(acl::permission::deploy), ""}, 0)});
  const auto pub = publish("counter", "counter.wasm", {"increment", "get"});
  contract_deploy_tx scoped;
  scoped.template_id = template_id(pub);
  scoped.readers = {bob};
  scoped.scope_kind = static_cast<std::uint8_t>(service.kind);
  scoped.scope_id = service.id;
  contract_deploy_tx unscoped = scoped;
  unscoped.scope_kind = no_scope;
  unscoped.scope_id = 0;
  run_block(net, st, 1, {signed_tx(alice, 0, pub, 10)});
  run_block(net, st, 2, {signed_tx(alice, 1, scoped, 0), signed_tx(alice, 2, unscoped, 0)});
  const auto with_scope = contract_address(address_of(alice.pub), 1);
  const auto without_scope = contract_address(address_of(alice.pub), 2);
  contract_call_tx inc;
  inc.contract = with_scope;
  inc.entry = "increment";
  inc.fuel = 10'000;
  run_block(net, st, 3,
            {signed_tx(alice, 3, inc, fuel_fee(inc.fuel)),
             signed_tx(admin, 1, acl_grant_tx{service, carol, acl::bit(acl::permission::read), ""}, 0)});
  const auto& m = mod(st);
  const auto* access = find_access(st);
  REQUIRE(access);

  CHECK(m.check_state_read(with_scope, bob, access));    // a reader named at deploy
  CHECK(m.check_state_read(with_scope, carol, access));  // read on the contract's scope
  const auto denied = m.check_state_read(with_scope, dave, access);
  REQUIRE_FALSE(denied);
  CHECK(denied.error().code == errc::access_denied);
  CHECK(denied.error().detail.find("is not a reader") != std::string::npos);
  CHECK(m.check_state_read(without_scope, bob, access));
  // Without a scope, read elsewhere gives nothing: the readers alone may read.
  CHECK(m.check_state_read(without_scope, carol, access).error().code == errc::access_denied);
  // A scope needs the access module to be checked: without it, only the readers.
  CHECK(m.check_state_read(with_scope, bob, nullptr));
  CHECK(m.check_state_read(with_scope, carol, nullptr).error().code == errc::access_denied);
  CHECK(m.check_state_read(dave, bob, access).error().code == errc::not_found);

  const bytes count{'c', 'o', 'u', 'n', 't'};
  CHECK(m.state_keys(with_scope, std::nullopt, 100) == std::vector<std::pair<bytes, std::size_t>>{{count, 8}});
  CHECK(m.state_keys(with_scope, count, 100).empty());
  CHECK(m.state_keys(with_scope, bytes{'a'}, 100).size() == 1);  // "after" is exclusive, any key
  CHECK(m.state_keys(with_scope, std::nullopt, 0).empty());
  CHECK(m.state_keys(without_scope, std::nullopt, 100).empty());
  CHECK(m.state_value(with_scope, count) == le64(1));
  CHECK_FALSE(m.state_value(with_scope, bytes{'x'}));
  CHECK_FALSE(m.state_value(dave, count));
}

TEST_CASE("the contracts module restores from its records alone; corrupt records are refused") {
  auto net = contracts_net();
  auto [st, g] = net.genesis();
  const auto& alice = net.users[0];
  const auto pub = publish("counter", "counter.wasm", {"increment", "get"});
  contract_deploy_tx d;
  d.template_id = template_id(pub);
  contract_call_tx c;
  c.contract = contract_address(address_of(alice.pub), 1);
  c.entry = "increment";
  c.fuel = 10'000;
  run_block(net, st, 0, {signed_tx(alice, 0, pub, 10), signed_tx(alice, 1, d, 0), signed_tx(alice, 2, c, 100)});
  const auto* m = st.module(module_id::contracts);
  const auto records = records_of(st);
  // template, name, contract, its one state key, two receipts, their index, the next sequence
  CHECK(records.size() == 9);
  auto restored = contracts_module::from_records(records);
  REQUIRE(restored);
  CHECK((*restored)->root() == m->root());
  CHECK(**restored == mod(st));
  std::vector<std::unique_ptr<state_module>> mods;
  mods.push_back(std::move(*restored));
  CHECK(chain_state::restore(st.accounts(), st.consensus(), st.head(), net.config.modules, std::move(mods)));

  auto no_template = records;
  std::erase_if(no_template, [](const auto& r) { return r.first[0] == 'T'; });
  CHECK(contracts_module::from_records(no_template).error().code == errc::storage_corrupt);
  auto tampered = records;
  for (auto& [k, v] : tampered)
    if (k[0] == 'T')
      v.back() ^= 1;
  CHECK(contracts_module::from_records(tampered).error().code == errc::storage_corrupt);
  auto garbage = records;
  garbage.emplace_back(bytes{'?'}, bytes{1});
  CHECK(contracts_module::from_records(garbage).error().code == errc::storage_corrupt);
}

TEST_CASE("the contract kinds round-trip through the transaction codec; bounds are enforced") {
  const auto& alice = test::keys_of(1);
  contract_call_tx c;
  c.contract = contract_address(address_of(alice.pub), 3);
  c.entry = "send";
  c.args = {{true, 5}, {false, 0xffffffffu}};
  c.input = bytes(20, 7);
  c.fuel = 1'000;
  c.value = 9;
  contract_deploy_tx d;
  d.params = {bytes{1, 2}, le64(3)};
  d.readers = {address_of(alice.pub)};
  d.scope_kind = 1;
  d.scope_id = 7;
  d.init_args = {{true, 1}};
  d.fuel = 5;
  const auto slotless = publish("counter", "counter.wasm", {"get"});
  for (const tx_payload& p : {tx_payload{slotless}, tx_payload{commission_template()}, tx_payload{d}, tx_payload{c},
                              tx_payload{contract_set_slot_tx{c.contract, address_of(alice.pub)}},
                              tx_payload{contract_set_slot_tx{c.contract, std::nullopt}}}) {
    const auto tx = signed_tx(alice, 0, p, 1);
    const auto enc = codec::encode(tx);
    auto back = codec::decode_transaction(byte_view{enc.data(), enc.size()});
    REQUIRE(back);
    CHECK(*back == tx);
  }
  // A template without a slot keeps the six-field payload (and so the id) it had before slots.
  CHECK(records::encode_publish(slotless).front() == 0x96);
  CHECK(records::encode_publish(commission_template()).front() == 0x97);
  c.fuel = max_fuel + 1;
  const auto enc = codec::encode(signed_tx(alice, 0, c, 1));
  CHECK(codec::decode_transaction(byte_view{enc.data(), enc.size()}).error().code == errc::malformed);
}

// --- slots ---------------------------------------------------------------------------------

namespace {

contract_deploy_tx deploy_of(const contract_publish_tx& t, std::uint64_t param) {
  contract_deploy_tx d;
  d.template_id = template_id(t);
  d.params = {le64(param)};
  return d;
}

contract_call_tx run_call(const address& contract, std::int64_t amount, std::uint64_t fuel = 100'000) {
  contract_call_tx c;
  c.contract = contract;
  c.entry = "run";
  c.args = {{true, static_cast<std::uint64_t>(amount)}};
  c.fuel = fuel;
  return c;
}

std::uint64_t result_of(const receipt& r) {
  REQUIRE_MESSAGE(r.ok, r.error);
  REQUIRE(r.results.size() == 1);
  return r.results[0].bits;
}

errc refusal(const chain_state& st, const transaction& tx) {
  auto checked = st.check_transaction(tx, signature_check::verify);
  REQUIRE_FALSE(checked);
  return checked.error().code;
}

bytes key(const char* s) {
  return bytes(s, s + std::strlen(s));
}

} // namespace

TEST_CASE("a contract's slot takes a client at run time: both contracts' writes apply, a replica agrees") {
  auto net = contracts_net();
  auto [st, g] = net.genesis();
  const auto start = st;
  const auto& alice = net.users[0];
  const auto& bob = net.users[1];
  std::vector<block> blocks;
  blocks.push_back(run_block(net, st, 0, {signed_tx(alice, 0, commission_template(), 10),
                                          signed_tx(bob, 0, discount_template(), 10)}));
  const auto tmpl = contract_address(address_of(alice.pub), 1);
  const auto client = contract_address(address_of(bob.pub), 1);
  blocks.push_back(run_block(net, st, 1, {signed_tx(alice, 1, deploy_of(commission_template(), 250), 0),
                                          signed_tx(bob, 1, deploy_of(discount_template(), 2000), 0)}));
  CHECK_FALSE(mod(st).find_contract(tmpl)->slot);
  const auto alone = signed_tx(alice, 2, run_call(tmpl, 1'000'000), 1'000);
  blocks.push_back(run_block(net, st, 2, {alone}));
  CHECK(result_of(receipt_of(st, alone)) == 25'000);

  // The deployer inserts bob's contract; the next run asks it to adjust the commission.
  const auto set = signed_tx(alice, 3, contract_set_slot_tx{tmpl, client}, 0);
  blocks.push_back(run_block(net, st, 3, {set}));
  const auto rs = receipt_of(st, set);
  CHECK(rs.ok);
  CHECK(rs.kind == 27);
  CHECK(mod(st).find_contract(tmpl)->slot == client);
  const auto adjusted = signed_tx(alice, 4, run_call(tmpl, 1'000'000), 1'000);
  blocks.push_back(run_block(net, st, 4, {adjusted}));
  const auto ra = receipt_of(st, adjusted);
  CHECK(result_of(ra) == 20'000);
  CHECK(ra.fuel_used > receipt_of(st, alone).fuel_used + 1'000);  // the client's fuel is the call's
  CHECK(mod(st).state_value(tmpl, key("last")) == le64(20'000));
  CHECK_FALSE(mod(st).state_value(tmpl, key("calls")));
  CHECK(mod(st).state_value(client, key("calls")) == le64(1));
  CHECK(mod(st).state_value(client, key("caller")) == to_bytes(tmpl));
  CHECK(mod(st).find_contract(client)->calls == 1);
  CHECK(mod(st).find_contract(tmpl)->calls == 2);  // two runs (no init)

  // A record with a slot restores.
  const auto records = records_of(st);
  auto restored = contracts_module::from_records(records);
  REQUIRE(restored);
  CHECK((*restored)->root() == mod(st).root());
  CHECK((*restored)->find_contract(tmpl)->slot == client);

  // Cleared, the template runs alone again and the client is left as it was.
  const auto clear = signed_tx(alice, 5, contract_set_slot_tx{tmpl, std::nullopt}, 0);
  const auto after = signed_tx(alice, 6, run_call(tmpl, 1'000'000), 1'000);
  blocks.push_back(run_block(net, st, 5, {clear, after}));
  CHECK_FALSE(mod(st).find_contract(tmpl)->slot);
  CHECK(result_of(receipt_of(st, after)) == 25'000);
  CHECK(mod(st).state_value(client, key("calls")) == le64(1));
  CHECK(st.accounts().check_conservation());

  check_replica(start, blocks, st);
}

TEST_CASE("a failed client leaves no writes; a failed template call applies neither contract's writes") {
  auto net = contracts_net();
  auto [st, g] = net.genesis();
  const auto& alice = net.users[0];
  run_block(net, st, 0, {signed_tx(alice, 0, commission_template(), 10), signed_tx(alice, 1, discount_template(), 10)});
  const auto tmpl = contract_address(address_of(alice.pub), 2);
  const auto good = contract_address(address_of(alice.pub), 3);
  const auto bad = contract_address(address_of(alice.pub), 4);  // discount above 10000: adjust traps
  run_block(net, st, 1, {signed_tx(alice, 2, deploy_of(commission_template(), 250), 0),
                         signed_tx(alice, 3, deploy_of(discount_template(), 2000), 0),
                         signed_tx(alice, 4, deploy_of(discount_template(), 20'000), 0)});

  const auto trapping = signed_tx(alice, 6, run_call(tmpl, 1'000'000), 1'000);
  run_block(net, st, 2, {signed_tx(alice, 5, contract_set_slot_tx{tmpl, bad}, 0), trapping});
  CHECK(result_of(receipt_of(st, trapping)) == 25'000);  // slot_call returned -3: the template decides
  CHECK(mod(st).state_size(bad) == 1);                    // its parameter only
  CHECK(mod(st).find_contract(bad)->calls == 0);

  // Enough fuel for the client but not for the template's last write (its last fuel charge):
  // nothing of either contract applies. The second run measures what a run needs once both
  // contracts' keys exist.
  const auto first = signed_tx(alice, 8, run_call(tmpl, 1'000'000), 1'000);
  const auto second = signed_tx(alice, 9, run_call(tmpl, 1'000'000), 1'000);
  run_block(net, st, 3, {signed_tx(alice, 7, contract_set_slot_tx{tmpl, good}, 0), first, second});
  const auto needed = receipt_of(st, second).fuel_used;
  const auto short_of_fuel = signed_tx(alice, 10, run_call(tmpl, 500'000, needed - 1), 1'000);
  run_block(net, st, 4, {short_of_fuel});
  const auto rf = receipt_of(st, short_of_fuel);
  CHECK_FALSE(rf.ok);
  CHECK(rf.error == "out_of_fuel: used all " + std::to_string(needed - 1) + " units");
  CHECK(mod(st).state_value(good, key("calls")) == le64(2));
  CHECK(mod(st).state_value(tmpl, key("last")) == le64(20'000));
  CHECK(mod(st).find_contract(good)->calls == 2);
}

TEST_CASE("slot changes are refused with their codes") {
  auto net = contracts_net();
  auto [st, g] = net.genesis();
  const auto& alice = net.users[0];
  const auto& bob = net.users[1];
  const auto counter = publish("counter", "counter.wasm", {"increment", "get"});
  run_block(net, st, 0, {signed_tx(alice, 0, commission_template(), 10), signed_tx(alice, 1, discount_template(), 10),
                         signed_tx(alice, 2, counter, 10)});
  const auto tmpl = contract_address(address_of(alice.pub), 3);
  const auto other = contract_address(address_of(alice.pub), 4);
  const auto client = contract_address(address_of(alice.pub), 5);
  const auto plain = contract_address(address_of(alice.pub), 6);
  contract_deploy_tx dc;
  dc.template_id = template_id(counter);
  run_block(net, st, 1, {signed_tx(alice, 3, deploy_of(commission_template(), 250), 0),
                         signed_tx(alice, 4, deploy_of(commission_template(), 100), 0),
                         signed_tx(alice, 5, deploy_of(discount_template(), 2000), 0), signed_tx(alice, 6, dc, 0)});

  CHECK(refusal(st, signed_tx(bob, 0, contract_set_slot_tx{tmpl, client}, 0)) == errc::access_denied);
  CHECK(refusal(st, signed_tx(alice, 7, contract_set_slot_tx{plain, client}, 0)) == errc::slot_refused);
  CHECK(refusal(st, signed_tx(alice, 7, contract_set_slot_tx{tmpl, other}, 0)) == errc::slot_refused);  // depth
  CHECK(refusal(st, signed_tx(alice, 7, contract_set_slot_tx{tmpl, tmpl}, 0)) == errc::slot_refused);
  CHECK(refusal(st, signed_tx(alice, 7, contract_set_slot_tx{tmpl, address{}}, 0)) == errc::unknown_contract);
  CHECK(refusal(st, signed_tx(alice, 7, contract_set_slot_tx{address{}, client}, 0)) == errc::unknown_contract);
  auto bad_slot = commission_template();
  bad_slot.version = 2;
  bad_slot.slot = "no spaces";
  CHECK(refusal(st, signed_tx(alice, 7, bad_slot, 10)) == errc::template_refused);
  CHECK(st.check_transaction(signed_tx(alice, 7, contract_set_slot_tx{tmpl, client}, 0), signature_check::verify));
}

TEST_CASE("with access control, a holder of write on the contract's scope may set its slot") {
  const auto admin = test::keys_of(0x5a);
  auto net = access_net(admin);
  auto [st, g] = net.genesis();
  const auto& alice = net.users[0];
  const auto& bob = net.users[1];
  const acl::scope service{acl::scope_kind::service, 9};
  run_block(net, st, 0,
            {signed_tx(admin, 0, acl_grant_tx{acl::scope::global(), address_of(alice.pub), acl::bit(acl::permission::deploy), ""}, 0)});
  auto d = deploy_of(commission_template(), 250);
  d.scope_kind = static_cast<std::uint8_t>(service.kind);
  d.scope_id = service.id;
  run_block(net, st, 1, {signed_tx(alice, 0, commission_template(), 10), signed_tx(alice, 1, discount_template(), 10)});
  run_block(net, st, 2, {signed_tx(alice, 2, d, 0), signed_tx(alice, 3, deploy_of(discount_template(), 2000), 0)});
  const auto tmpl = contract_address(address_of(alice.pub), 2);
  const auto client = contract_address(address_of(alice.pub), 3);
  const auto by_bob = signed_tx(bob, 0, contract_set_slot_tx{tmpl, client}, 0);
  CHECK(refusal(st, by_bob) == errc::access_denied);
  run_block(net, st, 3, {signed_tx(admin, 1, acl_grant_tx{service, address_of(bob.pub), acl::bit(acl::permission::write), ""}, 0)});
  run_block(net, st, 4, {by_bob});
  CHECK(mod(st).find_contract(tmpl)->slot == client);
}
