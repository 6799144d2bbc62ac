// Access control as a chain's state module: grants, checks and revocations through signed
// blocks, an unauthorized grant refused with its reason code, a validating node reaching the
// same state root, restoring from records, the codec and JSON, and the sidechain registry's
// authority replaced by sidechain_admin.
#include <doctest/doctest.h>

#include "chains/access/access_module.hpp"
#include "chains/codec/transaction_codec.hpp"
#include "chains/merkle/merkle.hpp"
#include "chains/sidechain/registry_module.hpp"
#include "chains/sidechain/validator_choice.hpp"
#include "tests/chains/network_fixture.hpp"

using namespace bfd;
using test::network;
using acl::permission;
using acl::scope;
using acl::scope_kind;

namespace {

const key_pair& root_admin() {
  static const key_pair k = test::keys_of(0x5a);
  return k;
}

network access_net(bool with_registry = false) {
  network net;
  auto g = std::make_shared<access_genesis>();
  g->admins = {address_of(root_admin().pub)};
  net.config.access = std::move(g);
  net.config.modules = module_set{module_id::token, module_id::consensus, module_id::access};
  if (with_registry) {
    auto r = std::make_shared<registry_genesis>();
    r->authority = root_admin().pub;
    net.config.registry = std::move(r);
    net.config.modules = net.config.modules.with(module_id::registry);
  }
  // The admin pays no fee here, but needs an account for its nonce: give it one.
  net.config.allocations.push_back({address_of(root_admin().pub), 10 * units_per_bfdt});
  return net;
}

transaction signed_tx(const key_pair& sender, std::uint64_t nonce, tx_payload payload) {
  transaction tx;
  tx.chain = mainchain_id;
  tx.nonce = nonce;
  tx.fee = 0;
  tx.expiry = 1'000;
  tx.payload = std::move(payload);
  sign_transaction(tx, sender, hash256{});
  return tx;
}

constexpr scope fund7{scope_kind::fund_group, 7};

} // namespace

TEST_CASE("the access module's root is part of the state root from the genesis; no admin, no module") {
  auto with = access_net();
  network without;
  CHECK(with.genesis().second.header.state_root != without.genesis().second.header.state_root);
  auto other = access_net();
  auto g = std::make_shared<access_genesis>(*other.config.access);
  g->admins = {address_of(test::keys_of(0x5b).pub)};
  other.config.access = g;
  CHECK(other.genesis().second.header.state_root != with.genesis().second.header.state_root);
  auto none = access_net();
  none.config.access = std::make_shared<access_genesis>();
  CHECK(chain_state::genesis(none.config).error().code == errc::invalid_argument);
  auto missing = access_net();
  missing.config.access = nullptr;
  CHECK_FALSE(chain_state::genesis(missing.config));
}

TEST_CASE("grant, check and revoke run through signed blocks; an unauthorized grant is refused; a replica agrees") {
  auto net = access_net();
  auto [st, g] = net.genesis();
  const auto start = st;
  const auto& investor = net.users[0];
  const auto& manager = net.users[1];
  const auto inv = address_of(investor.pub);
  const auto mgr = address_of(manager.pub);
  const auto* acl_state = find_access(st);
  REQUIRE(acl_state);
  CHECK(acl_state->check(inv, fund7, permission::trade).error().code == errc::access_denied);  // default deny

  // An investor cannot make itself a trader: refused at admission with access_denied, and left out of blocks.
  const auto self_grant = signed_tx(investor, 0, acl_grant_tx{fund7, inv, acl::bit(permission::trade), ""});
  const auto refused = st.check_transaction(self_grant, signature_check::verify);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == errc::access_denied);
  CHECK(refused.error().detail.find("only an admin of fund_group 7") != std::string::npos);

  // The global admin makes the manager admin of fund group 7; the manager defines a role, grants
  // it, and sets the investor's service level.
  std::vector<block> blocks;
  blocks.push_back(test::produce(net, st, 0, 0,
                                 {self_grant, signed_tx(root_admin(), 0, acl_grant_tx{fund7, mgr, acl::bit(permission::admin), ""})}));
  REQUIRE(blocks.back().txs.size() == 1);
  REQUIRE(st.apply_block(blocks.back(), signature_check::verify));
  acl_state = find_access(st);
  CHECK(acl_state->allowed(mgr, fund7, permission::admin));
  CHECK_FALSE(acl_state->allowed(mgr, scope{scope_kind::fund_group, 8}, permission::admin));

  const auto investor_perms = acl::bit(permission::trade) | acl::bit(permission::read);
  blocks.push_back(test::produce(net, st, 1, 0,
                                 {signed_tx(manager, 0, acl_role_define_tx{fund7, "investor", investor_perms}),
                                  signed_tx(manager, 1, acl_grant_tx{fund7, inv, 0, "investor"}),
                                  signed_tx(manager, 2, acl_set_level_tx{7, inv, 2})}));
  REQUIRE(blocks.back().txs.size() == 3);
  REQUIRE(st.apply_block(blocks.back(), signature_check::verify));
  acl_state = find_access(st);
  CHECK(acl_state->allowed(inv, fund7, permission::trade));
  CHECK(acl_state->allowed(inv, fund7, permission::trade, 2));
  CHECK(acl_state->check(inv, fund7, permission::trade, 3).error().code == errc::access_denied);
  CHECK(acl_state->check(inv, fund7, permission::issue).error().code == errc::access_denied);
  CHECK_FALSE(acl_state->allowed(inv, scope{scope_kind::fund_group, 8}, permission::trade));
  // A role still held cannot be deleted.
  CHECK(st.check_transaction(signed_tx(manager, 3, acl_role_define_tx{fund7, "investor", 0}), signature_check::verify)
          .error().code == errc::role_in_use);

  // The manager revokes the role: trading is denied again.
  blocks.push_back(test::produce(net, st, 2, 0, {signed_tx(manager, 3, acl_revoke_tx{fund7, inv, 0, "investor"})}));
  REQUIRE(blocks.back().txs.size() == 1);
  REQUIRE(st.apply_block(blocks.back(), signature_check::verify));
  CHECK(find_access(st)->check(inv, fund7, permission::trade).error().code == errc::access_denied);
  // The last global admin cannot revoke its own admin.
  CHECK(st.check_transaction(signed_tx(root_admin(), 1, acl_revoke_tx{scope::global(), address_of(root_admin().pub),
                                                                      acl::bit(permission::admin), ""}),
                             signature_check::verify)
          .error().code == errc::last_admin);

  // A validating node reaches the same state root from the same blocks.
  auto replica = start;
  for (const auto& b : blocks)
    REQUIRE(replica.apply_block(b, signature_check::verify));
  CHECK(replica.state_root() == st.state_root());
  CHECK(*find_access(replica) == *find_access(st));

  // A block that carries the unauthorized grant anyway (correctly rooted and signed) is refused
  // whole, for the grant's reason.
  auto forged = test::produce(net, replica, 3, 0, {});
  forged.txs.push_back(self_grant);
  const hash256 entries[] = {entry_hash(self_grant)};
  forged.header.tx_root = merkle_root(entries);
  sign_header(forged.header, net.delegates.at(forged.header.producer).keys, hash256{});
  const auto before = replica.state_root();
  CHECK(replica.apply_block(forged, signature_check::verify).error().code == errc::access_denied);
  CHECK(replica.state_root() == before);

  // Undo across the blocks: the genesis root again.
  auto undone = start;
  const auto mark = undone.checkpoint();
  for (const auto& b : blocks)
    REQUIRE(undone.apply_block(b, signature_check::verify));
  undone.rollback(mark);
  CHECK(undone.state_root() == g.header.state_root);
  CHECK(find_access(undone)->find_holding(mgr, fund7) == nullptr);
}

TEST_CASE("the access module restores from its records alone; corrupt records are refused") {
  auto net = access_net();
  auto [st, g] = net.genesis();
  const auto inv = address_of(net.users[0].pub);
  auto b = test::produce(net, st, 0, 0,
                         {signed_tx(root_admin(), 0, acl_role_define_tx{fund7, "investor", acl::bit(permission::trade)}),
                          signed_tx(root_admin(), 1, acl_grant_tx{fund7, inv, acl::bit(permission::read), "investor"}),
                          signed_tx(root_admin(), 2, acl_set_level_tx{7, inv, 1})});
  REQUIRE(b.txs.size() == 3);
  REQUIRE(st.apply_block(b, signature_check::verify));
  const auto* mod = st.module(module_id::access);
  REQUIRE(mod);
  auto copy = mod->clone();
  copy->mark_all_dirty();
  std::vector<std::pair<bytes, bytes>> records;
  for (auto& [k, v] : copy->dirty_records())
    if (v)
      records.emplace_back(k, *v);
  std::sort(records.begin(), records.end());
  CHECK(records.size() == 4);  // the admin's and the investor's holdings, a level, a role
  auto restored = access_module::from_records(records);
  REQUIRE(restored);
  CHECK((*restored)->root() == mod->root());
  CHECK((*restored)->state().allowed(inv, fund7, permission::trade, 1));
  // The restored chain state reproduces the head's state root.
  std::vector<std::unique_ptr<state_module>> mods;
  mods.push_back(std::move(*restored));
  CHECK(chain_state::restore(st.accounts(), st.consensus(), st.head(), net.config.modules, std::move(mods)));

  // Without the role its holder refers to, or without any global admin: corrupt.
  auto no_role = records;
  std::erase_if(no_role, [](const auto& r) { return r.first[0] == 'R'; });
  CHECK(access_module::from_records(no_role).error().code == errc::storage_corrupt);
  auto no_admin = records;
  std::erase_if(no_admin, [&](const auto& r) { return r.first == acl::holding_record_key(scope::global(), address_of(root_admin().pub)); });
  CHECK(access_module::from_records(no_admin).error().code == errc::storage_corrupt);
  auto garbage = records;
  garbage[0].second = bytes{0xc1};
  CHECK(access_module::from_records(garbage).error().code == errc::storage_corrupt);
}

TEST_CASE("access payloads round-trip through the transaction codec; bad fields are refused") {
  const auto acct = address_of(test::keys_of(9).pub);
  std::vector<tx_payload> payloads{
    acl_grant_tx{fund7, acct, acl::bit(permission::trade) | acl::bit(permission::sidechain_admin), "investor"},
    acl_revoke_tx{scope{scope_kind::sidechain, 3}, acct, acl::bit(permission::read), ""},
    acl_role_define_tx{scope{scope_kind::service, 11}, "ops", acl::all_permissions},
    acl_set_level_tx{7, acct, 3}};
  for (auto& p : payloads) {
    const auto tx = signed_tx(root_admin(), 4, p);
    CHECK(module_of(tx.payload) == module_id::access);
    const auto enc = codec::encode(tx);
    auto back = codec::decode_transaction(enc);
    REQUIRE(back);
    CHECK(*back == tx);
    auto cut = enc;
    cut.resize(enc.size() - 3);
    CHECK_FALSE(codec::decode_transaction(cut));
  }
  CHECK(kind_of(payloads[0]) == tx_kind{20});
  CHECK(kind_of(payloads[3]) == tx_kind{23});
  // An undefined permission bit or scope kind, or an over-long role, does not decode.
  auto bad_bit = acl_grant_tx{fund7, acct, 1u << 11, ""};
  CHECK_FALSE(codec::decode_transaction(codec::encode(signed_tx(root_admin(), 0, bad_bit))));
  auto bad_kind = acl_grant_tx{scope{static_cast<scope_kind>(acl::scope_kind_count), 1}, acct, 1, ""};
  CHECK_FALSE(codec::decode_transaction(codec::encode(signed_tx(root_admin(), 0, bad_kind))));
  auto long_role = acl_role_define_tx{fund7, std::string(33, 'a'), 1};
  CHECK_FALSE(codec::decode_transaction(codec::encode(signed_tx(root_admin(), 0, long_role))));
}

TEST_CASE("with the access module, sidechain_admin on global replaces the registry authority") {
  auto net = access_net(true);
  auto [st, g] = net.genesis();
  const auto& operator_key = net.users[2];
  sidechain_entry e;
  e.id = 9;
  e.kind = chain_kind::daos;
  e.name = "fund 9";
  e.token.symbol = "F9";
  e.token.allocations = {{address{}, 1'000 * units_per_bfdt}};
  e.rule.per_category = {1, 1, 1};
  e.params.anchor_interval = 4;
  auto chosen = choose_validators(st.consensus().active(), e.rule);
  REQUIRE(chosen);
  for (const auto& m : *chosen)
    e.validators.push_back({m.key, m.category, units_per_bfdt, tagged_hash(hash_tag::reveal, m.key.view())});
  e.genesis_time_ms = net.config.params.genesis_time_ms + 10'000;
  auto reg = [&](const key_pair& k, std::uint64_t nonce) {
    return signed_tx(k, nonce,
                     sidechain_register_tx{std::make_shared<const sidechain_register_payload>(sidechain_register_payload{e})});
  };

  // The authority key alone no longer suffices, nor does a stranger's key.
  auto by_authority = st.check_transaction(reg(root_admin(), 0), signature_check::verify);
  REQUIRE_FALSE(by_authority);
  CHECK(by_authority.error().code == errc::access_denied);
  CHECK(by_authority.error().detail.find("sidechain_admin") != std::string::npos);
  CHECK(st.check_transaction(reg(operator_key, 0), signature_check::verify).error().code == errc::access_denied);

  // The admin grants sidechain_admin to an operator, who registers, activates and ceases.
  auto b1 = test::produce(net, st, 0, 0,
                          {signed_tx(root_admin(), 0, acl_grant_tx{scope::global(), address_of(operator_key.pub),
                                                                  acl::bit(permission::sidechain_admin), ""}),
                           reg(operator_key, 0)});
  REQUIRE(b1.txs.size() == 2);
  REQUIRE(st.apply_block(b1, signature_check::verify));
  REQUIRE(find_registry(st)->find(9));
  auto b2 = test::produce(net, st, 1, 0, {signed_tx(operator_key, 1, sidechain_activate_tx{9})});
  REQUIRE(b2.txs.size() == 1);
  REQUIRE(st.apply_block(b2, signature_check::verify));
  CHECK(find_registry(st)->find(9)->status == sidechain_status::active);

  // Revoked: the operator can no longer cease it.
  auto b3 = test::produce(net, st, 2, 0,
                          {signed_tx(root_admin(), 1, acl_revoke_tx{scope::global(), address_of(operator_key.pub),
                                                                   acl::bit(permission::sidechain_admin), ""})});
  REQUIRE(st.apply_block(b3, signature_check::verify));
  CHECK(st.check_transaction(signed_tx(operator_key, 2, sidechain_cease_tx{9}), signature_check::verify).error().code
        == errc::access_denied);
}

TEST_CASE("access state bounds: 64 roles per scope, 16 held per account and scope") {
  const auto admin = address_of(root_admin().pub);
  const auto acct = address_of(test::keys_of(0x31).pub);
  auto st = *acl::access_state::genesis(std::vector<address>{admin});
  for (int i = 0; i < 64; ++i)
    REQUIRE(st.apply_role_define(admin, acl_role_define_tx{fund7, "r" + std::to_string(i), acl::bit(permission::read)}));
  CHECK(st.check_role_define(admin, acl_role_define_tx{fund7, "r64", acl::bit(permission::read)}).error().code
        == errc::acl_limit);
  // Another scope has its own 64.
  CHECK(st.check_role_define(admin, acl_role_define_tx{scope{scope_kind::fund_group, 8}, "r64", 1}));
  for (int i = 0; i < 16; ++i)
    REQUIRE(st.apply_grant(admin, acl_grant_tx{fund7, acct, 0, "r" + std::to_string(i)}));
  CHECK(st.check_grant(admin, acl_grant_tx{fund7, acct, 0, "r16"}).error().code == errc::acl_limit);
  // A direct permission still fits; the records restore with all 16 roles.
  CHECK(st.apply_grant(admin, acl_grant_tx{fund7, acct, acl::bit(permission::write), ""}));
  auto back = acl::access_state::restore(st.all_records());
  REQUIRE(back);
  CHECK(*back == st);
  CHECK(back->root() == st.root());
  CHECK(back->find_role(fund7, "r3")->holders == 1);
  // Malformed shapes are refused before authority is looked at.
  CHECK(st.check_grant(acct, acl_grant_tx{scope{scope_kind::global, 1}, acct, 1, ""}).error().code
        == errc::invalid_argument);
  CHECK(st.check_grant(acct, acl_grant_tx{fund7, acct, 0, ""}).error().code == errc::invalid_argument);
  CHECK(st.check_role_define(admin, acl_role_define_tx{fund7, "Upper", 1}).error().code == errc::invalid_argument);
  CHECK(st.check_set_level(admin, acl_set_level_tx{7, acct, 4}).error().code == errc::invalid_argument);
}
