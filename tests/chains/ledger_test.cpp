// The BFDT ledger: every rejection reason, fees, conservation of supply, atomic blocks, state root.
#include <doctest/doctest.h>

#include <array>

#include "chains/ledger/ledger.hpp"
#include "tests/chains/sample.hpp"

using namespace bfd;
using test::keys_of;
using test::transfer;

namespace {

const key_pair alice = keys_of(0x11);
const key_pair bob = keys_of(0x22);
const address alice_addr = address_of(alice.pub);
const address bob_addr = address_of(bob.pub);
const address producer = address_of(keys_of(0x33).pub);

ledger funded(amount alice_balance = 1'000'000, amount bob_balance = 0) {
  std::array<genesis_allocation, 2> allocs{{{alice_addr, alice_balance}, {bob_addr, bob_balance}}};
  return *ledger::from_genesis(mainchain_id, allocs);
}

errc apply_code(ledger& l, const transaction& tx, std::uint64_t height = 1) {
  auto st = l.apply(tx, height, producer, signature_check::verify);
  return st ? errc::ok : st.error().code;
}

} // namespace

TEST_CASE("a valid transfer moves the amount, pays the fee and bumps the nonce") {
  auto l = funded();
  REQUIRE(apply_code(l, transfer(alice, bob_addr, 500, 0, 10)) == errc::ok);
  CHECK(l.get(alice_addr) == account{1'000'000 - 510, 1});
  CHECK(l.get(bob_addr) == account{500, 0});
  CHECK(l.get(producer).balance == 10);
  CHECK(l.total_supply() == 1'000'000);
  CHECK(l.check_conservation());
}

TEST_CASE("a transfer with a reused nonce is rejected") {
  auto l = funded();
  REQUIRE(apply_code(l, transfer(alice, bob_addr, 1, 0)) == errc::ok);
  CHECK(apply_code(l, transfer(alice, bob_addr, 2, 0)) == errc::nonce_reused);
}

TEST_CASE("a transfer whose nonce skips ahead is rejected") {
  auto l = funded();
  CHECK(apply_code(l, transfer(alice, bob_addr, 1, 1)) == errc::nonce_gap);
}

TEST_CASE("a transfer with a bad signature is rejected") {
  auto l = funded();
  auto tx = transfer(alice, bob_addr, 1, 0);
  tx.sig.data[10] ^= 1;
  CHECK(apply_code(l, tx) == errc::bad_signature);
  // a transfer signed by bob but claiming alice as sender
  auto forged = transfer(bob, bob_addr, 1, 0);
  forged.sender = alice.pub;
  CHECK(apply_code(l, forged) == errc::bad_signature);
  CHECK(l.get(alice_addr).nonce == 0);
}

TEST_CASE("an already verified signature is not checked again") {
  auto l = funded();
  auto tx = transfer(alice, bob_addr, 1, 0);
  tx.sig.data[10] ^= 1;
  CHECK(l.apply(tx, 1, producer, signature_check::already_verified));
}

TEST_CASE("a transfer for another chain is rejected") {
  auto l = funded();
  CHECK(apply_code(l, transfer(alice, bob_addr, 1, 0, 10, 1000, 7)) == errc::wrong_chain);
}

TEST_CASE("a transfer beyond the balance is rejected, fee included") {
  auto l = funded(1000);
  CHECK(apply_code(l, transfer(alice, bob_addr, 1000, 0, 1)) == errc::insufficient_funds);
  CHECK(apply_code(l, transfer(alice, bob_addr, 999, 0, 1)) == errc::ok);
  CHECK(l.get(alice_addr).balance == 0);
}

TEST_CASE("amount plus fee overflowing 64 bits is rejected") {
  auto l = funded();
  CHECK(apply_code(l, transfer(alice, bob_addr, UINT64_MAX, 0, 1)) == errc::overflow);
}

TEST_CASE("an expired transfer is rejected, the expiry height itself is fine") {
  auto l = funded();
  CHECK(apply_code(l, transfer(alice, bob_addr, 1, 0, 10, 5), 6) == errc::expired);
  CHECK(apply_code(l, transfer(alice, bob_addr, 1, 0, 10, 5), 5) == errc::ok);
}

TEST_CASE("a zero-amount transfer is rejected") {
  auto l = funded();
  CHECK(apply_code(l, transfer(alice, bob_addr, 0, 0)) == errc::zero_amount);
}

TEST_CASE("a rejected transaction changes nothing") {
  auto l = funded();
  auto root = l.state_root();
  CHECK(apply_code(l, transfer(alice, bob_addr, 5'000'000, 0)) == errc::insufficient_funds);
  CHECK(l.state_root() == root);
  CHECK(l.dirty().size() == 2);  // only the genesis accounts
}

TEST_CASE("a transfer to oneself only pays the fee") {
  auto l = funded();
  REQUIRE(apply_code(l, transfer(alice, alice_addr, 700, 0, 10)) == errc::ok);
  CHECK(l.get(alice_addr) == account{1'000'000 - 10, 1});
  CHECK(l.check_conservation());
}

TEST_CASE("genesis allocations add up and overflow is refused") {
  std::array<genesis_allocation, 3> allocs{{{alice_addr, 5}, {alice_addr, 7}, {bob_addr, 1}}};
  auto l = ledger::from_genesis(mainchain_id, allocs);
  REQUIRE(l);
  CHECK(l->get(alice_addr).balance == 12);
  CHECK(l->total_supply() == 13);
  std::array<genesis_allocation, 2> too_much{{{alice_addr, UINT64_MAX}, {bob_addr, 1}}};
  CHECK(ledger::from_genesis(mainchain_id, too_much).error().code == errc::overflow);
}

TEST_CASE("a block applies all of its transactions or none") {
  auto l = funded();
  auto good = transfer(alice, bob_addr, 10, 0);
  auto bad = transfer(alice, bob_addr, 10, 5);  // nonce gap
  auto b = test::make_block(1, {}, {good, bad});
  auto root = l.state_root();
  auto st = l.apply_block(b, producer, signature_check::verify);
  REQUIRE_FALSE(st);
  CHECK(st.error().code == errc::nonce_gap);
  CHECK(st.error().detail.find("tx 1") != std::string::npos);
  CHECK(l.state_root() == root);
  CHECK(l.get(alice_addr).nonce == 0);

  auto ok = test::make_block(1, {}, {good, transfer(alice, bob_addr, 10, 1)});
  REQUIRE(l.apply_block(ok, producer, signature_check::verify));
  CHECK(l.get(bob_addr).balance == 20);
}

TEST_CASE("a block whose tx root does not match its transactions is rejected") {
  auto l = funded();
  auto b = test::make_block(1, {}, {transfer(alice, bob_addr, 10, 0)});
  b.header.tx_root.data[0] ^= 1;
  CHECK(l.apply_block(b, producer, signature_check::verify).error().code == errc::bad_merkle_root);
}

TEST_CASE("total supply is conserved over many random-ish transfers") {
  auto l = funded(10'000'000, 10'000'000);
  std::uint64_t nonces[2] = {0, 0};
  for (int i = 0; i < 200; ++i) {
    bool from_alice = (i * 7) % 3 != 0;
    auto& keys = from_alice ? alice : bob;
    auto to = from_alice ? bob_addr : alice_addr;
    auto& n = nonces[from_alice ? 0 : 1];
    REQUIRE(apply_code(l, transfer(keys, to, 1000 + i * 13, n, i % 5)) == errc::ok);
    ++n;
  }
  CHECK(l.check_conservation());
  CHECK(l.total_supply() == 20'000'000);
  CHECK(l.get(alice_addr).balance + l.get(bob_addr).balance + l.get(producer).balance == 20'000'000);
}

TEST_CASE("the state root is deterministic and commits to every balance and nonce") {
  auto a = funded();
  auto b = funded();
  CHECK(a.state_root() == b.state_root());
  REQUIRE(apply_code(a, transfer(alice, bob_addr, 1, 0, 0)) == errc::ok);
  CHECK(a.state_root() != b.state_root());
  // The same balances with a different nonce give a different root.
  auto c = funded();
  REQUIRE(apply_code(c, transfer(alice, alice_addr, 1, 0, 0)) == errc::ok);
  CHECK(c.get(alice_addr).balance == b.get(alice_addr).balance);
  CHECK(c.state_root() != b.state_root());
  // Another chain with the same accounts has another root.
  std::array<genesis_allocation, 2> allocs{{{alice_addr, 1'000'000}, {bob_addr, 0}}};
  CHECK(ledger::from_genesis(2, allocs)->state_root() != b.state_root());
}

TEST_CASE("restoring from accounts checks them against the supply") {
  auto l = funded();
  std::vector<std::pair<address, account>> accts(l.accounts().begin(), l.accounts().end());
  auto back = ledger::restore(mainchain_id, l.total_supply(), 0, accts);
  REQUIRE(back);
  CHECK(back->state_root() == l.state_root());
  CHECK(ledger::restore(mainchain_id, l.total_supply() + 1, 0, accts).error().code == errc::supply_mismatch);
}
