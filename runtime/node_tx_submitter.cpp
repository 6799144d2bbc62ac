#include "runtime/node_tx_submitter.hpp"

#include <chrono>
#include <optional>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include "runtime/entropy.hpp"

namespace bfd::runtime {

status node_tx_submitter::submit(chain_id id, const chain_actor& chain, const mempool_actor& mempool,
                                 tx_payload payload) {
  constexpr auto timeout = std::chrono::seconds(10);
  caf::scoped_actor self{system_};
  std::optional<account_summary> account;
  std::optional<std::uint64_t> head;
  self->request(chain, timeout, account_atom::value, address_of(keys_.pub))
    .receive([&](const account_summary& a) { account = a; }, [&](const caf::error&) {});
  self->request(chain, timeout, info_atom::value)
    .receive([&](const chain_info& i) { head = i.head_height; }, [&](const caf::error&) {});
  if (!account || !head)
    return make_error(errc::io, "chain " + std::to_string(id) + " did not answer");
  auto& s = nonces_[id];
  constexpr std::uint64_t dropped_after_blocks = 10;
  if (account->nonce != s.seen_head || s.next <= account->nonce) {
    s.seen_head = account->nonce;
    s.since = *head;
  } else if (*head >= s.since + dropped_after_blocks) {
    s.next = account->nonce;
    s.since = *head;
  }
  s.sent.erase(s.sent.begin(), s.sent.lower_bound(account->nonce));
  if (s.next > account->nonce) {
    // Ahead of the head: if what we sent at its nonce is no longer pending (a block refused it,
    // e.g. a bridge's delivery that another bridge made first), the rest waits behind a gap.
    auto at_head = s.sent.find(account->nonce);
    std::optional<tx_status> st;
    if (at_head != s.sent.end())
      self->request(mempool, timeout, tx_atom::value, at_head->second)
        .receive([&](const tx_status& t) { st = t; }, [&](const caf::error&) {});
    if (at_head == s.sent.end() || (st && st->state != static_cast<std::uint8_t>(tx_state::pending))) {
      s.next = account->nonce;
      s.sent.clear();
    }
  }
  s.next = std::max(s.next, account->nonce);
  transaction tx;
  tx.chain = id;
  tx.nonce = s.next;
  tx.fee = 0;
  tx.expiry = *head + 100;
  tx.payload = std::move(payload);
  sign_transaction(tx, keys_, random_bytes32());
  std::optional<admission> verdict;
  self->request(mempool, timeout, submit_atom::value, tx_envelope{std::move(tx)})
    .receive([&](const admission& a) { verdict = a; }, [&](const caf::error&) {});
  if (!verdict)
    return make_error(errc::io, "the mempool of chain " + std::to_string(id) + " did not answer");
  if (verdict->code != 0)
    return make_error(static_cast<errc>(verdict->code), verdict->detail);
  s.sent[s.next] = verdict->id;
  ++s.next;
  return {};
}

result<submitter_view> node_tx_submitter::refresh(chain_id id, const chain_actor& chain,
                                                  const mempool_actor& mempool) {
  constexpr auto timeout = std::chrono::seconds(10);
  caf::scoped_actor self{system_};
  std::optional<account_summary> account;
  std::optional<std::uint64_t> head;
  std::uint64_t final_height = 0;
  self->request(chain, timeout, account_atom::value, address_of(keys_.pub))
    .receive([&](const account_summary& a) { account = a; }, [&](const caf::error&) {});
  self->request(chain, timeout, info_atom::value)
    .receive([&](const chain_info& i) {
      head = i.head_height;
      final_height = i.final_height;
    }, [&](const caf::error&) {});
  if (!account || !head)
    return make_error(errc::io, "chain " + std::to_string(id) + " did not answer");
  auto& s = nonces_[id];
  s.head_height = *head;
  s.account_nonce = account->nonce;
  submitter_view v;
  v.head_height = *head;
  v.final_height = final_height;
  v.account_nonce = account->nonce;
  for (auto i = s.sent.begin(); i != s.sent.end();) {
    if (i->first < account->nonce) {
      v.gone.emplace(i->second, tx_status{});  // its nonce is used: in a block (ask the chain)
      i = s.sent.erase(i);
      continue;
    }
    std::optional<tx_status> st;
    self->request(mempool, timeout, tx_atom::value, i->second)
      .receive([&](const tx_status& t) { st = t; }, [&](const caf::error&) {});
    if (!st)
      return make_error(errc::io, "the mempool of chain " + std::to_string(id) + " did not answer");
    if (st->state == static_cast<std::uint8_t>(tx_state::pending)) {
      v.pending.emplace(i->second, i->first);
      ++i;
      continue;
    }
    st->tx = {};
    v.gone.emplace(i->second, std::move(*st));
    i = s.sent.erase(i);  // its nonce is free again: the next batch fills the gap
  }
  s.next = s.sent.empty() ? account->nonce : std::max(account->nonce, s.sent.rbegin()->first + 1);
  return v;
}

result<std::vector<batch_item_result>> node_tx_submitter::submit_batch(chain_id id, const mempool_actor& mempool,
                                                                       std::vector<tx_payload> payloads) {
  constexpr auto timeout = std::chrono::seconds(30);
  auto& s = nonces_[id];
  std::vector<tx_envelope> txs;
  std::vector<std::uint64_t> used;
  txs.reserve(payloads.size());
  std::uint64_t nonce = s.account_nonce;
  for (auto& p : payloads) {
    while (s.sent.count(nonce))
      ++nonce;
    transaction tx;
    tx.chain = id;
    tx.nonce = nonce;
    tx.fee = 0;
    tx.expiry = s.head_height + 100;
    tx.payload = std::move(p);
    sign_transaction(tx, keys_, random_bytes32());
    txs.emplace_back(std::move(tx));
    used.push_back(nonce++);
  }
  if (txs.empty())
    return std::vector<batch_item_result>{};
  caf::scoped_actor self{system_};
  std::optional<std::vector<admission>> verdicts;
  self->request(mempool, timeout, submit_atom::value, std::move(txs))
    .receive([&](std::vector<admission>& a) { verdicts = std::move(a); }, [&](const caf::error&) {});
  if (!verdicts || verdicts->size() != used.size())
    return make_error(errc::io, "the mempool of chain " + std::to_string(id) + " did not answer");
  std::vector<batch_item_result> out;
  out.reserve(used.size());
  for (std::size_t i = 0; i < used.size(); ++i) {
    const auto& a = (*verdicts)[i];
    if (a.code != 0) {
      out.push_back({make_error(static_cast<errc>(a.code), a.detail), a.id});
      continue;
    }
    s.sent[used[i]] = a.id;
    out.push_back({status{}, a.id});
  }
  s.next = s.sent.empty() ? s.account_nonce : std::max(s.account_nonce, s.sent.rbegin()->first + 1);
  return out;
}

} // namespace bfd::runtime
