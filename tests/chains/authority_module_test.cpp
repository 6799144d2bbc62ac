// The credential authority as a chain's state module: groups, issuance only after the `join`
// check, revocation, tagged transfers whose tag the chain accepts once and only inside its
// window, member records gated by `join` on the chain, every refusal with its reason code, a
// replica reaching the same root and a restore from records.
#include <doctest/doctest.h>

#include "chains/access/access_module.hpp"
#include "chains/authority/authority_module.hpp"
#include "chains/codec/transaction_codec.hpp"
#include "chains/ush/group.hpp"
#include "chains/ush/payment_tag.hpp"
#include "tests/chains/network_fixture.hpp"

using namespace bfd;
using acl::permission;

namespace {

const key_pair& admin() {
  static const key_pair k = test::keys_of(0x6a);
  return k;
}

test::network authority_net() {
  test::network net;
  auto g = std::make_shared<access_genesis>();
  g->admins = {address_of(admin().pub)};
  net.config.access = std::move(g);
  net.config.modules = module_set{module_id::token, module_id::consensus, module_id::access, module_id::authority};
  net.config.allocations.push_back({address_of(admin().pub), 10 * units_per_bfdt});
  return net;
}

ush::group_keys a_group(byte seed) {
  hash256 s;
  s.data.fill(seed);
  ush::seeded_random rng(s);
  return ush::new_group(rng);
}

errc refusal(test::running_chain& c, const key_pair& k, tx_payload p) {
  auto st = c.builder.check_transaction(c.tx(k, std::move(p), true), signature_check::verify);
  return st ? errc::ok : st.error().code;
}

const authority::authority_state& state_of(const test::running_chain& c) {
  return *find_authority(c.builder);
}

} // namespace

TEST_CASE("an empty authority module leaves the state root as without it") {
  auto with = authority_net();
  auto without = authority_net();
  without.config.modules = module_set{module_id::token, module_id::consensus, module_id::access};
  CHECK(with.genesis().second.header.state_root == without.genesis().second.header.state_root);
}

TEST_CASE("a group is created with its public key; issuance needs join on its scope; its authority alone revokes") {
  test::running_chain c(authority_net());
  const auto start = c.builder;
  const auto& authority_keys = c.net.users[0];
  const auto& member = c.net.users[1];
  const auto& outsider = c.net.users[2];
  const auto m = address_of(member.pub);
  const auto g = a_group(1);
  const auto id = g.pub.id();

  CHECK(refusal(c, authority_keys, ush_group_create_tx{"", g.pub.key}) == errc::invalid_argument);
  auto bad_key = g.pub.key;
  bad_key.data[0] = 0x05;
  CHECK(refusal(c, authority_keys, ush_group_create_tx{"over 21", bad_key}) == errc::invalid_argument);
  CHECK(refusal(c, authority_keys, ush_issue_tx{id, m, 4}) == errc::ush_unknown_group);
  c.produce({c.tx(authority_keys, ush_group_create_tx{"over 21", g.pub.key})});
  auto rec = state_of(c).group(id);
  REQUIRE(rec);
  CHECK(rec->name == "over 21");
  CHECK(rec->authority == address_of(authority_keys.pub));
  CHECK(refusal(c, outsider, ush_group_create_tx{"again", g.pub.key}) == errc::ush_group_exists);

  // The membership check: no join on the group's scope, no issuance.
  CHECK(refusal(c, authority_keys, ush_issue_tx{id, m, 4}) == errc::access_denied);
  const auto scope = authority::group_scope(id);
  CHECK(scope.kind == acl::scope_kind::ush_group);
  c.produce({c.tx(admin(), acl_grant_tx{scope, m, acl::bit(permission::join), ""})});
  CHECK(refusal(c, outsider, ush_issue_tx{id, m, 4}) == errc::ush_not_authority);
  CHECK(refusal(c, authority_keys, ush_issue_tx{id, m, 0}) == errc::ush_batch_size);
  CHECK(refusal(c, authority_keys, ush_issue_tx{id, m, 257}) == errc::ush_batch_size);
  // join on another group's scope does not count.
  CHECK(refusal(c, authority_keys, ush_issue_tx{id, address_of(outsider.pub), 1}) == errc::access_denied);
  c.produce({c.tx(authority_keys, ush_issue_tx{id, m, 4})});
  c.produce({c.tx(authority_keys, ush_issue_tx{id, m, 2})});
  CHECK(state_of(c).issued_to(id, m) == 6);
  CHECK(state_of(c).group(id)->issued == 6);

  // Revocation: the authority only, each pseudonym once.
  hash256 p1, p2;
  p1.data.fill(0x11);
  p2.data.fill(0x22);
  CHECK(refusal(c, outsider, ush_revoke_tx{id, {p1}}) == errc::ush_not_authority);
  CHECK(refusal(c, authority_keys, ush_revoke_tx{id, {}}) == errc::invalid_argument);
  CHECK(refusal(c, authority_keys, ush_revoke_tx{id, {p1, p1}}) == errc::invalid_argument);
  c.produce({c.tx(authority_keys, ush_revoke_tx{id, {p1, p2}})});
  CHECK(state_of(c).revoked(id, p1));
  CHECK(state_of(c).revocations(id, std::nullopt, 10) == std::vector<hash256>{p1, p2});
  CHECK(state_of(c).revocations(id, p1, 10) == std::vector<hash256>{p2});
  CHECK(refusal(c, authority_keys, ush_revoke_tx{id, {p2}}) == errc::ush_already_revoked);

  // A replica reaches the same root; the records restore to the same state.
  auto replica = start;
  for (std::size_t i = 1; i < c.blocks.size(); ++i)
    REQUIRE(replica.apply_block(c.blocks[i], signature_check::verify));
  CHECK(replica.state_root() == c.builder.state_root());
  CHECK(*find_authority(replica) == state_of(c));
  auto* mod = c.builder.module_for_storage(module_id::authority);
  mod->mark_all_dirty();
  std::vector<std::pair<bytes, bytes>> records;
  for (auto& [k, v] : mod->dirty_records())
    if (v)
      records.emplace_back(k, *v);
  std::sort(records.begin(), records.end());
  auto restored = authority_module::from_records(records);
  REQUIRE(restored);
  CHECK((*restored)->state() == state_of(c));
  CHECK((*restored)->root() == mod->root());
  records.back().second.push_back(0);  // the counters record, one byte too long
  CHECK(authority_module::from_records(records).error().code == errc::storage_corrupt);
}

TEST_CASE("a tagged transfer pays once per tag, only inside its window") {
  test::running_chain c(authority_net());
  const auto& payer = c.net.users[0];
  const auto payee = address_of(c.net.users[1].pub);
  hash256 tag;
  tag.data.fill(0x7a);
  const auto before = c.builder.accounts().get(payee).balance;
  c.produce();
  c.produce();
  const auto h = c.builder.head().height;
  CHECK(refusal(c, payer, tagged_transfer_tx{payee, 0, tag, h}) == errc::zero_amount);
  CHECK(refusal(c, payer, tagged_transfer_tx{payee, 5, tag, h + 2}) == errc::invalid_argument);
  c.produce({c.tx(payer, tagged_transfer_tx{payee, 5 * units_per_bfdt, tag, h})});
  CHECK(c.builder.accounts().get(payee).balance == before + 5 * units_per_bfdt);
  CHECK(c.builder.accounts().check_conservation());
  CHECK(state_of(c).tag_expiry(tag) == h + authority::tag_window);
  CHECK(state_of(c).live_tags() == 1);
  // The same tag again, from anyone, is refused.
  CHECK(refusal(c, payer, tagged_transfer_tx{payee, 1, tag, h}) == errc::ush_tag_reused);
  CHECK(refusal(c, c.net.users[2], tagged_transfer_tx{payee, 1, tag, h + 1}) == errc::ush_tag_reused);
  // Two uses in one block: the second is left out.
  hash256 tag2;
  tag2.data.fill(0x7b);
  auto b = test::produce(c.net, c.builder, c.next_slot++, 0,
                         {c.tx(payer, tagged_transfer_tx{payee, 1, tag2, h}),
                          c.tx(c.net.users[2], tagged_transfer_tx{payee, 1, tag2, h})});
  CHECK(b.txs.size() == 1);
}

TEST_CASE("the tag registry forgets a tag only once its window is over, so it can never come back") {
  authority::authority_state s;
  hash256 tag;
  tag.data.fill(3);
  const address sender{};
  authority::env e;
  e.height = 10;
  REQUIRE(s.apply(sender, tagged_transfer_tx{sender, 1, tag, 5}, e));
  const auto expiry = 5 + authority::tag_window;
  s.prune_tags(expiry);
  CHECK(s.tag_expiry(tag) == expiry);
  e.height = expiry;
  CHECK(s.check(sender, tagged_transfer_tx{sender, 1, tag, 5}, e).error().code == errc::ush_tag_reused);
  s.prune_tags(expiry + 1);
  CHECK_FALSE(s.tag_expiry(tag));
  CHECK(s.live_tags() == 0);
  e.height = expiry + 1;
  CHECK(s.check(sender, tagged_transfer_tx{sender, 1, tag, 5}, e).error().code == errc::ush_tag_expired);
}

TEST_CASE("member records need join on the chain's sidechain scope") {
  test::running_chain c(authority_net());
  const auto& member = c.net.users[0];
  CHECK(refusal(c, member, member_record_tx{bytes{1, 2}}) == errc::access_denied);
  CHECK(refusal(c, member, member_record_tx{bytes{}}) == errc::invalid_argument);
  c.produce({c.tx(admin(), acl_grant_tx{acl::scope{acl::scope_kind::sidechain, c.id()}, address_of(member.pub),
                                        acl::bit(permission::join), ""})});
  c.produce({c.tx(member, member_record_tx{bytes{1, 2}})});
  CHECK(state_of(c).member_records(address_of(member.pub)) == 1);
}

TEST_CASE("the authority kinds round-trip through the canonical codec and refuse oversized fields") {
  hash256 id, ps;
  id.data.fill(9);
  ps.data.fill(8);
  address a{};
  a.data.fill(4);
  const auto g = a_group(2);
  for (tx_payload p : {tx_payload{ush_group_create_tx{"over 21", g.pub.key}}, tx_payload{ush_issue_tx{id, a, 16}},
                       tx_payload{ush_revoke_tx{id, {ps, id}}}, tx_payload{tagged_transfer_tx{a, 7, id, 99}},
                       tx_payload{member_record_tx{bytes{1, 2, 3}}}}) {
    transaction tx;
    tx.chain = 1;
    tx.payload = p;
    sign_transaction(tx, admin(), hash256{});
    const auto enc = codec::encode(tx);
    auto dec = codec::decode_transaction(byte_view{enc.data(), enc.size()});
    REQUIRE(dec);
    CHECK(dec->payload == p);
  }
  transaction tx;
  tx.chain = 1;
  tx.payload = member_record_tx{bytes(authority::max_record_bytes + 1, 1)};
  sign_transaction(tx, admin(), hash256{});
  const auto enc = codec::encode(tx);
  CHECK_FALSE(codec::decode_transaction(byte_view{enc.data(), enc.size()}));
}
