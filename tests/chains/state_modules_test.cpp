// State modules: a chain refuses kinds of modules it lacks, a state module's root joins the
// state root, its undo follows block rollback, and its records round-trip through the store.
#include <doctest/doctest.h>

#include "chains/crypto/hash.hpp"
#include "chains/storage/chain_store.hpp"
#include "chains/storage/memory_store.hpp"
#include "tests/chains/network_fixture.hpp"

using namespace bfd;
using namespace bfd::test;

namespace {

// An id no production module uses.
constexpr auto counter_id = static_cast<module_id>(7);

/// Counts the blocks applied on top of genesis: state, undo, root and records, nothing else.
class counter_module final : public state_module {
public:
  module_id id() const noexcept override { return counter_id; }
  std::unique_ptr<state_module> clone() const override { return std::make_unique<counter_module>(*this); }
  status check(const transaction&, const block_context&, const ledger&) const override { return {}; }
  status apply(const transaction&, const block_context&, ledger&) override { return {}; }
  status end_block(const block_context& ctx, ledger&) override {
    undo_.push_back(count_);
    count_ += 1;
    last_height_ = ctx.height;
    dirty_ = true;
    return {};
  }
  std::optional<hash256> root() const override {
    if (count_ == 0)
      return std::nullopt;  // nothing yet: the state root keeps the two-module formula
    byte b[8];
    for (int i = 0; i < 8; ++i)
      b[i] = static_cast<byte>(count_ >> (56 - 8 * i));
    return tagged_hash(hash_tag::state, byte_view{b, 8});
  }
  std::size_t checkpoint() const override { return undo_.size(); }
  void rollback(std::size_t mark) override {
    while (undo_.size() > mark) {
      count_ = undo_.back();
      undo_.pop_back();
      dirty_ = true;
    }
  }
  void forget_undo(std::size_t count) override {
    undo_.erase(undo_.begin(), undo_.begin() + static_cast<std::ptrdiff_t>(std::min(count, undo_.size())));
  }
  void release_undo() override { undo_.clear(); }
  std::vector<module_record> dirty_records() const override {
    if (!dirty_)
      return {};
    return {{bytes{'n'}, bytes{static_cast<byte>(count_)}}};
  }
  void mark_all_dirty() override { dirty_ = true; }
  void clear_dirty() override { dirty_ = false; }
  status restore(std::span<const std::pair<bytes, bytes>> records) override {
    if (records.size() != 1 || records[0].first != bytes{'n'} || records[0].second.size() != 1)
      return make_error(errc::storage_corrupt, "counter record");
    count_ = records[0].second[0];
    return {};
  }

  std::uint64_t count() const noexcept { return count_; }
  std::uint64_t last_height() const noexcept { return last_height_; }

private:
  std::uint64_t count_ = 0;
  std::uint64_t last_height_ = 0;
  std::vector<std::uint64_t> undo_;
  bool dirty_ = false;
};

transaction signed_tx(const key_pair& k, std::uint64_t nonce, tx_payload payload) {
  transaction tx;
  tx.nonce = nonce;
  tx.fee = 1000;
  tx.expiry = 1'000'000;
  tx.payload = std::move(payload);
  sign_transaction(tx, k, hash256{});
  return tx;
}

std::uint64_t counter_of(const chain_state& st) {
  return static_cast<const counter_module*>(st.module(counter_id))->count();
}

} // namespace

TEST_CASE("every payload declares its module and a kind number that the codec round-trips") {
  CHECK(module_of(tx_payload{transfer_payload{}}) == module_id::token);
  CHECK(module_of(tx_payload{vote_payload{}}) == module_id::consensus);
  CHECK(kind_of(tx_payload{transfer_payload{}}) == tx_kind{1});
  CHECK(kind_of(tx_payload{evidence_payload{}}) == tx_kind{5});
  CHECK(payload_name(tx_payload{unvote_payload{}}) == "unvote");
}

TEST_CASE("a kind of a module the chain does not have is refused with kind_not_enabled") {
  network net;
  net.config.modules = module_set{module_id::token};  // staking closed: validators fixed at genesis
  auto [st, g] = net.genesis();
  const auto& user = net.users[0];
  auto bid = signed_tx(user, 0, vm_bid_payload{0, 10 * units_per_bfdt, hash256{}});
  auto check = st.check_transaction(bid, signature_check::verify);
  REQUIRE_FALSE(check);
  CHECK(check.error().code == errc::kind_not_enabled);
  CHECK(check.error().detail.find("consensus module") != std::string::npos);
  auto pay = signed_tx(user, 0, transfer_payload{address_of(net.users[1].pub), 5});
  CHECK(st.check_transaction(pay, signature_check::verify));

  // A producer skips it; a block carrying it anyway is refused.
  std::vector<std::pair<hash256, error>> rejected;
  auto a = st.consensus().assignment_at(0);
  REQUIRE(a);
  chain_state::block_template t{a->producer, a->round, a->slot, a->start_ms, reveal_for(net, st, *a), a->max_txs};
  std::vector<transaction> txs{bid, pay};
  auto built = st.build_block(t, txs, signature_check::verify, &rejected);
  REQUIRE(built);
  CHECK(built->txs.size() == 1);
  REQUIRE(rejected.size() == 1);
  CHECK(rejected[0].second.code == errc::kind_not_enabled);

  network full;  // the same kind is fine where the module is present
  auto [st2, g2] = full.genesis();
  CHECK(st2.check_transaction(signed_tx(full.users[0], 0, vm_bid_payload{0, 10 * units_per_bfdt, hash256{}}),
                              signature_check::verify));
  auto sneaky = produce(full, st2, 0, 0, {signed_tx(full.users[0], 0, vm_bid_payload{0, 10 * units_per_bfdt, hash256{}})});
  REQUIRE(sneaky.txs.size() == 1);
  // The same genesis (the module set is not in the root), so only the kind is wrong.
  REQUIRE(header_hash(g.header) == header_hash(g2.header));
  CHECK(st.apply_block(sneaky, signature_check::verify).error().code == errc::kind_not_enabled);
  CHECK(st.head().height == 0);
}

TEST_CASE("a state module without a root leaves the state root of token and consensus unchanged") {
  network net;
  auto [plain, g1] = net.genesis();
  net.config.modules = module_set{module_id::token, module_id::consensus, counter_id};
  std::vector<std::unique_ptr<state_module>> mods;
  mods.push_back(std::make_unique<counter_module>());
  auto made = chain_state::genesis(net.config, std::move(mods));
  REQUIRE(made);
  auto& [st, g2] = *made;
  CHECK(g1.header.state_root == g2.header.state_root);
  CHECK(header_hash(g1.header) == header_hash(g2.header));
  CHECK(st.module(counter_id) != nullptr);
  CHECK(st.module(module_id::consensus) == nullptr);  // built in, reached through consensus()
}

TEST_CASE("a state module's root joins the state root, and its undo follows the chain's rollback") {
  network net;
  net.config.modules = module_set{module_id::token, module_id::consensus, counter_id};
  std::vector<std::unique_ptr<state_module>> mods;
  mods.push_back(std::make_unique<counter_module>());
  auto made = chain_state::genesis(net.config, std::move(mods));
  REQUIRE(made);
  auto st = std::move(made->first);
  auto [plain, g] = network{}.genesis();

  auto b1 = produce(net, st, 0);
  auto b1_plain = produce(network{}, plain, 0);
  CHECK(b1.header.state_root != b1_plain.header.state_root);  // the counter's root is in it
  auto mark = st.checkpoint();
  REQUIRE(st.apply_block(b1, signature_check::verify));
  CHECK(counter_of(st) == 1);
  const auto copy = st;  // deep copy: the copy's module is its own
  auto b2 = produce(net, st, 1);
  REQUIRE(st.apply_block(b2, signature_check::verify));
  CHECK(counter_of(st) == 2);
  CHECK(counter_of(copy) == 1);

  // A block whose header claims another module root is refused, and nothing changes.
  auto b3 = produce(net, st, 2);
  b3.header.state_root = b1_plain.header.state_root;
  sign_header(b3.header, net.delegates.at(b3.header.producer).keys, hash256{});
  CHECK(st.apply_block(b3, signature_check::verify).error().code == errc::bad_state_root);
  CHECK(counter_of(st) == 2);

  st.rollback(mark);  // across both blocks: ledger, consensus and the module together
  CHECK(counter_of(st) == 0);
  CHECK(st.head().height == 0);
  CHECK(st.state_root() == g.header.state_root);
}

TEST_CASE("a state module's records round-trip through the chain store, apart from other modules") {
  memory_store kv;
  auto cs = chain_store::open(kv, mainchain_id);
  REQUIRE(cs);
  network net;
  auto [st, g] = net.genesis();
  std::vector<module_record> first{{bytes{'a'}, bytes{1, 2}}, {bytes{'b'}, bytes{3}}};
  std::vector<module_record> other{{bytes{'a'}, bytes{9}}};
  std::vector<module_write> writes{{counter_id, first}, {static_cast<module_id>(8), other}};
  auto& accounts = st.accounts();
  REQUIRE(cs->commit_blocks(std::span<const block>(&g, 1), accounts, accounts.dirty(), std::nullopt, std::nullopt,
                            writes));
  auto read = cs->module_records(counter_id);
  REQUIRE(read);
  REQUIRE(read->size() == 2);
  CHECK((*read)[0] == std::pair<bytes, bytes>{bytes{'a'}, bytes{1, 2}});
  CHECK((*read)[1] == std::pair<bytes, bytes>{bytes{'b'}, bytes{3}});
  CHECK(cs->module_records(static_cast<module_id>(8))->size() == 1);

  // A deleted record is gone; an over-long key is refused before anything is written.
  std::vector<module_record> erase{{bytes{'a'}, std::nullopt}};
  std::vector<module_write> w2{{counter_id, erase}};
  REQUIRE(cs->commit_blocks(std::span<const block>(&g, 1), accounts, {}, std::nullopt, std::nullopt, w2));
  CHECK(cs->module_records(counter_id)->size() == 1);
  std::vector<module_record> huge{{bytes(256, 'k'), bytes{1}}};
  std::vector<module_write> w3{{counter_id, huge}};
  CHECK(cs->commit_blocks(std::span<const block>(&g, 1), accounts, {}, std::nullopt, std::nullopt, w3).error().code
        == errc::invalid_argument);
}
