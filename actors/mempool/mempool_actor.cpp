#include "actors/mempool/mempool_actor.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <unordered_map>

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "chains/core/hex.hpp"

namespace bfd {

namespace {

struct pending {
  tx_envelope tx;
  hash256 id;
  std::uint64_t arrival = 0;
};

struct mempool_state {
  mempool_config config;
  std::vector<caf::actor> peers;  ///< peer nodes' chain actors, which relay to their mempools
  std::uint64_t next_arrival = 0;
  std::uint64_t head_height = 0;
  // sender -> nonce -> transaction
  std::map<public_key, std::map<std::uint64_t, pending>> by_sender;
  std::unordered_map<hash256, public_key, fixed_bytes_hasher> sender_of;  // id -> sender
  std::uint64_t earliest_expiry = UINT64_MAX;  // of anything pending (a lower bound)
  std::size_t next_verifier = 0;
  std::map<public_key, std::uint64_t> next_nonce;           // from the chain's notices
  std::size_t count = 0;
  // Recent rejections (admission or block building), oldest forgotten first.
  std::map<hash256, std::pair<std::uint16_t, std::string>> rejections;
  std::deque<hash256> rejection_order;
  static constexpr std::size_t max_rejections = 10'000;

  void remember_rejection(const hash256& id, std::uint16_t code, const std::string& detail) {
    if (id.is_zero() || !rejections.emplace(id, std::make_pair(code, detail)).second)
      return;
    rejection_order.push_back(id);
    if (rejection_order.size() > max_rejections) {
      rejections.erase(rejection_order.front());
      rejection_order.pop_front();
    }
  }

  tx_status status_of(const hash256& id) const {
    tx_status out;
    if (auto i = sender_of.find(id); i != sender_of.end()) {
      for (const auto& [nonce, p] : by_sender.at(i->second))
        if (p.id == id) {
          out.state = static_cast<std::uint8_t>(tx_state::pending);
          out.tx = p.tx;
          return out;
        }
    }
    if (auto r = rejections.find(id); r != rejections.end()) {
      out.state = static_cast<std::uint8_t>(tx_state::rejected);
      out.code = r->second.first;
      out.detail = r->second.second;
    }
    return out;
  }

  static constexpr const char* name = "mempool";

  mempool_state() = default;
  mempool_state(const mempool_state&) = delete;
  mempool_state& operator=(const mempool_state&) = delete;
  /// Ends the instance: what is pending goes to the handover, if any. A kill lands between two
  /// messages, so the pool is whole here.
  ~mempool_state() {
    if (!config.handover)
      return;
    std::lock_guard lock(config.handover->mutex);
    auto& out = config.handover->pending;
    for (const auto& [sender, by_nonce] : by_sender)
      for (const auto& [nonce, p] : by_nonce)
        out.push_back(p.tx);
  }

  admission reject(errc code, std::string detail, const hash256& id) {
    remember_rejection(id, static_cast<std::uint16_t>(code), detail);
    return admission{static_cast<std::uint16_t>(code), std::move(detail), id};
  }

  void erase(const public_key& sender, std::uint64_t nonce) {
    auto s = by_sender.find(sender);
    if (s == by_sender.end())
      return;
    auto i = s->second.find(nonce);
    if (i == s->second.end())
      return;
    sender_of.erase(i->second.id);
    s->second.erase(i);
    --count;
    if (s->second.empty())
      by_sender.erase(s);
  }

  /// Whether a transaction passes the cheap checks and still needs its signature verified.
  bool needs_verification(const tx_envelope& env, const hash256* known_id = nullptr) const {
    if (!env || env->chain != config.chain || env->expiry <= head_height)
      return false;
    const auto id = known_id ? *known_id : signing_hash(*env);
    return !sender_of.count(id) && !config.verified->contains(entry_hash(id, *env));
  }

  /// `known_id`: the transaction's signing hash if the caller has it already.
  admission submit(const tx_envelope& env, const hash256* known_id = nullptr) {
    if (!env)
      return reject(errc::malformed, "not a canonical transaction", {});
    const auto& tx = *env;
    const auto id = known_id ? *known_id : signing_hash(tx);
    if (tx.chain != config.chain)
      return reject(errc::wrong_chain, "transaction for chain " + std::to_string(tx.chain), id);
    if (tx.expiry <= head_height)
      return reject(errc::expired, "expired at height " + std::to_string(tx.expiry), id);
    if (auto n = next_nonce.find(tx.sender); n != next_nonce.end() && tx.nonce < n->second)
      return reject(errc::nonce_reused, "nonce " + std::to_string(tx.nonce) + " already used", id);
    if (sender_of.count(id))
      return admission{static_cast<std::uint16_t>(errc::ok), "already pending", id};
    auto queue = by_sender.find(tx.sender);
    const std::size_t queued = queue == by_sender.end() ? 0 : queue->second.size();
    const pending* existing = nullptr;
    if (queue != by_sender.end())
      if (auto i = queue->second.find(tx.nonce); i != queue->second.end())
        existing = &i->second;
    const bool replacing = existing != nullptr;
    if (replacing) {
      // A replacement must pay at least 10% more, or anyone could churn the pool for free.
      const amount old_fee = existing->tx->fee;
      if (tx.fee < old_fee + old_fee / 10 + 1)
        return reject(errc::replacement_underpriced, "a replacement must raise the fee by 10%", id);
    } else {
      if (count >= config.max_transactions)
        return reject(errc::mempool_full, "the mempool holds its maximum of "
                                            + std::to_string(config.max_transactions) + " transactions", id);
      if (queued >= config.max_per_sender)
        return reject(errc::mempool_full, "this sender has its maximum of "
                                            + std::to_string(config.max_per_sender) + " pending", id);
    }
    const auto entry = entry_hash(id, tx);
    if (!config.verified->contains(entry)) {
      if (!verify(tx.sender, id.view(), tx.sig))
        return reject(errc::bad_signature, "signature does not match the sender key", id);
      config.verified->add(entry);
    }
    if (replacing)
      erase(tx.sender, tx.nonce);
    by_sender[tx.sender][tx.nonce] = pending{env, id, next_arrival++};
    sender_of[id] = tx.sender;
    earliest_expiry = std::min(earliest_expiry, tx.expiry);
    ++count;
    return admission{static_cast<std::uint16_t>(errc::ok), {}, id};
  }

  // Senders in order of their oldest pending transaction; each sender's transactions in nonce
  // order, contiguous from its next nonce (a gap ends that sender's run).
  std::vector<tx_envelope> take(std::uint32_t max) {
    std::vector<std::pair<std::uint64_t, const public_key*>> senders;
    senders.reserve(by_sender.size());
    for (const auto& [sender, queue] : by_sender) {
      std::uint64_t oldest = UINT64_MAX;
      for (const auto& [nonce, p] : queue)
        oldest = std::min(oldest, p.arrival);
      senders.emplace_back(oldest, &sender);
    }
    std::sort(senders.begin(), senders.end());
    std::vector<tx_envelope> out;
    for (const auto& [arrival, sender] : senders) {
      if (out.size() >= max)
        break;
      const auto& queue = by_sender.at(*sender);
      auto n = next_nonce.find(*sender);
      std::uint64_t expected = n != next_nonce.end() ? n->second : queue.begin()->first;
      for (const auto& [nonce, p] : queue) {
        if (out.size() >= max || nonce != expected)
          break;
        out.push_back(p.tx);
        ++expected;
      }
    }
    return out;
  }

  void included(const inclusion_notice& notice) {
    head_height = notice.head_height;
    for (std::size_t i = 0; i < notice.senders.size() && i < notice.next_nonces.size(); ++i) {
      const auto& sender = notice.senders[i];
      next_nonce[sender] = notice.next_nonces[i];
      auto s = by_sender.find(sender);
      if (s == by_sender.end())
        continue;
      std::vector<std::uint64_t> stale;
      for (const auto& [nonce, p] : s->second)
        if (nonce < notice.next_nonces[i])
          stale.push_back(nonce);
      for (auto nonce : stale)
        erase(sender, nonce);
    }
    for (const auto& r : notice.rejected) {
      // A nonce gap may close later; anything else will not become valid by waiting.
      if (static_cast<errc>(r.code) == errc::nonce_gap)
        continue;
      remember_rejection(r.id, r.code, r.detail);
      auto i = sender_of.find(r.id);
      if (i == sender_of.end())
        continue;
      auto sender = i->second;
      auto q = by_sender.find(sender);
      if (q == by_sender.end())
        continue;
      for (const auto& [nonce, p] : q->second)
        if (p.id == r.id) {
          erase(sender, nonce);
          break;
        }
    }
    // Drop what expired (a scan only once something can have).
    if (head_height < earliest_expiry)
      return;
    std::vector<std::pair<public_key, std::uint64_t>> expired;
    earliest_expiry = UINT64_MAX;
    for (const auto& [sender, queue] : by_sender)
      for (const auto& [nonce, p] : queue) {
        if (p.tx->expiry <= head_height)
          expired.emplace_back(sender, nonce);
        else
          earliest_expiry = std::min(earliest_expiry, p.tx->expiry);
      }
    for (const auto& [sender, nonce] : expired)
      erase(sender, nonce);
  }
};

mempool_actor::behavior_type mempool_impl(mempool_actor::stateful_pointer<mempool_state> self, mempool_config cfg) {
  self->state.config = std::move(cfg);
  if (!self->state.config.verified)
    self->state.config.verified = std::make_shared<verified_cache>();
  if (const auto& h = self->state.config.handover) {
    // What the previous instance held: admitted again (their signatures are in the verified
    // cache, so this is cheap), without relaying (peers had them already).
    std::vector<tx_envelope> carried;
    {
      std::lock_guard lock(h->mutex);
      carried.swap(h->pending);
    }
    for (const auto& tx : carried)
      (void) self->state.submit(tx);
  }
  self->set_default_handler([self](caf::scheduled_actor* p, caf::message_view& x) -> caf::result<caf::message> {
    if (remote_offence(self->state.config.conduct.get(), p, peer_offence::unexpected_message,
                       "a message the mempool's interface does not have"))
      return caf::sec::unexpected_message;
    return caf::print_and_drop(p, x);
  });
  self->set_down_handler([self](const caf::down_msg& down) {
    auto& ps = self->state.peers;
    ps.erase(std::remove_if(ps.begin(), ps.end(), [&](const caf::actor& p) { return p.address() == down.source; }),
             ps.end());
  });
  // Admits a transaction whose signature is verified (or known bad) by now; relays it to the
  // other nodes if it is new here.
  auto admit = [self](const tx_envelope& tx, bool relay, const hash256* known_id = nullptr) {
    auto verdict = self->state.submit(tx, known_id);
    if (relay && verdict.code == 0 && verdict.detail.empty())
      for (const auto& p : self->state.peers)
        self->send(caf::actor_cast<chain_actor>(p), relay_atom::value, tx);
    return verdict;
  };
  // Verifies `txs` on the verifier actors (chunks spread round robin), then calls done(). `ids`:
  // their signing hashes, if the caller has them.
  auto verify_then = [self](const std::vector<tx_envelope>& txs, auto done, const std::vector<hash256>* ids = nullptr) {
    auto& st = self->state;
    std::vector<std::vector<tx_envelope>> chunks;
    const std::size_t n = st.config.verifiers.size();
    constexpr std::size_t chunk = 64;
    for (std::size_t i = 0; i < txs.size(); ++i) {
      const auto& tx = txs[i];
      if (!st.needs_verification(tx, ids ? &(*ids)[i] : nullptr))
        continue;
      if (chunks.empty() || chunks.back().size() >= chunk)
        chunks.emplace_back();
      chunks.back().push_back(tx);
    }
    if (chunks.empty() || n == 0) {
      done();
      return;
    }
    auto left = std::make_shared<std::size_t>(chunks.size());
    auto finish = [left, done]() mutable {
      if (--*left == 0)
        done();
    };
    for (auto& c : chunks) {
      const auto& v = st.config.verifiers[st.next_verifier++ % n];
      // A lost verifier only costs speed: admission verifies what is not in the cache.
      self->request(v, std::chrono::seconds(60), verify_atom::value, std::move(c))
        .then([finish](std::uint32_t) mutable { finish(); }, [finish](const caf::error&) mutable { finish(); });
    }
  };
  return {
    [=](submit_atom, const tx_envelope& tx) -> caf::result<admission> {
      if (self->state.config.verifiers.empty() || !self->state.needs_verification(tx))
        return admit(tx, true);
      auto rp = self->make_response_promise<admission>();
      verify_then(std::vector<tx_envelope>{tx}, [rp, tx, admit]() mutable { rp.deliver(admit(tx, true)); });
      return rp;
    },
    [=](submit_atom, const std::vector<tx_envelope>& txs) -> caf::result<std::vector<admission>> {
      auto rp = self->make_response_promise<std::vector<admission>>();
      // Each signing hash once: the verification check and the admission both need it.
      auto ids = std::make_shared<std::vector<hash256>>();
      ids->reserve(txs.size());
      for (const auto& tx : txs)
        ids->push_back(tx ? signing_hash(*tx) : hash256{});
      verify_then(txs, [rp, txs, ids, admit]() mutable {
        std::vector<admission> out;
        out.reserve(txs.size());
        for (std::size_t i = 0; i < txs.size(); ++i)
          out.push_back(admit(txs[i], true, txs[i] ? &(*ids)[i] : nullptr));
        rp.deliver(std::move(out));
      }, ids.get());
      return rp;
    },
    [=](relay_atom, const tx_envelope& tx) {
      // The chain actor delegates peers' relays here: the sender is the peer node's mempool.
      auto conduct = self->state.config.conduct;
      std::optional<caf::node_id> from;
      if (conduct) {
        const auto& sender = self->current_sender();
        if (!sender) {
          conduct->count_anonymous();  // honest nodes relay as their mempool; this names no one
          return;
        }
        if (sender->node() != self->node()) {
          from = sender->node();
          if (conduct->refused(*from))
            return;
          if (!tx) {
            conduct->record(*from, peer_offence::undecodable, "a relayed transaction that does not decode");
            return;
          }
        }
      }
      auto judge = [tx, admit, conduct, from]() {
        const auto verdict = admit(tx, false);
        // Only what an honest relay never carries: a stale or reused nonce, an expiry or a full
        // pool can be anyone's bad luck, a signature that does not verify cannot.
        if (from && verdict.code == static_cast<std::uint16_t>(errc::bad_signature))
          conduct->record(*from, peer_offence::bad_signature, "transaction " + to_hex(verdict.id));
      };
      if (self->state.config.verifiers.empty() || !self->state.needs_verification(tx))
        judge();
      else
        verify_then(std::vector<tx_envelope>{tx}, judge);
    },
    [=](peer_atom, const caf::actor& peer) {
      self->monitor(peer);
      self->state.peers.push_back(peer);
    },
    [=](take_atom, std::uint32_t max) { return self->state.take(max); },
    [=](included_atom, const inclusion_notice& notice) { self->state.included(notice); },
    [=](size_atom) { return static_cast<std::uint64_t>(self->state.count); },
    [=](tx_atom, const hash256& id) { return self->state.status_of(id); },
  };
}

} // namespace

mempool_actor spawn_mempool(caf::actor_system& system, mempool_config config) {
  return system.spawn(mempool_impl, std::move(config));
}

} // namespace bfd
