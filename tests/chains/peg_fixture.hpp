// Test fixture of the two-way peg: a mainchain with the registry (sidechain 7 active from the
// genesis) and the peg, and that sidechain with the peg, both producing and finalizing real
// signed blocks; bundles built from their blocks and final states; and what the exploit suite
// attacks with (holdings, forged certificates, attacks run through blocks). Header-only, for tests.
#pragma once

#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "chains/consensus/chain_engine.hpp"
#include "chains/peg/peg_module.hpp"
#include "chains/peg/timeout_proof.hpp"
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

  /// Produces the next block offering `txs` to an honest producer, who leaves out what the rules
  /// refuse; returns those refusals (transaction id, reason) in offering order.
  std::vector<std::pair<hash256, error>> produce_offering(std::vector<transaction> txs) {
    std::vector<std::pair<hash256, error>> rejected;
    adopt(test::produce(net, builder, next_slot++, 0, std::move(txs), &rejected));
    return rejected;
  }

  /// The next block carrying `txs` whatever the rules say, signed by its slot's producer (a
  /// malicious producer's block); not applied.
  block forge_block(std::vector<transaction> txs) const {
    auto st = builder;
    auto b = test::produce(net, st, next_slot, 0, {});
    b.txs = std::move(txs);
    b.header.tx_root = transactions_root(b);
    grind_work(b.header, st.consensus().params().work_bits);
    sign_header(b.header, net.delegates.at(b.header.producer).keys, hash256{});
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
    after_block(main, main_states);
    return b;
  }
  const block& side_block(std::vector<transaction> txs = {}) {
    const auto& b = side.produce(std::move(txs));
    after_block(side, side_states);
    return b;
  }
  /// The next block offered `txs` (peg_chain::produce_offering); returns the refusals.
  std::vector<std::pair<hash256, error>> main_offer(std::vector<transaction> txs) {
    auto r = main.produce_offering(std::move(txs));
    after_block(main, main_states);
    return r;
  }
  std::vector<std::pair<hash256, error>> side_offer(std::vector<transaction> txs) {
    auto r = side.produce_offering(std::move(txs));
    after_block(side, side_states);
    return r;
  }
  void main_final(std::uint64_t h) {
    while (main.engine.final_height() < h)
      main_block();
  }
  void side_final(std::uint64_t h) {
    while (side.engine.final_height() < h)
      side_block();
  }
  /// Keeps the state at the new head; conservation, across the chains and in the ledger, holds
  /// after every block.
  void after_block(const peg_chain& c, std::map<std::uint64_t, chain_state>& states) {
    states.emplace(c.blocks.back().header.height, c.builder);
    CHECK(check_peg_conservation(main.builder, side.builder));
    CHECK(c.builder.accounts().check_conservation());
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

/// A timeout bundle of `id` from the destination's final state (peg::make_timeout_bundle), built
/// even when `id` was received (its proof then fails: what the forged-timeout checks submit).
inline peg::timeout_bundle timeout_of(const running_chain& dest, const peg::message_id& id) {
  const auto h = dest.engine.final_height();
  auto t = peg::make_timeout_bundle(dest.engine.final_state(), dest.blocks.at(h).header, dest.certs.at(h), id,
                                    peg::if_received::build_anyway);
  REQUIRE(t);
  return *t;
}

inline transaction with_timeout(running_chain& c, const key_pair& k, const peg::timeout_bundle& t, bool probe = false) {
  return c.tx(k, peg_timeout_tx{std::make_shared<const peg::timeout_bundle>(t)}, probe);
}

/// A peg_client_update of `c` carrying `u` (a counterparty's final header, certificate, maybe a state proof).
inline transaction with_update(running_chain& c, const key_pair& k, const sidechain_anchor_payload& u, bool probe = false) {
  return c.tx(k, peg_client_update_tx{std::make_shared<const sidechain_anchor_payload>(u)}, probe);
}

// --- what the exploit suite (peg_exploit_test.cpp) runs attacks with ---------------------------

inline const std::vector<key_pair>& users_of(const peg_pair& p) {
  return p.main.net.users;
}

// users[3] is the bridge; users[2] a second bridge.
inline const key_pair& bridge_key(const peg_pair& p) {
  return users_of(p)[3];
}
inline const key_pair& second_bridge(const peg_pair& p) {
  return users_of(p)[2];
}

inline address user(const peg_pair& p, std::size_t i) {
  return address_of(users_of(p)[i].pub);
}

// What an attack must not change, by name: every user's balances and vouchers on both chains,
// the escrows, the voucher supplies, the messages in flight and the receipts.
inline std::map<std::string, std::uint64_t> holdings(const peg_pair& p) {
  std::map<std::string, std::uint64_t> h;
  const auto& ml = p.main_peg().peg_ledger();
  const auto& sl = p.side_peg().peg_ledger();
  for (std::size_t i = 0; i < users_of(p).size(); ++i) {
    const auto a = user(p, i);
    const auto n = std::to_string(i);
    h["main balance of user " + n] = p.main.builder.accounts().get(a).balance;
    h["side balance of user " + n] = p.side.builder.accounts().get(a).balance;
    h["main peg/7/FUND7 of user " + n] = ml.voucher_balance("peg/7/FUND7", a);
    h["side peg/1/BFDT of user " + n] = sl.voucher_balance("peg/1/BFDT", a);
  }
  h["main escrow of BFDT for 7"] = ml.escrowed("BFDT", side_id);
  h["side escrow of FUND7 for 1"] = sl.escrowed("FUND7", mainchain_id);
  h["main supply of peg/7/FUND7"] = ml.voucher_supply("peg/7/FUND7");
  h["side supply of peg/1/BFDT"] = sl.voucher_supply("peg/1/BFDT");
  h["main messages in flight"] = ml.messages_in_flight().size();
  h["side messages in flight"] = sl.messages_in_flight().size();
  h["main receipts"] = ml.receipts().size();
  h["side receipts"] = sl.receipts().size();
  h["main next sequence"] = ml.next_sequence();
  h["side next sequence"] = sl.next_sequence();
  return h;
}

inline void check_unchanged(const std::map<std::string, std::uint64_t>& before,
                     const std::map<std::string, std::uint64_t>& after) {
  // Named locals, not structured bindings: doctest's message lambdas capture them, which clang 14
  // cannot do with bindings (the sanitizer build).
  for (const auto& entry : before) {
    const auto& name = entry.first;
    const auto value = entry.second;
    CHECK_MESSAGE(after.at(name) == value, name, ": ", value, " before, ", after.at(name), " after");
  }
}

enum class on { main, side };

// `attack` (a probe-nonce transaction of chain `where`) is refused with `code` at admission, by
// every node in a block a malicious producer forces it into, and by an honest producer, whose
// block is then produced without it; nothing changes.
inline void refused(peg_pair& p, on where, const transaction& attack, errc code) {
  auto& c = where == on::main ? p.main : p.side;
  INFO("attack: ", payload_name(attack.payload), ", expected ", to_string(code));
  const auto before = holdings(p);
  auto admitted = c.builder.check_transaction(attack, signature_check::verify);
  REQUIRE_FALSE(admitted);
  CHECK_MESSAGE(admitted.error().code == code, admitted.error().message());
  // A malicious producer's block: its state transition fails on every node.
  const auto forced = c.forge_block({attack});
  auto copy = c.builder;
  auto applied = copy.apply_block(forced, signature_check::verify);
  REQUIRE_FALSE(applied);
  CHECK_MESSAGE(applied.error().code == code, applied.error().message());
  auto engine = c.engine;
  CHECK(engine.add_block(forced, signature_check::verify).outcome == block_outcome::rejected);
  // An honest producer leaves it out.
  const auto left_out = where == on::main ? p.main_offer({attack}) : p.side_offer({attack});
  REQUIRE(left_out.size() == 1);
  CHECK(left_out[0].first == signing_hash(attack));
  CHECK(left_out[0].second.code == code);
  check_unchanged(before, holdings(p));
}

// After transactions offered with probe nonces, the fixture's nonce counters follow the ledger.
inline void sync_nonces(peg_chain& c) {
  for (const auto& u : c.net.users)
    c.nonces[u.pub] = c.builder.accounts().get(address_of(u.pub)).nonce;
}

// The same transaction with the next nonce (a second copy in one block).
inline transaction next_nonce(transaction t, const key_pair& k) {
  ++t.nonce;
  sign_transaction(t, k, hash256{});
  return t;
}

struct sent_message {
  peg::peg_message message;
  std::uint64_t height = 0;  // the source block holding it
};

// users[from] sends `value` BFDT to users[to] on the sidechain; the message is the block's only entry.
inline sent_message send_bfdt(peg_pair& p, std::size_t from, std::size_t to, amount value, std::uint64_t timeout) {
  const auto& b = p.main_block({p.main.tx(users_of(p)[from], peg_send_tx{side_id, user(p, to), "BFDT", value, timeout})});
  REQUIRE(p.main_peg().outbox_entries().size() == 1);
  return {std::get<peg::peg_message>(p.main_peg().outbox_entries()[0]), b.header.height};
}

inline peg::delivery_bundle main_bundle(peg_pair& p, std::uint64_t h, std::uint64_t index = 0) {
  return p.main.bundle(h, index, p.main_states.at(h - 1));
}
inline peg::delivery_bundle side_bundle(peg_pair& p, std::uint64_t h, std::uint64_t index = 0) {
  return p.side.bundle(h, index, p.side_states.at(h - 1));
}

// The certificate's vote, signed by `k` under the name `signer`.
inline certificate_signature sign_as(const finality_certificate& cert, const key_pair& k, const public_key& signer) {
  confirmation v{cert.chain, cert.source_height, cert.source, cert.height, cert.block, k.pub, {}};
  sign_confirmation(v, k, hash256{});
  return {signer, v.sig};
}

// `count` keys no cluster of the fixture holds.
inline std::vector<key_pair> outsiders(std::size_t count) {
  std::vector<key_pair> out;
  for (std::size_t i = 0; i < count; ++i)
    out.push_back(keys_of(static_cast<byte>(0x90 + i)));
  return out;
}

// A cluster of `keys`, each with the power of a genesis VM.
inline cluster cluster_of(const std::vector<key_pair>& keys) {
  cluster c;
  for (const auto& k : keys)
    c.members.push_back({k.pub, 0, 100 * units_per_bfdt});
  c.power = c.total_power = 100 * units_per_bfdt * keys.size();
  return c;
}

// The certificate re-signed by every member of `signers` (keys of `net`), naming `c`.
inline finality_certificate signed_by(finality_certificate cert, const cluster& c, const network& net) {
  cert.cluster = cluster_hash(c);
  cert.signatures.clear();
  for (const auto& m : c.members)
    cert.signatures.push_back(sign_as(cert, net.delegates.at(m.key).keys, m.key));
  return cert;
}

} // namespace bfd::test
