// Proof bundles verified against real light clients of two chains (genesis clusters of the test
// network, certificates signed by its delegates): deliveries, acknowledgements and timeouts, and
// the bridge attacks — forged or short certificates, a wrong validator set, zero or empty roots,
// stale headers, broken links, replays.
#include <doctest/doctest.h>

#include "chains/peg/peg_ledger.hpp"
#include "chains/peg/proofs.hpp"
#include "tests/chains/network_fixture.hpp"

using namespace bfd;
using namespace bfd::peg;
using test::network;

namespace {

network make_network(chain_id chain) {
  network n;
  n.config.chain = chain;
  return n;
}

// A chain as its light client sees it: the genesis, the trusted cluster and its keys.
struct chain_view {
  network net;
  chain_state genesis_state;
  block genesis;
  light_client client;

  explicit chain_view(chain_id chain)
    : net(make_network(chain)), genesis_state(net.genesis().first), genesis(net.genesis().second),
      client(*light_client::start(genesis.header, make_state_proof(genesis_state))) {}

  const cluster& active() const { return genesis_state.consensus().active(); }

  // A header on top of `parent` carrying these roots.
  block_header header(const block_header& parent, const hash256& outbox_root, const hash256& state_root) const {
    block_header h;
    h.chain = parent.chain;
    h.height = parent.height + 1;
    h.parent = header_hash(parent);
    h.outbox_root = outbox_root;
    h.state_root = state_root;
    h.tx_root = merkle_root({});
    return h;
  }

  // A certificate that `h` is final, signed by the first `signers` members of `c` with `keys`.
  finality_certificate certify(const block_header& h, std::size_t signers, const cluster& c) const {
    hash256 child;
    child.data.fill(0x77);
    finality_certificate cert{h.chain, h.height, header_hash(h), h.height + 1, child, cluster_hash(c), {}};
    for (std::size_t i = 0; i < signers && i < c.members.size(); ++i) {
      confirmation v{h.chain, h.height, header_hash(h), h.height + 1, child, c.members[i].key, {}};
      sign_confirmation(v, net.delegates.at(c.members[i].key).keys, hash256{});
      cert.signatures.push_back({v.signer, v.sig});
    }
    return cert;
  }
  finality_certificate certify(const block_header& h) const { return certify(h, active().members.size(), active()); }
};

address addr(byte b) {
  address a;
  a.data.fill(b);
  return a;
}

// A mainchain block whose outbox holds `m` (after two other messages), certified final.
delivery_bundle deliver(const chain_view& source, const outbox_entry& e) {
  outbox box;
  peg_message filler;
  filler.id = {source.genesis.header.chain, 1000};
  filler.destination = 2;
  filler.payload = asset_transfer{"BFDT", 1};
  filler.timeout_height = 5;
  box.add(filler);
  box.add(e);
  delivery_bundle b;
  b.entry = e;
  b.inclusion = *box.prove(1);
  b.header = source.header(source.genesis.header, box.root(), hash256{});
  b.certificate = source.certify(b.header);
  return b;
}

} // namespace

TEST_CASE("the state opening gives exactly the state root chain_state computes") {
  chain_view main(1);
  const auto proof = make_state_proof(main.genesis_state);
  state_opening o{proof.ledger_root, consensus_state::root_of(proof.consensus), {}};
  CHECK(o.state_root() == main.genesis_state.state_root());
  o.modules.push_back({3, hash256{}});
  CHECK(o.state_root() != main.genesis_state.state_root());
}

TEST_CASE("a delivered message verifies against the source's light client and takes effect once") {
  chain_view main(1);
  peg_ledger source(1), dest(2);
  auto sent = source.send({addr(1), addr(2), 2, asset_transfer{"BFDT", 40}, 100});
  REQUIRE(sent);
  const auto bundle = deliver(main, sent->message);
  auto v = verify_message_delivery(bundle, main.client, 2);
  REQUIRE_MESSAGE(v, v.error().message());
  CHECK(v->writer == 1);
  CHECK(v->height == 1);
  CHECK(main.client.latest().height == 0);  // verification does not advance the caller's client
  REQUIRE(dest.receive(std::get<peg_message>(v->entry), 5));
  // The same bundle again verifies (proofs are facts) but the receipt refuses the replay.
  REQUIRE(verify_message_delivery(bundle, main.client, 2));
  CHECK(dest.receive(std::get<peg_message>(bundle.entry), 6).error().code == errc::duplicate);
  CHECK(dest.voucher_supply("peg/1/BFDT") == 40);
  // A round trip through the codec verifies the same.
  auto again = codec::decode_delivery_bundle(codec::encode(bundle));
  REQUIRE(again);
  CHECK(verify_message_delivery(*again, main.client, 2));
}

TEST_CASE("forged proofs are refused: wrong chain, empty or zero root, tampered entry, wrong index") {
  chain_view main(1);
  peg_message m;
  m.id = {1, 0};
  m.destination = 2;
  m.payload = asset_transfer{"BFDT", 40};
  m.timeout_height = 100;
  const auto good = deliver(main, m);
  CHECK(verify_message_delivery(good, main.client, 3).error().code == errc::wrong_chain);
  chain_view other(5);
  CHECK(verify_message_delivery(good, other.client, 2).error().code == errc::wrong_chain);
  // The Nomad loss: a header with an empty or zero outbox root "proving" anything.
  for (const auto& root : {merkle_root({}), hash256{}}) {
    auto b = good;
    b.header.outbox_root = root;
    b.certificate = main.certify(b.header);
    b.inclusion = merkle_proof{0, 0, {}};
    CHECK(verify_message_delivery(b, main.client, 2).error().code == errc::bad_proof);
  }
  auto tampered = good;
  std::get<peg_message>(tampered.entry).payload = asset_transfer{"BFDT", 4000};
  CHECK(verify_message_delivery(tampered, main.client, 2).error().code == errc::bad_proof);
  auto moved = good;
  moved.inclusion.index = 0;
  CHECK(verify_message_delivery(moved, main.client, 2).error().code == errc::bad_proof);
  // An acknowledgement is not a message.
  auto ack = deliver(main, peg_ack{{2, 0}, failure_code::none, ""});
  CHECK(verify_message_delivery(ack, main.client, 2).error().code == errc::bad_proof);
}

TEST_CASE("forged certificates are refused: bad signature, too few signers, repeated signer, wrong validator set") {
  chain_view main(1);
  peg_message m;
  m.id = {1, 0};
  m.destination = 2;
  m.payload = asset_transfer{"BFDT", 40};
  m.timeout_height = 100;
  const auto good = deliver(main, m);
  REQUIRE(verify_message_delivery(good, main.client, 2));
  // Wormhole: a signature that does not verify.
  auto forged = good;
  forged.certificate.signatures[0].sig.data[5] ^= 1;
  CHECK(verify_message_delivery(forged, main.client, 2).error().code == errc::bad_confirmation);
  // Ronin: exactly 2/3 of the power is not enough; the same key counted twice is refused.
  const auto members = main.active().members.size();
  auto few = good;
  few.certificate = main.certify(good.header, members * 2 / 3, main.active());
  CHECK(verify_message_delivery(few, main.client, 2).error().code == errc::not_final);
  auto repeated = few;
  while (repeated.certificate.signatures.size() < members)
    repeated.certificate.signatures.push_back(repeated.certificate.signatures[0]);
  CHECK(verify_message_delivery(repeated, main.client, 2).error().code == errc::bad_confirmation);
  // Another validator set (a network with the same chain id, other keys): its cluster is not
  // trusted, and its signatures do not count for the trusted one.
  network impostor_net(3, 100 * units_per_bfdt);
  impostor_net.delegates.clear();
  impostor_net.config.vms.clear();
  for (byte k = 0x90; k < 0x99; ++k)
    impostor_net.add_vm(k, (k - 0x90) % 3, 100 * units_per_bfdt);
  auto [impostor_state, impostor_genesis] = impostor_net.genesis();
  const auto& wrong = impostor_state.consensus().active();
  finality_certificate wrong_cert = good.certificate;
  wrong_cert.cluster = cluster_hash(wrong);
  wrong_cert.signatures.clear();
  for (const auto& mem : wrong.members) {
    confirmation v{1, good.header.height, header_hash(good.header), good.header.height + 1, wrong_cert.block, mem.key, {}};
    sign_confirmation(v, impostor_net.delegates.at(mem.key).keys, hash256{});
    wrong_cert.signatures.push_back({v.signer, v.sig});
  }
  auto wrong_set = good;
  wrong_set.certificate = wrong_cert;
  CHECK(verify_message_delivery(wrong_set, main.client, 2).error().code == errc::bad_proof);
  wrong_set.certificate.cluster = cluster_hash(main.active());
  CHECK(verify_message_delivery(wrong_set, main.client, 2).error().code == errc::bad_confirmation);
}

TEST_CASE("a header below the client's latest needs links up to it; stale or broken links are refused") {
  chain_view main(1);
  peg_message m;
  m.id = {1, 0};
  m.destination = 2;
  m.payload = asset_transfer{"BFDT", 40};
  m.timeout_height = 100;
  auto b = deliver(main, m);
  const auto h2 = main.header(b.header, merkle_root({}), hash256{});
  const auto h3 = main.header(h2, merkle_root({}), hash256{});
  REQUIRE(main.client.accept_final(h3, main.certify(h3)));
  // The message's header alone, with its old certificate, is stale now.
  CHECK(verify_message_delivery(b, main.client, 2).error().code == errc::stale);
  // Linked up to the client's latest header it verifies without any certificate.
  b.links = {h2, h3};
  b.certificate = {};
  auto v = verify_message_delivery(b, main.client, 2);
  REQUIRE_MESSAGE(v, v.error().message());
  CHECK(v->final_height == 3);
  auto broken = b;
  broken.links[0].timestamp_ms = 1;
  CHECK(verify_message_delivery(broken, main.client, 2).error().code == errc::bad_parent);
  auto skipping = b;
  skipping.links.erase(skipping.links.begin());
  CHECK(verify_message_delivery(skipping, main.client, 2).error().code == errc::bad_parent);
}

TEST_CASE("an acknowledgement verifies against the destination's client and settles the message once") {
  chain_view side(2);
  peg_ledger source(1);
  auto sent = source.send({addr(1), addr(2), 2, asset_transfer{"BFDT", 40}, 100});
  REQUIRE(sent);
  const auto b = deliver(side, peg_ack{sent->message.id, failure_code::none, ""});
  auto v = verify_ack_delivery(b, side.client, sent->message);
  REQUIRE_MESSAGE(v, v.error().message());
  REQUIRE(source.acknowledge(std::get<peg_ack>(v->entry), v->writer));
  CHECK(source.acknowledge(std::get<peg_ack>(v->entry), v->writer).error().code == errc::wrong_status);
  // An acknowledgement of another message, or proven on the source's own chain, is refused.
  auto other = sent->message;
  other.id.sequence = 9;
  CHECK(verify_ack_delivery(b, side.client, other).error().code == errc::bad_proof);
  chain_view main(1);
  CHECK(verify_ack_delivery(deliver(main, peg_ack{sent->message.id, failure_code::none, ""}), main.client,
                            sent->message).error().code == errc::wrong_chain);
  auto codec_again = codec::decode_delivery_bundle(codec::encode(b));
  REQUIRE(codec_again);
  CHECK(std::get<peg_ack>(codec_again->entry) == std::get<peg_ack>(b.entry));
}

namespace {

// A final sidechain header at `height` whose state opening shows `dest`'s peg module.
timeout_bundle timeout_proof(const chain_view& side, const peg_ledger& dest, const message_id& id,
                             std::uint64_t height) {
  timeout_bundle t;
  t.id = id;
  hash256 l, c;
  l.data.fill(0x0a);
  c.data.fill(0x0c);
  t.opening = make_peg_opening(state_opening{l, c, {{2, hash256{}}, {module_id_value, dest.module_root()}}},
                               dest.receipts().root(), dest.ledger_root(), dest.next_sequence());
  block_header parent = side.genesis.header;
  parent.height = height - 1;
  t.header = side.header(parent, merkle_root({}), t.opening.state.state_root());
  t.certificate = side.certify(t.header);
  t.non_receipt = dest.receipts().prove(receipt_key(id));
  return t;
}

} // namespace

TEST_CASE("a timeout is proven by a final destination header past it whose state lacks the receipt") {
  chain_view side(2);
  peg_ledger source(1), dest(2);
  auto first = source.send({addr(1), addr(2), 2, asset_transfer{"BFDT", 40}, 20});
  auto second = source.send({addr(1), addr(2), 2, asset_transfer{"BFDT", 2}, 20});
  REQUIRE(first);
  REQUIRE(second);
  REQUIRE(dest.receive(second->message, 3));  // the destination holds some receipts
  const auto& m = first->message;
  auto t = timeout_proof(side, dest, m.id, 20);
  auto proven = verify_timeout(t, side.client, m);
  REQUIRE_MESSAGE(proven, proven.error().message());
  auto codec_again = codec::decode_timeout_bundle(codec::encode(t));
  REQUIRE(codec_again);
  CHECK(verify_timeout(*codec_again, side.client, m));
  // Below the timeout height.
  CHECK(verify_timeout(timeout_proof(side, dest, m.id, 19), side.client, m).error().code == errc::bad_proof);
  // A received message has no non-receipt proof: its own proof shows it present.
  CHECK(verify_timeout(timeout_proof(side, dest, second->message.id, 25), side.client, second->message).error().code
        == errc::bad_proof);
  // An opening that does not give the header's state root.
  auto bad_open = t;
  bad_open.opening.state.consensus_root.data[0] ^= 1;
  CHECK(verify_timeout(bad_open, side.client, m).error().code == errc::bad_state_root);
  // A peg part that does not give the module root.
  auto bad_peg = t;
  bad_peg.opening.next_sequence += 1;
  CHECK(verify_timeout(bad_peg, side.client, m).error().code == errc::bad_proof);
  // Nomad: a zero receipt root, even committed in a certified header, proves nothing.
  auto zero = t;
  zero.opening.receipt_root = hash256{};
  zero.opening.state.modules[1].second = peg_module_root(hash256{}, zero.opening.ledger_root, zero.opening.next_sequence);
  zero.header.state_root = zero.opening.state.state_root();
  zero.certificate = side.certify(zero.header);
  CHECK(verify_timeout(zero, side.client, m).error().code == errc::bad_proof);
  // A destination without a peg module, a short certificate, another message's proof.
  auto no_peg = t;
  no_peg.opening.state.modules.pop_back();
  no_peg.header.state_root = no_peg.opening.state.state_root();
  no_peg.certificate = side.certify(no_peg.header);
  CHECK(verify_timeout(no_peg, side.client, m).error().code == errc::bad_proof);
  auto short_cert = t;
  short_cert.certificate.signatures.resize(2);
  CHECK(verify_timeout(short_cert, side.client, m).error().code == errc::not_final);
  CHECK(verify_timeout(t, side.client, second->message).error().code == errc::bad_proof);
  // The refund then happens once; a racing acknowledgement is refused.
  REQUIRE(source.timeout(m.id, *proven));
  CHECK(source.acknowledge(peg_ack{m.id, failure_code::none, ""}, 2).error().code == errc::wrong_status);
  CHECK(source.escrowed("BFDT", 2) == 2);
}

TEST_CASE("bundles refuse truncated and trailing input with decoding reasons") {
  chain_view main(1);
  peg_message m;
  m.id = {1, 0};
  m.destination = 2;
  m.payload = asset_transfer{"BFDT", 40};
  m.timeout_height = 100;
  const auto enc = codec::encode(deliver(main, m));
  for (std::size_t n = 0; n < enc.size(); n += 7) {
    auto r = codec::decode_delivery_bundle(byte_view{enc.data(), n});
    REQUIRE_FALSE(r);
    CHECK(static_cast<int>(r.error().code) / 100 == 1);
  }
  bytes trailing = enc;
  trailing.push_back(0xc0);
  CHECK_FALSE(codec::decode_delivery_bundle(trailing));
}
