// A deterministic VM-DPoSW network for tests: delegates with keys and hash chains, a genesis,
// and helpers that produce correctly scheduled, signed blocks and confirmations.
#pragma once

#include <map>
#include <memory>

#include "chains/consensus/chain_engine.hpp"
#include "chains/consensus/chain_state.hpp"
#include "chains/consensus/hash_chain.hpp"
#include "chains/crypto/hash.hpp"
#include "tests/chains/sample.hpp"

namespace bfd::test {

/// A delegate: key and hash chain.
struct delegate_keys {
  key_pair keys;
  std::shared_ptr<hash_chain> chain;
};

inline hash256 chain_seed_of(const key_pair& k) {
  return tagged_hash(hash_tag::reveal, k.secret.view());
}

/// Categories gold (weight 3), silver (2), bronze (1); `per_category` VMs each with `bid`.
struct network {
  genesis_config config;
  std::map<public_key, delegate_keys> delegates;
  std::vector<key_pair> users;

  explicit network(int per_category = 3, amount bid = 100 * units_per_bfdt, std::uint32_t work_bits = 0) {
    config.params.categories = {{"gold", 3, 0, 0}, {"silver", 2, 0, 0}, {"bronze", 1, 0, 0}};
    config.params.genesis_time_ms = 1'000'000;
    config.params.slot_ms = 900;
    config.params.rounds_per_epoch = 4;
    config.params.min_bid = units_per_bfdt;
    config.params.work_bits = work_bits;
    config.params.block_reward = 5 * units_per_bfdt;
    config.params.base_block_txs = 10;
    config.params.miss_limit = 3;
    byte fill = 0x40;
    for (std::uint32_t c = 0; c < 3; ++c) {
      for (int i = 0; i < per_category; ++i) {
        auto k = keys_of(fill++);
        auto hc = std::make_shared<hash_chain>(chain_seed_of(k), 64, 8);
        delegates[k.pub] = {k, hc};
        config.vms.push_back({k.pub, c, bid, hc->tip()});
      }
    }
    for (byte u = 1; u <= 4; ++u) {
      users.push_back(keys_of(u));
      config.allocations.push_back({address_of(users.back().pub), 1'000 * units_per_bfdt});
    }
  }

  /// Adds a VM to the genesis set.
  const delegate_keys& add_vm(byte fill, std::uint32_t category, amount bid) {
    auto k = keys_of(fill);
    auto hc = std::make_shared<hash_chain>(chain_seed_of(k), 64, 8);
    delegates[k.pub] = {k, hc};
    config.vms.push_back({k.pub, category, bid, hc->tip()});
    return delegates[k.pub];
  }

  std::pair<chain_state, block> genesis() const {
    auto g = chain_state::genesis(config);
    REQUIRE(g);
    return std::move(*g);
  }
};

/// The reveal the producer of `a` must carry, given the state it builds on.
inline hash256 reveal_for(const network& net, const chain_state& st, const slot_assignment& a) {
  const auto& r = st.consensus().round();
  if (a.round == r.number && r.reveals[a.slot])
    return *r.reveals[a.slot];
  const auto* vm = st.consensus().find_vm(a.producer);
  return *net.delegates.at(a.producer).chain->reveal(vm->reveals + 1);
}

/// The template of the `index`-th block of global slot `g` on top of `st`.
inline chain_state::block_template slot_template(const network& net, const chain_state& st, std::uint64_t g,
                                                 std::uint32_t index = 0) {
  auto a = st.consensus().assignment_at(g);
  REQUIRE(a);
  chain_state::block_template t;
  t.producer = a->producer;
  t.round = a->round;
  t.slot = a->slot;
  t.timestamp_ms = a->start_ms + index * (a->end_ms - a->start_ms) / a->max_blocks;
  t.reveal = reveal_for(net, st, *a);
  t.max_txs = a->max_txs;
  return t;
}

/// The `index`-th block of global slot `g` on top of `st`, signed by the slot's producer; the
/// reasons of the transactions the rules leave out go to `rejected`.
inline block produce(const network& net, chain_state& st, std::uint64_t g, std::uint32_t index = 0,
                     std::vector<transaction> txs = {},
                     std::vector<std::pair<hash256, error>>* rejected = nullptr) {
  const auto t = slot_template(net, st, g, index);
  auto b = st.build_block(t, txs, signature_check::verify, rejected);
  REQUIRE(b);
  grind_work(b->header, st.consensus().params().work_bits);
  sign_header(b->header, net.delegates.at(t.producer).keys, hash256{});
  return *b;
}

/// A finality vote for `b` by `signer` from the source (height, hash).
inline confirmation vote(const block& b, const key_pair& signer, std::uint64_t source_height, const hash256& source) {
  confirmation c{b.header.chain, source_height, source, b.header.height, header_hash(b.header), {}, {}};
  sign_confirmation(c, signer, hash256{});
  return c;
}

/// A finality vote for `b` by `signer` from its parent (the usual link: once the parent is
/// justified, enough of these justify `b` and make the parent final).
inline confirmation confirm(const block& b, const key_pair& signer) {
  return vote(b, signer, b.header.height - 1, b.header.parent);
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
    return adopt(std::move(b));
  }

  /// Applies `b` (built on the head) to the builder and the engine, and votes for it.
  const block& adopt(block b) {
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

};

} // namespace bfd::test
