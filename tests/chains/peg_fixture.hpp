// Test fixture of the two-way peg: a mainchain with the registry (sidechain 7 active from the
// genesis) and the peg, and that sidechain with the peg, both producing and finalizing real
// signed blocks; bundles built from their blocks and final states. Header-only, for tests.
#pragma once

#include <doctest/doctest.h>

#include "chains/consensus/chain_engine.hpp"
#include "chains/peg/peg_module.hpp"
#include "chains/sidechain/registry_module.hpp"
#include "chains/sidechain/validator_choice.hpp"
#include "tests/chains/network_fixture.hpp"

namespace bfd::test {

inline constexpr chain_id side_id = 7;

inline const key_pair& authority() {
  static const key_pair k = test::keys_of(0x5a);
  return k;
}

inline std::shared_ptr<hash_chain> side_hash_chain(const network& main, const public_key& key) {
  const auto& k = main.delegates.at(key).keys;
  return std::make_shared<hash_chain>(tagged_hash(hash_tag::reveal, k.secret.view(), key.view()), 2048, 64);
}

/// A running chain with what the peg tests take from it: light-client updates and bundles.
struct peg_chain : running_chain {
  using running_chain::running_chain;

  /// The final header, its certificate and its state proof (a light-client update).
  sidechain_anchor_payload update() const {
    const auto h = engine.final_height();
    return sidechain_anchor_payload{id(), blocks.at(h).header, certs.at(h), make_state_proof(engine.final_state())};
  }

  /// A delivery bundle of entry `index` of block `h`'s outbox (rebuilt from its parent's state),
  /// linked up to the final header.
  peg::delivery_bundle bundle(std::uint64_t h, std::uint64_t index, const chain_state& parent) const {
    auto entries = block_outbox(parent, blocks.at(h));
    REQUIRE(entries);
    REQUIRE(index < entries->size());
    peg::outbox box;
    for (const auto& e : *entries)
      box.add(e);
    REQUIRE(box.root() == blocks.at(h).header.outbox_root);
    peg::delivery_bundle b;
    b.entry = (*entries)[index];
    b.inclusion = *box.prove(index);
    b.header = blocks.at(h).header;
    for (auto i = h + 1; i <= engine.final_height(); ++i)
      b.links.push_back(blocks.at(i).header);
    b.certificate = certs.at(engine.final_height());
    return b;
  }
};


/// The mainchain with the registry (sidechain 7 active from the genesis) and the peg, and the
/// sidechain derived from the registry entry with the peg and a light client of the mainchain.
struct peg_pair {
  sidechain_entry entry;
  peg_chain main;
  peg_chain side;
  std::map<std::uint64_t, chain_state> main_states;  // the mainchain's state at each height
  std::map<std::uint64_t, chain_state> side_states;

  /// `rule`: the sidechain's metadata_rule (none accepts every well-formed operation).
  explicit peg_pair(peg::metadata_rule rule = {})
    : entry(make_entry()), main(main_net(entry)), side(side_net(entry, main, std::move(rule))) {
    main_states.emplace(0, main.builder);
    side_states.emplace(0, side.builder);
  }

  static sidechain_entry make_entry() {
    network base;
    const auto st = base.genesis().first;
    sidechain_entry e;
    e.id = side_id;
    e.kind = chain_kind::daos;
    e.name = "pegged";
    e.token.symbol = "FUND7";
    e.token.allocations = {{address_of(base.users[0].pub), 1'000 * units_per_bfdt}};
    e.rule.per_category = {1, 1, 1};
    e.params.slot_ms = 500;
    e.params.rounds_per_epoch = 2;
    e.params.base_block_txs = 10;
    e.params.miss_limit = 3;
    e.params.anchor_interval = 64;
    auto chosen = choose_validators(st.consensus().active(), e.rule);
    REQUIRE(chosen);
    for (const auto& m : *chosen)
      e.validators.push_back({m.key, m.category, 100 * units_per_bfdt, side_hash_chain(base, m.key)->tip()});
    e.genesis_time_ms = base.config.params.genesis_time_ms;
    return e;
  }

  static network main_net(const sidechain_entry& e) {
    network n;
    auto g = std::make_shared<registry_genesis>();
    g->authority = authority().pub;
    g->sidechains = {e};
    n.config.modules = module_set{module_id::token, module_id::consensus, module_id::registry, module_id::peg};
    n.config.registry = std::move(g);
    return n;
  }

  static network side_net(const sidechain_entry& e, const running_chain& m, peg::metadata_rule rule = {}) {
    network n(1);
    const peg_trust_point trust{mainchain_id, m.blocks.at(0).header, make_state_proof(m.builder)};
    n.config = with_peg(sidechain_spec(e, m.net.config.params), trust).genesis;
    if (rule) {
      auto g = std::make_shared<peg_genesis>(*n.config.peg);
      g->metadata_rule = std::move(rule);
      n.config.peg = std::move(g);
    }
    n.delegates.clear();
    for (const auto& v : e.validators)
      n.delegates[v.key] = {m.net.delegates.at(v.key).keys, side_hash_chain(m.net, v.key)};
    n.users = m.net.users;
    return n;
  }

  const peg_module& main_peg() const { return *find_peg(main.builder); }
  const peg_module& side_peg() const { return *find_peg(side.builder); }

  const block& main_block(std::vector<transaction> txs = {}) {
    const auto& b = main.produce(std::move(txs));
    main_states.emplace(b.header.height, main.builder);
    CHECK(check_peg_conservation(main.builder, side.builder));
    return b;
  }
  const block& side_block(std::vector<transaction> txs = {}) {
    const auto& b = side.produce(std::move(txs));
    side_states.emplace(b.header.height, side.builder);
    CHECK(check_peg_conservation(main.builder, side.builder));
    return b;
  }
  void main_final(std::uint64_t h) {
    while (main.engine.final_height() < h)
      main_block();
  }
  void side_final(std::uint64_t h) {
    while (side.engine.final_height() < h)
      side_block();
  }
  /// Anchors the sidechain's final header on the mainchain.
  void anchor() {
    main_block({main.tx(main.net.users[3], sidechain_anchor_tx{std::make_shared<const sidechain_anchor_payload>(side.update())})});
  }
  /// Updates the sidechain's light client of the mainchain to the mainchain's final header.
  void update_side_client() {
    side_block({side.tx(side.net.users[3], peg_client_update_tx{std::make_shared<const sidechain_anchor_payload>(main.update())})});
  }
};

inline transaction with_bundle(running_chain& c, const key_pair& k, const peg::delivery_bundle& b, bool ack, bool probe = false) {
  auto body = std::make_shared<const peg::delivery_bundle>(b);
  return ack ? c.tx(k, peg_acknowledge_tx{body}, probe) : c.tx(k, peg_receive_tx{body}, probe);
}

/// A timeout bundle of `id` from the destination's final state: its final header and certificate,
/// the state opening down to the peg module's parts, and the non-receipt proof of `id`.
inline peg::timeout_bundle timeout_of(const running_chain& dest, const peg::message_id& id) {
  const auto h = dest.engine.final_height();
  const auto& st = dest.engine.final_state();
  const auto proof = make_state_proof(st);
  const auto* peg = find_peg(st);
  REQUIRE(peg);
  peg::timeout_bundle t;
  t.id = id;
  t.header = dest.blocks.at(h).header;
  t.certificate = dest.certs.at(h);
  t.opening = peg::make_peg_opening(
    peg::state_opening{proof.ledger_root, consensus_state::root_of(proof.consensus), proof.modules},
    peg->peg_ledger().receipts().root(), peg->ledger_part(), peg->peg_ledger().next_sequence());
  t.non_receipt = peg->peg_ledger().receipts().prove(peg::receipt_key(id));
  return t;
}

inline transaction with_timeout(running_chain& c, const key_pair& k, const peg::timeout_bundle& t, bool probe = false) {
  return c.tx(k, peg_timeout_tx{std::make_shared<const peg::timeout_bundle>(t)}, probe);
}

} // namespace bfd::test
