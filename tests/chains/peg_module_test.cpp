// The two-way peg as a state module: a mainchain with the registry and the peg, a sidechain with
// the peg and a light client of the mainchain, both producing and finalizing real signed blocks;
// BFDT goes out and back, a message times out and is refunded, replays and forgeries are
// refused, and conservation holds after every block.
#include <doctest/doctest.h>

#include "chains/codec/transaction_codec.hpp"
#include "chains/consensus/chain_engine.hpp"
#include "chains/peg/peg_module.hpp"
#include "chains/sidechain/registry_module.hpp"
#include "chains/sidechain/validator_choice.hpp"
#include "tests/chains/network_fixture.hpp"

using namespace bfd;
using test::network;

namespace {

constexpr chain_id side_id = 7;

const key_pair& authority() {
  static const key_pair k = test::keys_of(0x5a);
  return k;
}

std::shared_ptr<hash_chain> side_hash_chain(const network& main, const public_key& key) {
  const auto& k = main.delegates.at(key).keys;
  return std::make_shared<hash_chain>(tagged_hash(hash_tag::reveal, k.secret.view(), key.view()), 2048, 64);
}

/// A chain that produces and finalizes: its builder, an engine every cluster member votes in,
/// and for each height its block and (once final) its certificate.
struct running_chain {
  network net;
  chain_state builder;
  chain_engine engine;
  std::vector<block> blocks;
  std::map<std::uint64_t, finality_certificate> certs;
  std::uint64_t next_slot = 0;
  std::map<public_key, std::uint64_t> nonces;

  explicit running_chain(network n)
    : net(std::move(n)), builder(net.genesis().first), engine(net.genesis().first, net.genesis().second) {
    blocks.push_back(net.genesis().second);
  }

  chain_id id() const { return net.config.chain; }

  /// A signed transaction with the sender's next nonce; `probe`: for admission only (the nonce is
  /// not used up).
  transaction tx(const key_pair& sender, tx_payload payload, bool probe = false) {
    transaction t;
    t.chain = id();
    t.nonce = probe ? nonces[sender.pub] : nonces[sender.pub]++;
    t.fee = 0;
    t.expiry = 100'000;
    t.payload = std::move(payload);
    sign_transaction(t, sender, hash256{});
    return t;
  }

  /// Produces the next block with `txs` (each must be admitted and included) and votes for it.
  const block& produce(std::vector<transaction> txs = {}) {
    for (const auto& t : txs) {
      auto st = builder.check_transaction(t, signature_check::verify);
      INFO(payload_name(t.payload), ": ", st ? std::string("ok") : st.error().detail);
      REQUIRE(st);
    }
    auto b = test::produce(net, builder, next_slot++, 0, txs);
    REQUIRE(b.txs.size() == txs.size());
    REQUIRE(builder.apply_block(b, signature_check::verify));
    builder.release_undo();
    REQUIRE(engine.add_block(b, signature_check::verify).outcome == block_outcome::extended);
    blocks.push_back(b);
    const auto hash = header_hash(b.header);
    const auto source = engine.vote_source(hash);
    REQUIRE(source);
    for (const auto& member : engine.confirming_cluster(hash)->members)
      engine.add_confirmation(test::vote(b, net.delegates.at(member.key).keys, source->height, source->hash));
    if (engine.final_certificate())
      certs.emplace(engine.final_height(), *engine.final_certificate());
    return blocks.back();
  }

  /// Produces until height `h` is final.
  void finalize(std::uint64_t h) {
    while (engine.final_height() < h)
      produce();
  }

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
  running_chain main;
  running_chain side;
  std::map<std::uint64_t, chain_state> main_states;  // the mainchain's state at each height
  std::map<std::uint64_t, chain_state> side_states;

  peg_pair() : entry(make_entry()), main(main_net(entry)), side(side_net(entry, main)) {
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

  static network side_net(const sidechain_entry& e, const running_chain& m) {
    network n(1);
    const peg_trust_point trust{mainchain_id, m.blocks.at(0).header, make_state_proof(m.builder)};
    n.config = with_peg(sidechain_spec(e, m.net.config.params), trust).genesis;
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

transaction with_bundle(running_chain& c, const key_pair& k, const peg::delivery_bundle& b, bool ack, bool probe = false) {
  auto body = std::make_shared<const peg::delivery_bundle>(b);
  return ack ? c.tx(k, peg_acknowledge_tx{body}, probe) : c.tx(k, peg_receive_tx{body}, probe);
}

} // namespace

TEST_CASE("BFDT goes from the mainchain to a sidechain and back through proven messages and acknowledgements") {
  peg_pair p;
  const auto& users = p.main.net.users;
  const auto alice = address_of(users[0].pub);
  const auto bob = address_of(users[1].pub);
  const auto carol = address_of(users[2].pub);
  const auto alice_before = p.main.builder.accounts().get(alice).balance;
  const auto locked_before = p.main.builder.accounts().locked();

  // 1. Send on the mainchain: escrowed (locked), the message in the block's outbox.
  const auto& sent_block = p.main_block({p.main.tx(users[0], peg_send_tx{side_id, bob, "BFDT", 10 * units_per_bfdt, 1'000})});
  const auto h1 = sent_block.header.height;
  CHECK(sent_block.header.outbox_root != merkle_root({}));
  CHECK(p.main.builder.accounts().get(alice).balance == alice_before - 10 * units_per_bfdt);
  CHECK(p.main.builder.accounts().locked() == locked_before + 10 * units_per_bfdt);
  CHECK(p.main.builder.accounts().check_conservation());
  CHECK(p.main_peg().peg_ledger().escrowed("BFDT", side_id) == 10 * units_per_bfdt);
  REQUIRE(p.main_peg().outbox_entries().size() == 1);
  const auto msg = std::get<peg::peg_message>(p.main_peg().outbox_entries()[0]);
  CHECK(msg.id == peg::message_id{mainchain_id, 0});
  CHECK(peg::verify_outbox_inclusion(sent_block.header.outbox_root, msg, *p.main_peg().current_outbox().prove(0)));
  // The next block starts an empty outbox.
  p.main_block();
  CHECK(p.main_peg().outbox_entries().empty());
  CHECK(p.main.blocks.back().header.outbox_root == merkle_root({}));

  // 2. The sidechain's light client follows the mainchain; the message is delivered there.
  p.main_final(h1);
  const auto side_root_before = p.side.builder.state_root();
  p.update_side_client();
  CHECK(p.side_peg().own_client(mainchain_id)->latest().height == p.main.engine.final_height());
  CHECK(p.side.builder.state_root() != side_root_before);
  const auto delivery = p.main.bundle(h1, 0, p.main_states.at(h1 - 1));
  // A forged amount is refused (the proof no longer holds).
  auto forged = delivery;
  std::get<peg::asset_transfer>(std::get<peg::peg_message>(forged.entry).payload).value *= 100;
  CHECK(p.side.builder.check_transaction(with_bundle(p.side, users[3], forged, false, true), signature_check::verify).error().code
        == errc::bad_proof);
  const auto& recv_block = p.side_block({with_bundle(p.side, users[3], delivery, false)});
  const auto hr = recv_block.header.height;
  CHECK(p.side_peg().peg_ledger().voucher_balance("peg/1/BFDT", bob) == 10 * units_per_bfdt);
  REQUIRE(p.side_peg().outbox_entries().size() == 1);
  CHECK(std::get<peg::peg_ack>(p.side_peg().outbox_entries()[0]).success());
  // A replay changes nothing: refused at admission.
  CHECK(p.side.builder.check_transaction(with_bundle(p.side, users[3], delivery, false, true), signature_check::verify).error().code
        == errc::duplicate);

  // 3. The acknowledgement goes back: the sidechain's header is anchored, the ack delivered.
  p.side_final(hr);
  p.anchor();
  const auto ack = p.side.bundle(hr, 0, p.side_states.at(hr - 1));
  p.main_block({with_bundle(p.main, users[3], ack, true)});
  CHECK(p.main_peg().peg_ledger().state_of(msg.id) == peg::message_state::delivered);
  CHECK(p.main.builder.check_transaction(with_bundle(p.main, users[3], ack, true, true), signature_check::verify).error().code
        == errc::wrong_status);

  // 4. The way back: the voucher is burned on the sidechain and BFDT released on the mainchain.
  const auto& back_block = p.side_block({p.side.tx(users[1], peg_send_tx{mainchain_id, carol, "peg/1/BFDT", 4 * units_per_bfdt, 100'000})});
  const auto hb = back_block.header.height;
  CHECK(p.side_peg().peg_ledger().voucher_balance("peg/1/BFDT", bob) == 6 * units_per_bfdt);
  const auto back_msg = std::get<peg::peg_message>(p.side_peg().outbox_entries().at(0));
  p.side_final(hb);
  p.anchor();
  const auto carol_before = p.main.builder.accounts().get(carol).balance;
  const auto& release = p.main_block({with_bundle(p.main, users[3], p.side.bundle(hb, 0, p.side_states.at(hb - 1)), false)});
  const auto hrel = release.header.height;
  CHECK(p.main.builder.accounts().get(carol).balance == carol_before + 4 * units_per_bfdt);
  CHECK(p.main_peg().peg_ledger().escrowed("BFDT", side_id) == 6 * units_per_bfdt);
  CHECK(p.main.builder.accounts().check_conservation());
  // Its acknowledgement settles it on the sidechain.
  p.main_final(hrel);
  p.update_side_client();
  p.side_block({with_bundle(p.side, users[3], p.main.bundle(hrel, 0, p.main_states.at(hrel - 1)), true)});
  CHECK(p.side_peg().peg_ledger().state_of(back_msg.id) == peg::message_state::delivered);
}

TEST_CASE("a chain without the peg module refuses kinds 10-15 and keeps its state root") {
  network plain;
  auto [st, g] = plain.genesis();
  auto with = plain;
  with.config.modules = module_set::standard().with(module_id::peg);
  CHECK(with.genesis().second.header.state_root != g.header.state_root);
  CHECK(g.header.outbox_root == merkle_root({}));
  transaction tx;
  tx.chain = mainchain_id;
  tx.expiry = 100;
  tx.payload = peg_send_tx{side_id, address_of(plain.users[1].pub), "BFDT", 1, 10};
  sign_transaction(tx, plain.users[0], hash256{});
  CHECK(st.check_transaction(tx, signature_check::verify).error().code == errc::kind_not_enabled);
  // With the module but no such counterparty, the send is refused by the peg's own rule.
  auto [pst, pg] = with.genesis();
  CHECK(pst.check_transaction(tx, signature_check::verify).error().code == errc::unknown_chain);
  // The payload survives the transaction codec.
  auto back = codec::decode_transaction(codec::encode(tx));
  REQUIRE(back);
  CHECK(back->payload == tx.payload);
}

TEST_CASE("a pegged sidechain's genesis does not depend on its trust point, but differs from the registry's") {
  peg_pair p;
  const auto plain = sidechain_spec(p.entry, p.main.net.config.params);
  const peg_trust_point at_genesis{mainchain_id, p.main.blocks.at(0).header, make_state_proof(p.main_states.at(0))};
  p.main_block();
  const peg_trust_point later{mainchain_id, p.main.blocks.at(1).header, make_state_proof(p.main_states.at(1))};
  auto a = chain_state::genesis(with_peg(plain, at_genesis).genesis);
  auto b = chain_state::genesis(with_peg(plain, later).genesis);
  auto unpegged = chain_state::genesis(plain.genesis);
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE(unpegged);
  // The trust point is not hashed: every node derives the same pegged genesis.
  CHECK(header_hash(a->second.header) == header_hash(b->second.header));
  // The module's presence is: its root joins the state root, so the registry's genesis hash
  // (derived from the entry alone, without the peg) is the unpegged one (docs/peg.md, known limits).
  const auto* reg = find_registry(p.main_states.at(0));
  REQUIRE(reg);
  CHECK(reg->find(side_id)->genesis_hash == header_hash(unpegged->second.header));
  CHECK(reg->find(side_id)->genesis_hash != header_hash(a->second.header));
}
