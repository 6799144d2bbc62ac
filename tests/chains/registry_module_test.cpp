// The sidechain registry as the mainchain's state module: its kinds run through signed blocks,
// its root is part of the state root from the genesis, a validating node reaches the same
// state, its records restore it, and a chain without the module refuses its kinds.
#include <doctest/doctest.h>

#include "chains/codec/transaction_codec.hpp"
#include "chains/sidechain/registry_module.hpp"
#include "chains/sidechain/validator_choice.hpp"
#include "tests/chains/network_fixture.hpp"

using namespace bfd;
using test::network;

namespace {

const key_pair& authority() {
  static const key_pair k = test::keys_of(0x5a);
  return k;
}

network registry_net() {
  network net;
  auto g = std::make_shared<registry_genesis>();
  g->authority = authority().pub;
  net.config.modules = module_set{module_id::token, module_id::consensus, module_id::registry};
  net.config.registry = std::move(g);
  return net;
}

sidechain_entry entry_for(const chain_state& main, chain_id id, std::uint64_t genesis_ms) {
  sidechain_entry e;
  e.id = id;
  e.kind = chain_kind::daos;
  e.name = "fund " + std::to_string(id);
  e.token.symbol = "F" + std::to_string(id);
  e.token.allocations = {{address{}, 1'000 * units_per_bfdt}};
  e.rule.per_category = {1, 1, 1};
  e.params.anchor_interval = 4;
  auto chosen = choose_validators(main.consensus().active(), e.rule);
  REQUIRE(chosen);
  for (const auto& m : *chosen)
    e.validators.push_back({m.key, m.category, units_per_bfdt, tagged_hash(hash_tag::reveal, m.key.view())});
  e.genesis_time_ms = genesis_ms;
  return e;
}

transaction registry_tx(const key_pair& sender, std::uint64_t nonce, tx_payload payload) {
  transaction tx;
  tx.chain = mainchain_id;
  tx.nonce = nonce;
  tx.fee = 0;
  tx.expiry = 1'000;
  tx.payload = std::move(payload);
  sign_transaction(tx, sender, hash256{});
  return tx;
}

} // namespace

TEST_CASE("the registry module's root is part of the mainchain's state root from the genesis") {
  auto with = registry_net();
  network without;
  CHECK(with.genesis().second.header.state_root != without.genesis().second.header.state_root);
  // Another authority: another genesis.
  auto other = registry_net();
  auto g = std::make_shared<registry_genesis>(*other.config.registry);
  g->authority = test::keys_of(0x5b).pub;
  other.config.registry = g;
  CHECK(other.genesis().second.header.state_root != with.genesis().second.header.state_root);
  // The module without its genesis cannot be made.
  auto missing = registry_net();
  missing.config.registry = nullptr;
  CHECK_FALSE(chain_state::genesis(missing.config));
}

TEST_CASE("register, activate and cease run through signed blocks; a validating node reaches the same registry") {
  auto net = registry_net();
  auto [st, g] = net.genesis();
  const auto start = st;
  const auto e = entry_for(st, 9, net.config.params.genesis_time_ms + 10'000);

  // Only the authority: a stranger's registration is refused at admission and left out of blocks.
  const auto stranger = registry_tx(net.users[0], 0, sidechain_register_tx{std::make_shared<const sidechain_register_payload>(sidechain_register_payload{e})});
  CHECK(st.check_transaction(stranger, signature_check::verify).error().code == errc::unauthorized);

  const auto reg = registry_tx(authority(), 0, sidechain_register_tx{std::make_shared<const sidechain_register_payload>(sidechain_register_payload{e})});
  REQUIRE(st.check_transaction(reg, signature_check::verify));
  std::vector<block> blocks;
  blocks.push_back(test::produce(net, st, 0, 0, {stranger, reg}));
  REQUIRE(blocks.back().txs.size() == 1);
  REQUIRE(st.apply_block(blocks.back(), signature_check::verify));
  const auto* r = find_registry(st);
  REQUIRE(r);
  REQUIRE(r->find(9));
  CHECK(r->find(9)->status == sidechain_status::registered);
  CHECK(r->find(9)->registered_height == 1);

  // Activate and cease in the following blocks; a second cease is refused.
  blocks.push_back(test::produce(net, st, 1, 0, {registry_tx(authority(), 1, sidechain_activate_tx{9})}));
  REQUIRE(blocks.back().txs.size() == 1);
  REQUIRE(st.apply_block(blocks.back(), signature_check::verify));
  CHECK(find_registry(st)->find(9)->status == sidechain_status::active);
  CHECK(find_registry(st)->find(9)->activated_height == 2);
  blocks.push_back(test::produce(net, st, 2, 0, {registry_tx(authority(), 2, sidechain_cease_tx{9})}));
  REQUIRE(st.apply_block(blocks.back(), signature_check::verify));
  CHECK(find_registry(st)->find(9)->status == sidechain_status::ceased);
  CHECK(st.check_transaction(registry_tx(authority(), 3, sidechain_cease_tx{9}), signature_check::verify).error().code
        == errc::wrong_status);

  // A node validating the same blocks from the genesis reaches the same state root.
  auto replica = start;
  for (const auto& b : blocks)
    REQUIRE(replica.apply_block(b, signature_check::verify));
  CHECK(replica.state_root() == st.state_root());
  CHECK(find_registry(replica)->root() == find_registry(st)->root());

  // A block that claims a stranger's registration is refused whole.
  auto forged = test::produce(net, replica, 3, 0, {});
  forged.txs.push_back(stranger);
  CHECK_FALSE(replica.apply_block(forged, signature_check::verify));
}

TEST_CASE("the registry module restores from its records alone, and refuses another authority's") {
  auto net = registry_net();
  auto [st, g] = net.genesis();
  const auto e = entry_for(st, 9, net.config.params.genesis_time_ms);
  auto b = test::produce(net, st, 0, 0,
                         {registry_tx(authority(), 0, sidechain_register_tx{std::make_shared<const sidechain_register_payload>(sidechain_register_payload{e})})});
  REQUIRE(st.apply_block(b, signature_check::verify));
  auto copy = st.state_modules().front()->clone();
  copy->mark_all_dirty();
  std::vector<std::pair<bytes, bytes>> records;
  for (auto& [k, v] : copy->dirty_records())
    if (v)
      records.emplace_back(k, *v);
  std::sort(records.begin(), records.end());
  auto restored = registry_module::from_records(net.config.params, records);
  REQUIRE(restored);
  CHECK((*restored)->root() == st.state_modules().front()->root());
  CHECK((*restored)->registry().find(9)->entry == e);

  // Restoring into a module of another authority is refused as corrupt.
  auto g2 = std::make_shared<registry_genesis>();
  g2->authority = test::keys_of(0x5b).pub;
  registry_module other(g2, net.config.params);
  CHECK(other.restore(records).error().code == errc::storage_corrupt);
  // Without the authority record the store cannot be read alone.
  std::erase_if(records, [](const auto& r) { return r.first == bytes{'A'}; });
  CHECK(registry_module::from_records(net.config.params, records).error().code == errc::storage_corrupt);
}

TEST_CASE("a chain without the registry module refuses its kinds; large registrations fit a transaction") {
  network plain;
  auto [st, g] = plain.genesis();
  const auto e = entry_for(st, 9, plain.config.params.genesis_time_ms);
  const auto reg = registry_tx(authority(), 0, sidechain_register_tx{std::make_shared<const sidechain_register_payload>(sidechain_register_payload{e})});
  CHECK(st.check_transaction(reg, signature_check::verify).error().code == errc::kind_not_enabled);

  // The largest allocation list an entry may have travels in one canonical transaction.
  auto big = e;
  big.token.allocations.clear();
  for (std::uint32_t i = 0; i < 1024; ++i) {
    address a{};
    a.data[0] = static_cast<byte>(i >> 8);
    a.data[1] = static_cast<byte>(i);
    big.token.allocations.push_back({a, units_per_bfdt + i});
  }
  const auto tx = registry_tx(authority(), 0, sidechain_register_tx{std::make_shared<const sidechain_register_payload>(sidechain_register_payload{big})});
  const auto enc = codec::encode(tx);
  CHECK(enc.size() <= codec::tx_limits.max_frame_bytes);
  auto back = codec::decode_transaction(enc);
  REQUIRE(back);
  CHECK(*back == tx);
  CHECK(signing_hash(*back) == signing_hash(tx));
  // Truncated: refused, never a crash.
  auto cut = enc;
  cut.resize(enc.size() / 2);
  CHECK_FALSE(codec::decode_transaction(cut));
}
