// The mainchain's sidechain registry: who may register, activate and cease; the validator rule;
// anchoring the final headers of a real sidechain through its light client; undo, root and
// storage records; the payload codecs; and anchoring proofs.
#include <doctest/doctest.h>

#include "chains/crypto/hash.hpp"
#include "chains/sidechain/anchoring_proof.hpp"
#include "chains/sidechain/registry.hpp"
#include "chains/sidechain/validator_choice.hpp"
#include "tests/chains/network_fixture.hpp"

using namespace bfd;
using test::network;

namespace {

const key_pair& authority() {
  static const key_pair k = test::keys_of(0x77);
  return k;
}

/// A mainchain (the fixture's network: 3 VMs per category, equal bids, so its active cluster
/// holds two of each: selection takes full passes across the categories) and a registry whose authority is keys_of(0x77).
struct mainchain {
  network net;
  chain_state state;
  sidechain_registry registry;
  mainchain_position at{5, 1'000'000 + 5 * 900};

  mainchain() : net(), state(net.genesis().first), registry(authority().pub, net.config.params) {}

  const cluster& active() const { return state.consensus().active(); }

  /// A DAOS sidechain with its own token, one validator per category chosen by the default rule.
  sidechain_entry entry(chain_id id = 7, std::string name = "fund one") const {
    sidechain_entry e;
    e.id = id;
    e.kind = chain_kind::daos;
    e.name = std::move(name);
    e.token.symbol = "FUND1";
    e.token.allocations = {{address_of(net.users[0].pub), 1'000 * units_per_bfdt}};
    e.rule.per_category = {1, 1, 1};
    e.params.slot_ms = 500;
    e.params.rounds_per_epoch = 2;
    e.params.base_block_txs = 10;
    e.params.miss_limit = 3;
    e.params.anchor_interval = 4;
    auto chosen = choose_validators(active(), e.rule);
    REQUIRE(chosen);
    for (const auto& m : *chosen)
      e.validators.push_back({m.key, m.category, 100 * units_per_bfdt, side_chain_tip(m.key)});
    e.genesis_time_ms = at.timestamp_ms;
    return e;
  }

  /// The hash chain a validator commits for the sidechain: seeded apart from its mainchain one.
  hash256 side_chain_tip(const public_key& key) const {
    return side_hash_chain(key)->tip();
  }
  std::shared_ptr<hash_chain> side_hash_chain(const public_key& key) const {
    const auto& k = net.delegates.at(key).keys;
    return std::make_shared<hash_chain>(tagged_hash(hash_tag::reveal, k.secret.view(), key.view()), 2048, 64);
  }

  status reg(const sidechain_entry& e, const public_key& sender = authority().pub) {
    return registry.apply_register(sender, {e}, at, active());
  }
};

/// A sidechain that really runs: its genesis derived from the entry, its validators' keys and
/// the hash chains they committed, an engine that finalizes what its cluster votes for.
struct sidechain : test::running_chain {
  sidechain(const mainchain& m, const sidechain_entry& e) : running_chain(make_net(m, e)) {}

  static network make_net(const mainchain& m, const sidechain_entry& e) {
    network n(1);
    n.config = sidechain_spec(e, m.net.config.params).genesis;
    n.delegates.clear();
    for (const auto& v : e.validators)
      n.delegates[v.key] = {m.net.delegates.at(v.key).keys, m.side_hash_chain(v.key)};
    return n;
  }

  /// Produces until the final height reaches `h`; the anchor payload of the final header.
  sidechain_anchor_payload anchor_at(std::uint64_t h) {
    finalize(h);
    REQUIRE(engine.final_height() == h);
    sidechain_anchor_payload p;
    p.id = net.config.chain;
    p.header = blocks.at(h).header;
    REQUIRE(header_hash(p.header) == engine.final_hash());
    p.certificate = certs.at(h);
    return p;
  }
};

} // namespace

TEST_CASE("only the registry authority registers, activates and ceases a sidechain") {
  mainchain m;
  const auto stranger = m.net.users[1].pub;
  CHECK(m.reg(m.entry(), stranger).error().code == errc::unauthorized);
  CHECK(m.registry.find(7) == nullptr);
  REQUIRE(m.reg(m.entry()));
  const auto* s = m.registry.find(7);
  REQUIRE(s);
  CHECK(s->status == sidechain_status::registered);
  CHECK(s->registered_height == 5);
  CHECK(s->anchored_height == 0);
  CHECK(s->genesis_hash == header_hash(sidechain(m, m.entry()).net.genesis().second.header));

  CHECK(m.registry.apply_activate(stranger, {7}, m.at).error().code == errc::unauthorized);
  CHECK(m.registry.apply_activate(authority().pub, {8}, m.at).error().code == errc::unknown_chain);
  m.at.height = 9;
  REQUIRE(m.registry.apply_activate(authority().pub, {7}, m.at));
  CHECK(m.registry.find(7)->status == sidechain_status::active);
  CHECK(m.registry.find(7)->activated_height == 9);
  CHECK(m.registry.apply_activate(authority().pub, {7}, m.at).error().code == errc::wrong_status);

  CHECK(m.registry.apply_cease(stranger, {7}, m.at).error().code == errc::unauthorized);
  m.at.height = 12;
  REQUIRE(m.registry.apply_cease(authority().pub, {7}, m.at));
  CHECK(m.registry.find(7)->status == sidechain_status::ceased);
  CHECK(m.registry.find(7)->ceased_height == 12);
  CHECK(m.registry.apply_cease(authority().pub, {7}, m.at).error().code == errc::wrong_status);
  CHECK(m.registry.apply_activate(authority().pub, {7}, m.at).error().code == errc::wrong_status);
  // A registered sidechain may be ceased before it ever runs.
  REQUIRE(m.reg(m.entry(8, "fund two")));
  CHECK(m.registry.apply_cease(authority().pub, {8}, m.at));
}

TEST_CASE("a duplicate id or name, a reserved id, a mainchain kind and bad token rules are refused") {
  mainchain m;
  REQUIRE(m.reg(m.entry(7, "fund one")));
  CHECK(m.reg(m.entry(7, "fund other")).error().code == errc::already_exists);
  CHECK(m.reg(m.entry(9, "fund one")).error().code == errc::already_exists);
  CHECK(m.reg(m.entry(mainchain_id, "main again")).error().code == errc::invalid_argument);
  CHECK(m.reg(m.entry(0, "zero")).error().code == errc::invalid_argument);
  auto e = m.entry(9, "nine");
  e.kind = chain_kind::mainchain;
  CHECK(m.reg(e).error().code == errc::invalid_argument);
  e = m.entry(9, std::string(65, 'x'));
  CHECK(m.reg(e).error().code == errc::invalid_argument);
  e = m.entry(9, "tab\there");
  CHECK(m.reg(e).error().code == errc::invalid_argument);
  e = m.entry(9, "nine");
  e.token.symbol = "BFDT";  // pegged BFDT has no genesis supply
  CHECK(m.reg(e).error().code == errc::invalid_argument);
  e.token.allocations.clear();
  CHECK(m.reg(e));
  e = m.entry(10, "ten");
  e.token.symbol = "lower";
  CHECK(m.reg(e).error().code == errc::invalid_argument);
  e = m.entry(10, "ten");
  e.params.anchor_interval = 0;
  CHECK(m.reg(e).error().code == errc::invalid_argument);
  e.params.anchor_interval = registry_bounds::max_anchor_interval + 1;
  CHECK(m.reg(e).error().code == errc::invalid_argument);
  e = m.entry(10, "ten");
  e.genesis_time_ms = m.at.timestamp_ms - 1;
  CHECK(m.reg(e).error().code == errc::invalid_argument);
  // What the derived genesis refuses is refused too, with the genesis's reason.
  e = m.entry(10, "ten");
  e.validators[0].bid = 0;
  CHECK(m.reg(e).error().code == errc::bid_too_low);
  CHECK(m.registry.ids() == std::vector<chain_id>{7, 9});
}

TEST_CASE("validator sets that break the rule against the mainchain's active cluster are refused") {
  mainchain m;
  const auto& active = m.active();
  REQUIRE(active.members.size() == 6);
  auto refused = [&](const sidechain_entry& e) { return m.reg(e).error().code == errc::bad_validator_set; };
  auto e = m.entry();
  e.validators[1] = e.validators[0];  // listed twice
  CHECK(refused(e));
  e = m.entry();
  e.validators[0].category = 1;  // the mainchain VM is gold
  CHECK(refused(e));
  e = m.entry();
  e.validators.pop_back();  // one short of the rule
  CHECK(refused(e));
  e = m.entry();
  e.rule.per_category = {1, 1};  // one count per mainchain category
  CHECK(refused(e));
  e = m.entry();
  e.rule.per_category = {0, 0, 0};
  e.validators.clear();
  CHECK(refused(e));
  // A mainchain VM outside the active cluster: a bronze VM not selected.
  e = m.entry();
  for (const auto& vm : m.net.config.vms)
    if (vm.category == 2 && !active.find(vm.key))
      e.validators[2].key = vm.key;
  REQUIRE_FALSE(active.find(e.validators[2].key));
  CHECK(refused(e));
  // The rule asks for three bronze validators: the cluster has two.
  validator_rule three_bronze{{0, 0, 3}};
  CHECK(choose_validators(active, three_bronze).error().code == errc::bad_validator_set);
  CHECK(m.registry.ids().empty());
}

TEST_CASE("the default chooser takes the strongest members per category, ties by key") {
  cluster c;
  auto key = [](byte b) { public_key k; k.data.fill(b); return k; };
  c.members = {{key(9), 0, 50}, {key(3), 0, 80}, {key(5), 0, 80}, {key(1), 0, 10}, {key(7), 1, 20}, {key(2), 1, 20}};
  auto chosen = choose_validators(c, {{2, 1}});
  REQUIRE(chosen);
  REQUIRE(chosen->size() == 3);
  CHECK((*chosen)[0].key == key(3));
  CHECK((*chosen)[1].key == key(5));
  CHECK((*chosen)[2].key == key(2));
  CHECK(choose_validators(c, {{0, 3}}).error().code == errc::bad_validator_set);
  CHECK(choose_validators(c, {{4, 0}}));
}

TEST_CASE("a real sidechain's final headers are anchored; forged, stale, skipping and ceased anchors are refused") {
  mainchain m;
  const auto e = m.entry();
  REQUIRE(m.reg(e));
  sidechain side(m, e);
  auto first = side.anchor_at(2);
  // Not active yet: refused.
  CHECK(m.registry.apply_anchor(first, m.at).error().code == errc::wrong_status);
  REQUIRE(m.registry.apply_activate(authority().pub, {7}, m.at));

  // A forged certificate: one signature byte changed.
  auto forged = first;
  forged.certificate.signatures[0].sig.data[5] ^= 1;
  CHECK_FALSE(m.registry.apply_anchor(forged, m.at));
  // A certificate of another header.
  auto other = first;
  other.header.timestamp_ms += 1;
  CHECK(m.registry.apply_anchor(other, m.at).error().code == errc::bad_proof);
  // A header of another chain.
  auto wrong = first;
  wrong.id = 8;
  CHECK(m.registry.apply_anchor(wrong, m.at).error().code == errc::unknown_chain);

  m.at.height = 20;
  const auto root_before = m.registry.root();
  REQUIRE(m.registry.apply_anchor(first, m.at));
  CHECK(m.registry.root() != root_before);
  CHECK(m.registry.find(7)->anchored_height == 2);
  CHECK(m.registry.find(7)->anchored_hash == header_hash(first.header));
  CHECK(m.registry.client(7)->latest() == first.header);
  // The same anchor again is stale.
  CHECK(m.registry.apply_anchor(first, m.at).error().code == errc::stale);

  // Skipping more than the proof bound (1,024 blocks) is refused before the certificate is looked at;
  // skipping more than the cadence (anchor_interval, 4) is not.
  auto too_far = first;
  too_far.header.height = first.header.height + registry_bounds::max_anchor_interval + 1;
  CHECK(m.registry.apply_anchor(too_far, m.at).error().code == errc::bad_height);
  auto far = side.anchor_at(7);
  {
    auto skip = m.registry;
    REQUIRE(skip.apply_anchor(far, m.at));
    CHECK(skip.find(7)->anchored_height == 7);
  }
  m.at.height = 21;
  auto mid = sidechain_anchor_payload{7, side.blocks[6].header, side.certs.at(6), {}};
  REQUIRE(mid.certificate.proves_final());
  REQUIRE(m.registry.apply_anchor(mid, m.at));
  REQUIRE(m.registry.apply_anchor(far, m.at));
  const auto kept = m.registry.anchors(7);
  REQUIRE(kept.size() == 3);
  CHECK(kept[0] == anchor_record{2, header_hash(first.header), 20});
  CHECK(kept[1] == anchor_record{6, header_hash(mid.header), 21});
  CHECK(kept[2] == anchor_record{7, header_hash(far.header), 21});
  CHECK(m.registry.anchor_covering(7, 3)->sidechain_height == 6);
  CHECK(m.registry.anchor_covering(7, 7)->sidechain_height == 7);
  CHECK_FALSE(m.registry.anchor_covering(7, 8));

  // After cease nothing more is anchored, however valid.
  REQUIRE(m.registry.apply_cease(authority().pub, {7}, m.at));
  auto late = side.anchor_at(9);
  CHECK(m.registry.apply_anchor(late, m.at).error().code == errc::wrong_status);
  CHECK(m.registry.find(7)->anchored_height == 7);
}

TEST_CASE("undo restores the registry and its root; its storage records restore an equal registry") {
  mainchain m;
  const auto empty_root = m.registry.root();
  const auto e = m.entry();
  sidechain side(m, e);
  const auto a1 = side.anchor_at(2);
  const auto a2 = side.anchor_at(5);

  auto mark = m.registry.checkpoint();
  REQUIRE(m.reg(e));
  REQUIRE(m.registry.apply_activate(authority().pub, {7}, m.at));
  REQUIRE(m.registry.apply_anchor(a1, m.at));
  const auto after_one = m.registry.root();
  CHECK(after_one != empty_root);
  m.registry.rollback(mark);
  CHECK(m.registry.root() == empty_root);
  CHECK(m.registry.find(7) == nullptr);
  // The name is free again.
  REQUIRE(m.reg(e));
  REQUIRE(m.registry.apply_activate(authority().pub, {7}, m.at));
  REQUIRE(m.registry.apply_anchor(a1, m.at));
  CHECK(m.registry.root() == after_one);
  m.registry.release_undo();

  // Storage: every record, then only what a block changed.
  m.registry.mark_all_dirty();
  std::map<bytes, bytes> store;
  auto flush = [&] {
    for (auto& [k, v] : m.registry.dirty_records()) {
      if (v)
        store[k] = *v;
      else
        store.erase(k);
    }
    m.registry.clear_dirty();
  };
  flush();
  mark = m.registry.checkpoint();
  m.at.height = 30;
  REQUIRE(m.registry.apply_anchor(a2, m.at));
  const auto changed = m.registry.dirty_records();
  CHECK(changed.size() == 2);  // the sidechain record and one anchor
  flush();
  std::vector<std::pair<bytes, bytes>> records(store.begin(), store.end());
  auto restored = sidechain_registry::restore(authority().pub, m.net.config.params, records);
  REQUIRE(restored);
  CHECK(*restored == m.registry);
  CHECK(restored->root() == m.registry.root());
  // The restored light client goes on from the stored trust point.
  CHECK(restored->apply_anchor(a2, m.at).error().code == errc::stale);
  CHECK(restored->apply_anchor(side.anchor_at(8), m.at));

  // Rolling back marks the restored values dirty for storage too.
  m.registry.rollback(mark);
  CHECK(m.registry.find(7)->anchored_height == 2);
  flush();
  records.assign(store.begin(), store.end());
  restored = sidechain_registry::restore(authority().pub, m.net.config.params, records);
  REQUIRE(restored);
  CHECK(restored->root() == m.registry.root());

  // A missing anchor record or a damaged one is found.
  auto missing = records;
  missing.erase(std::find_if(missing.begin(), missing.end(), [](const auto& r) { return r.first[0] == 'a'; }));
  CHECK(sidechain_registry::restore(authority().pub, m.net.config.params, missing).error().code
        == errc::storage_corrupt);
  auto damaged = records;
  damaged.front().second.pop_back();
  CHECK(sidechain_registry::restore(authority().pub, m.net.config.params, damaged).error().code
        == errc::storage_corrupt);
}

TEST_CASE("only the last 1024 anchors of a sidechain stay in the state") {
  mainchain m;
  auto e = m.entry();
  REQUIRE(m.reg(e));
  REQUIRE(m.registry.apply_activate(authority().pub, {7}, m.at));
  sidechain side(m, e);
  // Real anchors only (a forged one is refused), so the sidechain finalizes 1,026 blocks.
  for (std::uint64_t h = 1; h <= sidechain_registry::kept_anchors + 2; ++h) {
    auto a = side.anchor_at(h);
    REQUIRE(m.registry.apply_anchor(a, m.at));
  }
  const auto kept = m.registry.anchors(7);
  CHECK(kept.size() == sidechain_registry::kept_anchors);
  CHECK(kept.front().sidechain_height == 3);
  CHECK(m.registry.find(7)->first_anchor == 2);
  CHECK(m.registry.find(7)->next_anchor == sidechain_registry::kept_anchors + 2);
}

TEST_CASE("registry payloads round trip and refuse truncated, oversized and non-canonical input") {
  mainchain m;
  sidechain_register_payload reg{m.entry()};
  auto bytes_reg = codec::encode(reg);
  auto back = codec::decode_sidechain_register(bytes_reg);
  REQUIRE(back);
  CHECK(*back == reg);
  for (std::size_t cut = 0; cut < bytes_reg.size(); cut += 7)
    CHECK_FALSE(codec::decode_sidechain_register(byte_view{bytes_reg.data(), cut}));
  auto trailing = bytes_reg;
  trailing.push_back(0);
  CHECK(codec::decode_sidechain_register(trailing).error().code == errc::trailing_bytes);

  sidechain_activate_payload act{7};
  CHECK(*codec::decode_sidechain_activate(codec::encode(act)) == act);
  sidechain_cease_payload cease{UINT32_MAX};
  CHECK(*codec::decode_sidechain_cease(codec::encode(cease)) == cease);
  // [7] with 7 as a uint16 (cd 00 07): the same value, not canonical.
  const bytes padded{0x91, 0xcd, 0x00, 0x07};
  CHECK(codec::decode_sidechain_activate(padded).error().code == errc::non_canonical);
  // An id over 32 bits.
  const bytes big{0x91, 0xcf, 0, 0, 0, 1, 0, 0, 0, 0};
  CHECK(codec::decode_sidechain_cease(big).error().code == errc::malformed);

  // Oversized fields: a 65-byte name, a 13-byte symbol, 257 validators.
  auto e = m.entry();
  e.name = std::string(65, 'n');
  CHECK(codec::decode_sidechain_register(codec::encode(sidechain_register_payload{e})).error().code
        == errc::too_large);
  e = m.entry();
  e.token.symbol = std::string(13, 'S');
  CHECK(codec::decode_sidechain_register(codec::encode(sidechain_register_payload{e})).error().code
        == errc::too_large);
  e = m.entry();
  e.validators.resize(registry_bounds::max_validators + 1, e.validators[0]);
  CHECK_FALSE(codec::decode_sidechain_register(codec::encode(sidechain_register_payload{e})));
  e.validators.resize(registry_bounds::max_validators);
  CHECK(codec::decode_sidechain_register(codec::encode(sidechain_register_payload{e})));

  // Anchors: with and without a state proof; the nested header must be canonical.
  sidechain side(m, m.entry());
  auto anchor = side.anchor_at(2);
  auto enc = codec::encode(anchor);
  REQUIRE(codec::decode_sidechain_anchor(enc));
  CHECK(*codec::decode_sidechain_anchor(enc) == anchor);
  anchor.proof = make_state_proof(side.engine.final_state());
  enc = codec::encode(anchor);
  auto with_proof = codec::decode_sidechain_anchor(enc);
  REQUIRE(with_proof);
  CHECK(*with_proof == anchor);
  for (std::size_t cut = 0; cut < enc.size(); cut += 13)
    CHECK_FALSE(codec::decode_sidechain_anchor(byte_view{enc.data(), cut}));
  // Flip every byte in turn: never a crash, and never the same payload back.
  std::size_t decoded = 0;
  for (std::size_t i = 0; i < enc.size(); i += 3) {
    auto bad = enc;
    bad[i] ^= 0x55;
    auto r = codec::decode_sidechain_anchor(bad);
    if (r) {
      ++decoded;
      CHECK_FALSE(*r == anchor);
    }
  }
  CHECK(decoded > 0);  // byte flips inside hashes and signatures still decode
}

TEST_CASE("an anchoring proof verifies against a trusted mainchain header and fails when any part is altered") {
  mainchain m;
  const auto e = m.entry();
  sidechain side(m, e);
  const auto anchor = side.anchor_at(4);

  // The mainchain: real blocks. The block at height 2 holds the anchor transaction among two
  // transfers; until kind 9 is in the transaction codec, the anchor's entry hash stands in as
  // the payload's tagged hash (the verifier takes the entry hash as an input).
  const hash256 entry = tagged_hash(hash_tag::tx_entry, codec::encode(anchor));
  const anchor_binding anchor_entry{entry, header_hash(anchor.header)};
  network& net = m.net;
  auto [st, gb] = net.genesis();
  std::vector<block> main_blocks;
  for (std::uint64_t g = 0; g < 5; ++g) {
    std::vector<transaction> txs;
    if (g == 1)
      txs = {test::transfer(net.users[0], address_of(net.users[1].pub), 5, 0),
             test::transfer(net.users[2], address_of(net.users[3].pub), 5, 0)};
    auto b = test::produce(net, st, g, 0, txs);
    REQUIRE(st.apply_block(b, signature_check::verify));
    main_blocks.push_back(b);
  }
  // The anchoring block's tx root with the anchor entry inserted between the transfers.
  block_header anchoring = main_blocks[1].header;
  std::vector<hash256> entries{entry_hash(main_blocks[1].txs[0]), entry, entry_hash(main_blocks[1].txs[1])};
  anchoring.tx_root = merkle_root(entries);
  // Its descendants link to it by parent hash (re-linked headers; the verifier checks links only).
  std::vector<block_header> links;
  hash256 parent = header_hash(anchoring);
  for (std::size_t i = 2; i < main_blocks.size(); ++i) {
    auto h = main_blocks[i].header;
    h.parent = parent;
    parent = header_hash(h);
    links.push_back(h);
  }
  const block_header trusted = links.back();

  std::vector<block_header> side_headers;
  for (const auto& b : side.blocks)
    side_headers.push_back(b.header);
  auto side_links = sidechain_links(side_headers, 1, anchor.header);
  REQUIRE(side_links);
  REQUIRE(side_links->size() == 3);

  anchoring_proof proof{*side_links, anchor.header, *make_merkle_proof(entries, 1), anchoring, links};
  const anchored_block claim{7, 1, header_hash(side.blocks[1].header)};
  REQUIRE(verify_anchoring(proof, trusted, anchor_entry, claim));
  // Proving the anchored header itself, and a block linked from nearer.
  auto direct = proof;
  direct.sidechain_links.clear();
  CHECK(verify_anchoring(direct, trusted, anchor_entry, anchored_block{7, 4, header_hash(anchor.header)}));
  // Trusting the anchoring block itself.
  auto at_anchor = proof;
  at_anchor.mainchain_links.clear();
  CHECK(verify_anchoring(at_anchor, anchoring, anchor_entry, claim));

  auto fails = [&](const anchoring_proof& p, const anchor_binding* other = nullptr, const block_header* t = nullptr) {
    auto r = verify_anchoring(p, t ? *t : trusted, other ? *other : anchor_entry, claim);
    return !r.ok() && r.error().code == errc::bad_proof;
  };
  const anchor_binding other_entry{tagged_hash(hash_tag::tx_entry, codec::encode(side.anchor_at(5))), anchor_entry.anchored_header};
  CHECK(fails(proof, &other_entry));
  const anchor_binding other_header{entry, header_hash(side.blocks[3].header)};
  CHECK(fails(proof, &other_header));
  CHECK(fails(proof, {}, &main_blocks[4].header));  // not the trusted header the links reach
  auto p = proof;
  p.sidechain_links[1].timestamp_ms += 1;
  CHECK(fails(p));
  p = proof;
  p.sidechain_links.erase(p.sidechain_links.begin() + 1);
  CHECK(fails(p));
  p = proof;
  p.anchored.state_root.data[0] ^= 1;
  CHECK(fails(p));
  p = proof;
  p.inclusion.index = 0;
  CHECK(fails(p));
  p = proof;
  p.inclusion.siblings[0].data[3] ^= 1;
  CHECK(fails(p));
  p = proof;
  p.mainchain_block.tx_root.data[0] ^= 1;
  CHECK(fails(p));
  p = proof;
  p.mainchain_links[1].parent.data[0] ^= 1;
  CHECK(fails(p));
  p = proof;
  p.mainchain_links.pop_back();
  CHECK(fails(p));
  // A valid proof of another block is not a proof of the claim.
  CHECK(fails(direct));
  // Too many links are refused before any hashing.
  p = proof;
  p.mainchain_links.assign(max_mainchain_links + 1, links[0]);
  CHECK(fails(p));
}
