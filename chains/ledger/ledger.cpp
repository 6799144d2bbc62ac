#include "chains/ledger/ledger.hpp"

#include <fmt/format.h>

#include "chains/core/hex.hpp"
#include "chains/crypto/hash.hpp"
#include "chains/merkle/merkle.hpp"

namespace bfd {

amount spend_of(const transaction& tx) noexcept {
  return std::visit([](const auto& p) -> amount { return p.spend(); }, tx.payload);
}

namespace {
bool spend_required(const transaction& tx) noexcept {
  return std::visit([](const auto& p) { return std::decay_t<decltype(p)>::spend_required; }, tx.payload);
}
} // namespace

result<ledger> ledger::from_genesis(chain_id chain, std::span<const genesis_allocation> allocations) {
  ledger l(chain);
  for (const auto& a : allocations) {
    auto supply = checked_add(l.supply_, a.value);
    auto balance = checked_add(l.get(a.to).balance, a.value);
    if (!supply || !balance)
      return make_error(errc::overflow, "genesis allocations exceed 2^64-1 base units");
    l.supply_ = *supply;
    auto acct = l.get(a.to);
    acct.balance = *balance;
    l.set(a.to, acct);
  }
  l.undo_.clear();
  return l;
}

result<ledger> ledger::restore(chain_id chain, amount supply, amount locked,
                               std::vector<std::pair<address, account>> accounts) {
  ledger l(chain);
  l.supply_ = supply;
  l.locked_ = locked;
  for (auto& [addr, acct] : accounts)
    l.accounts_.emplace(addr, acct);
  if (auto st = l.check_conservation(); !st)
    return st.error();
  return l;
}

account ledger::get(const address& addr) const {
  auto i = accounts_.find(addr);
  return i == accounts_.end() ? account{} : i->second;
}

void ledger::set(const address& addr, const account& value) {
  auto i = accounts_.find(addr);
  if (i == accounts_.end()) {
    undo_.push_back({addr, std::nullopt});
    accounts_.emplace(addr, value);
  } else {
    undo_.push_back({addr, i->second});
    i->second = value;
  }
  dirty_.insert(addr);
  tree_.invalidate(addr[0]);
}

void ledger::set_scalar(amount& field, amount value) {
  undo_.push_back({address{}, std::nullopt, &field, field});
  field = value;
}

void ledger::rollback(std::size_t mark) {
  while (undo_.size() > mark) {
    auto& e = undo_.back();
    if (e.scalar) {
      *e.scalar = e.old_scalar;
    } else {
      if (e.old)
        accounts_[e.addr] = *e.old;
      else
        accounts_.erase(e.addr);
      dirty_.insert(e.addr);
      tree_.invalidate(e.addr[0]);
    }
    undo_.pop_back();
  }
}

status ledger::check(const transaction& tx, std::uint64_t height, signature_check sigs) const {
  if (tx.chain != chain_)
    return make_error(errc::wrong_chain, fmt::format("transaction for chain {}, this is chain {}",
                                                     tx.chain, chain_));
  if (height > tx.expiry)
    return make_error(errc::expired, fmt::format("expired at height {}, block height is {}",
                                                 tx.expiry, height));
  const auto sender_addr = address_of(tx.sender);
  const auto sender = get(sender_addr);
  if (tx.nonce < sender.nonce)
    return make_error(errc::nonce_reused, fmt::format("nonce {} already used, next is {}", tx.nonce,
                                                      sender.nonce));
  if (tx.nonce > sender.nonce)
    return make_error(errc::nonce_gap, fmt::format("nonce {} skips ahead, next is {}", tx.nonce,
                                                   sender.nonce));
  const amount spend = spend_of(tx);
  if (spend == 0 && spend_required(tx))
    return make_error(errc::zero_amount, "the amount must be at least one base unit");
  auto total = checked_add(spend, tx.fee);
  if (!total)
    return make_error(errc::overflow, "amount plus fee exceed 2^64-1");
  if (sender.balance < *total)
    return make_error(errc::insufficient_funds,
                      fmt::format("balance {} is below amount plus fee {}", sender.balance, *total));
  if (auto* p = std::get_if<transfer_payload>(&tx.payload);
      p && p->to != sender_addr && !checked_add(get(p->to).balance, p->value))
    return make_error(errc::overflow, "recipient balance would exceed 2^64-1");
  if (sigs == signature_check::verify && !verify_signature(tx))
    return make_error(errc::bad_signature, "signature does not match the sender key");
  return {};
}

status ledger::apply(const transaction& tx, std::uint64_t height, const address& fee_recipient,
                     signature_check sigs) {
  if (auto st = check(tx, height, sigs); !st)
    return st;
  const auto sender_addr = address_of(tx.sender);
  const amount spend = spend_of(tx);
  auto mark = checkpoint();
  auto sender = get(sender_addr);
  sender.balance -= spend + tx.fee;  // checked in check()
  sender.nonce += 1;
  set(sender_addr, sender);
  if (auto* p = std::get_if<transfer_payload>(&tx.payload)) {
    auto to = get(p->to);
    to.balance += p->value;  // checked in check() (balances sum to at most the supply)
    set(p->to, to);
  } else if (spend > 0) {
    set_scalar(locked_, locked_ + spend);  // locked + balances = supply, so no overflow
  }
  if (tx.fee > 0) {
    auto collector = get(fee_recipient);
    auto credited = checked_add(collector.balance, tx.fee);
    if (!credited) {
      rollback(mark);
      return make_error(errc::overflow, "fee recipient balance would exceed 2^64-1");
    }
    collector.balance = *credited;
    set(fee_recipient, collector);
  }
  return {};
}

status ledger::unlock(const address& to, amount value) {
  if (value > locked_)
    return make_error(errc::insufficient_funds, "unlock exceeds the locked funds");
  auto acct = get(to);
  acct.balance += value;  // locked + balances = supply
  set_scalar(locked_, locked_ - value);
  set(to, acct);
  return {};
}

status ledger::burn_locked(amount value) {
  if (value > locked_)
    return make_error(errc::insufficient_funds, "burn exceeds the locked funds");
  set_scalar(locked_, locked_ - value);
  set_scalar(supply_, supply_ - value);
  return {};
}

status ledger::mint(const address& to, amount value) {
  if (value == 0)
    return {};
  auto supply = checked_add(supply_, value);
  if (!supply)
    return make_error(errc::overflow, "minting would push the supply past 2^64-1");
  auto acct = get(to);
  acct.balance += value;
  set_scalar(supply_, *supply);
  set(to, acct);
  return {};
}

status ledger::burn(const address& from, amount value) {
  if (value == 0)
    return {};
  auto acct = get(from);
  if (acct.balance < value)
    return make_error(errc::insufficient_funds, "burn exceeds the balance");
  acct.balance -= value;
  set_scalar(supply_, supply_ - value);
  set(from, acct);
  return {};
}

status ledger::move(const address& from, const address& to, amount value) {
  if (value == 0 || from == to)
    return {};
  auto src = get(from);
  if (src.balance < value)
    return make_error(errc::insufficient_funds, "move exceeds the balance");
  src.balance -= value;
  set(from, src);
  auto dst = get(to);
  dst.balance += value;
  set(to, dst);
  return {};
}

status ledger::apply_block(const block& b, const address& fee_recipient, signature_check sigs) {
  if (b.header.chain != chain_)
    return make_error(errc::wrong_chain, fmt::format("block for chain {}, this is chain {}",
                                                     b.header.chain, chain_));
  if (transactions_root(b) != b.header.tx_root)
    return make_error(errc::bad_merkle_root, "tx_root does not match the transactions");
  auto mark = checkpoint();
  for (std::size_t i = 0; i < b.txs.size(); ++i) {
    if (auto st = apply(b.txs[i], b.header.height, fee_recipient, sigs); !st) {
      rollback(mark);
      auto err = st.error();
      err.detail = fmt::format("tx {} ({}): {}", i, to_hex(signing_hash(b.txs[i])).substr(0, 16), err.detail);
      return err;
    }
  }
  return {};
}

hash256 ledger::state_root() const {
  // The supply leaf commits to the chain id, the total supply and the locked funds.
  byte head[20];
  for (int i = 0; i < 4; ++i)
    head[i] = static_cast<byte>(chain_ >> (24 - 8 * i));
  for (int i = 0; i < 8; ++i) {
    head[4 + i] = static_cast<byte>(supply_ >> (56 - 8 * i));
    head[12 + i] = static_cast<byte>(locked_ >> (56 - 8 * i));
  }
  const auto supply_leaf = tagged_hash(hash_tag::account, byte_view{head, sizeof head});
  if (tree_.any_dirty()) {
    std::vector<hash256> items;
    byte buf[20 + 8 + 8];
    for (std::size_t b = 0; b < bucket_tree::buckets; ++b) {
      if (!tree_.dirty(b))
        continue;
      items.clear();
      address from{};
      from[0] = static_cast<byte>(b);
      for (auto i = accounts_.lower_bound(from); i != accounts_.end() && i->first[0] == b; ++i) {
        const auto& [addr, acct] = *i;
        std::copy(addr.begin(), addr.end(), buf);
        for (int k = 0; k < 8; ++k) {
          buf[20 + k] = static_cast<byte>(acct.balance >> (56 - 8 * k));
          buf[28 + k] = static_cast<byte>(acct.nonce >> (56 - 8 * k));
        }
        items.push_back(tagged_hash(hash_tag::account, byte_view{buf, sizeof buf}));
      }
      tree_.set_bucket(static_cast<std::uint8_t>(b), merkle_root(items));
    }
  }
  const auto accounts_root = tree_.root(accounts_.size());
  return tagged_hash(hash_tag::ledger, supply_leaf.view(), accounts_root.view());
}

status ledger::check_conservation() const {
  amount sum = locked_;
  for (const auto& [addr, acct] : accounts_) {
    auto next = checked_add(sum, acct.balance);
    if (!next)
      return make_error(errc::supply_mismatch, "balances sum past 2^64-1");
    sum = *next;
  }
  if (sum != supply_)
    return make_error(errc::supply_mismatch,
                      fmt::format("balances and locked funds sum to {}, total supply is {}", sum,
                                  supply_));
  return {};
}

std::vector<std::pair<address, std::optional<account>>> ledger::dirty() const {
  std::vector<std::pair<address, std::optional<account>>> out;
  out.reserve(dirty_.size());
  for (const auto& addr : dirty_) {
    auto i = accounts_.find(addr);
    out.emplace_back(addr, i == accounts_.end() ? std::nullopt : std::optional<account>{i->second});
  }
  return out;
}

} // namespace bfd
