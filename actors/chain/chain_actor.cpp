#include "actors/chain/chain_actor.hpp"
#include "actors/peer_conduct.hpp"

#include <chrono>
#include <functional>
#include <map>

#include <msgpack.hpp>

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <spdlog/spdlog.h>

#include "actors/chain/chain_health.hpp"
#include "actors/chain/chain_queries.hpp"
#include "actors/kill_point.hpp"
#include "chains/cache/invalidation.hpp"
#include "chains/core/hex.hpp"
#include "chains/codec/block_codec.hpp"
#include "chains/consensus/node_records.hpp"
#include "chains/consensus/reorg_bookkeeping.hpp"
#include "chains/storage/chain_store.hpp"
#include "chains/access/access_module.hpp"
#include "chains/peg/peg_module.hpp"
#include "chains/sidechain/registry_module.hpp"
#include "protocols/sidechain_views.hpp"

namespace bfd {

namespace {

std::string short_hex(const hash256& h) {
  return to_hex(h).substr(0, 12);
}

block_ack make_ack(block_outcome outcome, const error& err, const chain_engine& e) {
  block_ack ack;
  ack.outcome = static_cast<std::uint8_t>(outcome);
  ack.code = static_cast<std::uint16_t>(err.code);
  ack.detail = err.detail;
  ack.head_height = e.head_state().head().height;
  ack.final_height = e.final_height();
  return ack;
}

/// A local delegate. Its own signing record enforces the voting rules; the chain actor only
/// avoids asking it again for heights it was already asked about.
struct local_delegate {
  delegate_actor handle;
  public_key key;
  std::uint64_t asked_height = 0;
};

struct chain_actor_state {
  std::shared_ptr<chain_engine> engine;
  chain_actor_config config;
  std::optional<chain_store> store;
  std::map<public_key, local_delegate> delegates;  // by key
  std::vector<caf::actor> peers;  ///< peer nodes' chain actors
  bool syncing = false;           ///< catching up from a peer: no producing meanwhile
  std::vector<evidence_payload> evidence;  ///< reported, not yet included
  checkpoint stored_justified;             ///< the justification record last written
  // The peg outboxes of final blocks that wrote any, by (height, hash), taken as the final state
  // took each block (chain_engine::observe_final_blocks), so how a block reached the best chain
  // does not matter; written with the block's commit, and the oldest dropped from memory after it.
  using outbox_map = std::map<std::pair<std::uint64_t, hash256>, std::vector<peg::outbox_entry>>;
  std::shared_ptr<outbox_map> peg_outboxes = std::make_shared<outbox_map>();
  static constexpr std::size_t max_peg_outboxes = 4096;
  // The best-chain blocks above the final one that the mempool was told were included, by
  // height: when a reorg drops one, its transactions go back to the mempool (notify_mempool).
  told_best_blocks told_best;

  /// Has the engine hand over the outbox of every block the final state takes. The observer
  /// holds the map weakly: an engine that outlives this actor calls nothing that is gone.
  void observe_outboxes() {
    engine->observe_final_blocks([weak = std::weak_ptr<outbox_map>(peg_outboxes)](const validated_block& b,
                                                                                 const chain_state& final_state) {
      auto kept = weak.lock();
      const auto* peg = find_peg(final_state);
      if (!kept || !peg || peg->outbox_entries().empty())
        return;
      (*kept)[{b.header().height, b.hash}] = peg->outbox_entries();
    });
  }

  peg_outbox_reply outbox_at(std::uint64_t height) {
    peg_outbox_reply out;
    const auto b = block_at_height(*engine, store ? &*store : nullptr, height);
    if (!b || !find_peg(engine->head_state())) {
      out.code = static_cast<std::uint16_t>(errc::not_found);
      out.detail = b ? "this chain has no peg module" : "no block at height " + std::to_string(height);
      return out;
    }
    out.block = header_hash(b->header);
    if (b->header.outbox_root == peg::empty_outbox_root())
      return out;
    const std::vector<peg::outbox_entry>* entries = nullptr;
    std::vector<peg::outbox_entry> stored;
    if (height > engine->final_height()) {
      out.code = static_cast<std::uint16_t>(errc::not_found);
      out.detail = "block " + std::to_string(height) + " is not final yet: its outbox is kept once it is";
      return out;
    }
    if (auto i = peg_outboxes->find({height, out.block}); i != peg_outboxes->end()) {
      entries = &i->second;
    } else if (store) {
      // Not in memory (applied before a restart): the record committed with the block.
      auto raw = store->outbox_record(out.block);
      if (!raw || !*raw) {
        out.code = static_cast<std::uint16_t>(errc::not_found);
        out.detail = "the outbox of block " + std::to_string(height) + " was not kept here"
                     + (raw ? "" : ": " + raw.error().detail);
        return out;
      }
      auto kept = codec::decode_outbox(**raw);
      if (!kept) {
        out.code = static_cast<std::uint16_t>(errc::storage_corrupt);
        out.detail = "the stored outbox of block " + std::to_string(height) + ": " + kept.error().detail;
        return out;
      }
      stored = std::move(*kept);
      entries = &stored;
    }
    if (!entries) {
      out.code = static_cast<std::uint16_t>(errc::not_found);
      out.detail = "the outbox of block " + std::to_string(height) + " was not kept here";
      return out;
    }
    for (const auto& e : *entries) {
      out.kinds.push_back(std::holds_alternative<peg::peg_ack>(e) ? 1 : 0);
      out.entries.push_back(std::visit([](const auto& x) { return codec::encode(x); }, e));
    }
    return out;
  }
  static constexpr const char* name = "chain";

  template <class... Ts>
  void info(spdlog::format_string_t<Ts...> fmt, Ts&&... xs) {
    if (config.log)
      config.log->info(fmt, std::forward<Ts>(xs)...);
  }
  template <class... Ts>
  void warn(spdlog::format_string_t<Ts...> fmt, Ts&&... xs) {
    if (config.log)
      config.log->warn(fmt, std::forward<Ts>(xs)...);
  }

  std::string category_name(const public_key& producer) const {
    const auto& cs = engine->head_state().consensus();
    const auto* vm = cs.find_vm(producer);
    return vm ? cs.params().categories[vm->category].name : "?";
  }

  final_seen_ring final_seen;  ///< when each recent block became final here (health latency)

  std::uint64_t now_ms() const {
    return config.time ? config.time->now_ms() : wall_clock{}.now_ms();
  }

  std::optional<cache::commit_watch> watch;  ///< with config.invalidate: what commits change

  /// Tells the read cache what the new head changed (reads at the head: contract state).
  void invalidate_head(const std::vector<validated_ptr>& applied) {
    if (watch && !applied.empty()) {
      if (auto tags = watch->on_head(engine->head_state(), applied); !tags.empty())
        config.invalidate(tags);
      if (config.advanced)
        config.advanced('h', engine->head_state().head().height);
    }
  }

  /// Persists what became final, then drops the oldest outboxes beyond the memory bound (each
  /// was written first: nothing is dropped before its block's commit).
  void persist(const std::vector<validated_ptr>& finalized) {
    persist_final(finalized);
    while (peg_outboxes->size() > max_peg_outboxes)
      peg_outboxes->erase(peg_outboxes->begin());
  }

  void persist_final(const std::vector<validated_ptr>& finalized) {
    if (finalized.empty())
      return;
    // Reads of the final state (the registry, DS metadata): invalidated before anything can read
    // the new final state, whether or not it is stored.
    if (watch) {
      if (auto tags = watch->on_final(engine->final_state(), engine->final_height()); !tags.empty())
        config.invalidate(tags);
      if (config.advanced)
        config.advanced('f', engine->final_height());
    }
    const auto seen = now_ms();
    for (const auto& b : finalized)
      final_seen.record(b->header().height, seen);
    const auto& last = *finalized.back();
    info("final #{} {} ({} block{} newly final)", last.header().height, short_hex(last.hash),
         finalized.size(), finalized.size() == 1 ? "" : "s");
    if (!store || failed)
      return;
    const auto scalars = engine->final_state().consensus().encode_scalars();
    const auto items = engine->unpersisted_consensus();
    std::optional<bytes> cert;
    if (engine->final_certificate())
      cert = codec::encode(*engine->final_certificate());
    const auto module_records = engine->unpersisted_modules();
    std::vector<module_write> modules;
    for (const auto& [id, records] : module_records)
      modules.push_back(module_write{id, records});
    // The outboxes of the blocks becoming final go into the same batch, so a restarted node's
    // bridge can still carry their entries (docs/peg.md "Outboxes").
    std::vector<outbox_write> outboxes;
    for (const auto& b : finalized)
      if (auto i = peg_outboxes->find({b->header().height, b->hash}); i != peg_outboxes->end())
        outboxes.push_back(outbox_write{b->hash, codec::encode_outbox(i->second)});
    kill_point(kill_site::before_commit);
    auto st = store->commit_blocks(finalized, engine->final_state().accounts(), engine->unpersisted_accounts(),
                                   consensus_write{scalars, items},
                                   cert ? std::optional<byte_view>(byte_view(*cert)) : std::nullopt, modules,
                                   outboxes);
    if (!st) {
      // Fail-stop: the next commit would store only the blocks final after these, leaving a gap,
      // and the node would serve finality it cannot keep. Stop; a restart resumes from the last
      // committed block and catches up from there.
      failed = true;
      if (config.log)
        config.log->error("storage failure: could not persist final #{}: {}; the chain actor stops",
                          last.header().height, st.error().message());
      if (stop)
        stop(st.error());
      return;
    }
    kill_point(kill_site::after_commit);
    engine->mark_persisted();
  }

  bool failed = false;                    ///< a commit failed: nothing more is persisted
  std::function<void(const error&)> stop; ///< quits the actor with the error (set at spawn)

  /// Writes the justification record when the highest justified block above the final one has
  /// changed: the blocks from the final one up to it and the certificates justifying them, so a
  /// restart re-learns every source its delegates may have voted from. It goes to storage
  /// before any vote from that source is asked for (votes are asked after this returns).
  bool persist_justification() {
    if (!store)
      return true;
    if (failed)
      return false;
    const auto j = engine->highest_justified();
    if (j.height <= engine->final_height() || j == stored_justified)
      return true;
    const auto record = engine->unfinal_justification();
    kill_point(kill_site::before_justification);
    if (auto st = store->put_justified(codec::encode(record)); !st) {
      // Fail-stop, as for a failed commit: votes from this source must not be asked for.
      failed = true;
      if (config.log)
        config.log->error("storage failure: cannot persist the justification of #{}: {}; the chain actor stops",
                          j.height, st.error().message());
      if (stop)
        stop(st.error());
      return false;
    }
    kill_point(kill_site::after_justification);
    stored_justified = j;
    return true;
  }
};

using chain_pointer = chain_actor::stateful_pointer<chain_actor_state>;

/// Submits every pending evidence that the head state still accepts, at consecutive nonces from
/// the reporter's next one; drops evidence the chain no longer wants (offender slashed, bogus).
/// Called on new evidence and after every new head, so a failed one never blocks the rest.
void submit_evidence(chain_pointer self) {
  auto& st = self->state;
  if (!st.config.reporter || st.evidence.empty())
    return;
  const auto& head = st.engine->head_state();
  auto nonce = head.accounts().get(address_of(st.config.reporter->pub)).nonce;
  std::vector<evidence_payload> still;
  for (auto& ev : st.evidence) {
    transaction tx;
    tx.chain = head.chain();
    tx.nonce = nonce;
    tx.fee = 0;
    tx.expiry = head.head().height + 1000;
    tx.payload = ev;
    sign_transaction(tx, *st.config.reporter, hash256{});
    if (!head.check_transaction(tx, signature_check::already_verified))
      continue;  // included by now, or not evidence this chain takes
    ++nonce;
    still.push_back(ev);
    self->request(st.config.mempool, std::chrono::seconds(5), submit_atom::value, tx_envelope{std::move(tx)})
      .then([self](const admission& a) {
        if (a.code != 0)
          self->state.warn("evidence refused by the mempool: {} {}", to_string(static_cast<errc>(a.code)), a.detail);
      });
  }
  st.evidence = std::move(still);
}

void report_evidence(chain_pointer self, const std::vector<evidence_payload>& evidence) {
  auto& st = self->state;
  for (const auto& ev : evidence) {
    st.warn("equivocation detected ({}): reporting evidence",
            ev.kind == evidence_kind::double_block ? "two blocks for one slot" : "two confirmations for one height");
    st.evidence.push_back(ev);
  }
  if (!evidence.empty())
    submit_evidence(self);
}

void notify_mempool(chain_pointer self, const std::vector<validated_ptr>& applied,
                    std::vector<tx_rejection> rejected = {}) {
  auto& st = self->state;
  const auto& head = st.engine->head_state();
  const auto head_height = head.head().height;
  // A reorg: the blocks the mempool was told of that are no longer on the best chain. The mempool
  // removed their transactions when they were included; without giving them back they would be
  // gone from the node (and from the network, if the node was cut off when it admitted them), and
  // their senders' next nonces in the mempool would stay those of the dropped branch, refusing the
  // same transactions as nonce_reused (update_told_best decides which).
  auto change = update_told_best(std::move(st.told_best), applied, head_height, st.engine->final_height());
  st.told_best = std::move(change.told);
  inclusion_notice notice;
  notice.head_height = head_height;
  notice.included = std::move(change.included);
  for (const auto& s : change.senders) {
    notice.senders.push_back(s);
    notice.next_nonces.push_back(head.accounts().get(address_of(s)).nonce);
  }
  notice.rejected = std::move(rejected);
  self->send(st.config.mempool, included_atom::value, std::move(notice));
  // After the notice (one mailbox, in order), so the mempool checks them against the new nonces.
  for (const auto& tx : change.returned)
    self->send(st.config.mempool, relay_atom::value, tx_envelope{tx});
  if (!change.reverted.empty())
    st.info("reorg: {} block(s) left the best chain; {} of their transaction(s) returned to the mempool",
            change.reverted.size(), change.returned.size());
}

void log_applied(chain_pointer self, const validated_block& b, const round_info& before) {
  auto& st = self->state;
  const auto& h = b.header();
  if (h.round > before.number) {
    std::string missed;
    for (std::size_t i = 0; i < before.order.size(); ++i)
      if (before.blocks[i] == 0)
        missed += fmt::format(" {}:{}", i, to_hex(before.order[i]).substr(0, 8));
    if (!missed.empty())
      st.warn("round {} missed slots:{}", before.number, missed);
    const auto& r = st.engine->head_state().consensus().round();
    std::string order;
    for (const auto& k : r.order)
      order += " " + to_hex(k).substr(0, 8);
    st.info("round {} (epoch {}) order:{}", r.number, st.engine->head_state().consensus().epoch(), order);
  }
  st.info("block #{} {} round {} slot {} by {} ({}) txs {}", h.height, short_hex(b.hash), h.round, h.slot,
          to_hex(h.producer).substr(0, 8), st.category_name(h.producer), b.txs().size());
}

void broadcast_block(chain_pointer self, const block_envelope& env);
void broadcast_confirmation(chain_pointer self, const confirmation& c);

/// Where a block comes from: a local delegate (relay it to peers) or a peer (do not).
enum class origin { local, peer };

void after_votes(chain_pointer self, confirmation_result r);

/// Sends peers the certificate of each block newly justified here, so every node learns the
/// same vote sources even if it missed some votes (joined late, lost a link, restarted).
void announce_justified(chain_pointer self, const std::vector<hash256>& justified) {
  auto& st = self->state;
  if (st.peers.empty())
    return;
  for (const auto& h : justified)
    if (auto cert = st.engine->justification_of(h)) {
      certificate_envelope env{std::move(*cert)};
      for (const auto& p : st.peers)
        self->send(caf::actor_cast<chain_actor>(p), relay_atom::value, env);
    }
}

/// After a new head: tells every peer where finality and justification stand here (the final
/// block's certificate and the highest justified block's), so a node that missed votes or
/// certificates while a link was cut or lossy learns the vote sources again (once known, a
/// certificate costs its receiver no signature check).
void announce_progress(chain_pointer self) {
  auto& st = self->state;
  if (st.peers.empty())
    return;
  std::vector<certificate_envelope> certs;
  if (const auto& f = st.engine->final_certificate())
    certs.push_back(certificate_envelope{*f});
  const auto j = st.engine->highest_justified();
  if (j.height > st.engine->final_height())
    if (auto cert = st.engine->justification_of(j.hash))
      certs.push_back(certificate_envelope{std::move(*cert)});
  for (const auto& p : st.peers)
    for (const auto& c : certs)
      self->send(caf::actor_cast<chain_actor>(p), relay_atom::value, c);
}

/// Sends one peer what this node knows of justification: the final block's certificate and
/// those of the justified blocks above it on the best chain, in height order.
void share_justifications(chain_pointer self, const caf::actor& peer) {
  auto& st = self->state;
  auto to = caf::actor_cast<chain_actor>(peer);
  if (const auto& f = st.engine->final_certificate())
    self->send(to, relay_atom::value, certificate_envelope{*f});
  for (auto h = st.engine->final_height() + 1;; ++h) {
    const auto b = st.engine->best_validated_at(h);
    if (!b)
      break;
    if (auto cert = st.engine->justification_of(b->hash))
      self->send(to, relay_atom::value, certificate_envelope{std::move(*cert)});
  }
}

/// Asks the local delegates in each block's cluster to vote for it, from the block's vote source
/// (its highest justified ancestor); calls `done` once every request is answered. Their votes
/// are counted and relayed to peers as they come.
template <class Done>
void request_votes(chain_pointer self, const std::vector<validated_ptr>& blocks, Done done) {
  auto& st = self->state;
  auto outstanding = std::make_shared<std::size_t>(1);
  auto finish = [outstanding, done]() mutable {
    if (--*outstanding == 0)
      done();
  };
  for (const auto& applied : blocks) {
    const auto hash = applied->hash;
    const auto* confirmers = st.engine->confirming_cluster(hash);
    const auto source = st.engine->vote_source(hash);
    if (!confirmers || !source)
      continue;
    block_envelope shared{applied->blk};
    // The cluster's members hosted here, in the cluster's order (not every local delegate:
    // a node may host thousands of VMs waiting in the queue).
    // While the block that fixed its cluster is not final here, the final block's cluster votes
    // too (dual quorum, docs/consensus.md).
    std::vector<public_key> voters;
    for (const auto& m : confirmers->members)
      voters.push_back(m.key);
    if (const auto dual = st.engine->dual_cluster(hash))
      for (const auto& m : dual->members)
        voters.push_back(m.key);
    for (const auto& key : voters) {
      auto local = st.delegates.find(key);
      if (local == st.delegates.end() || local->second.asked_height >= applied->header().height)
        continue;
      local->second.asked_height = applied->header().height;
      ++*outstanding;
      self->request(local->second.handle, std::chrono::milliseconds(st.config.confirm_timeout_ms), confirm_atom::value,
                    shared, source->height, source->hash)
        .then(
          [self, finish, signer = key, hash](const confirmation_envelope& c) mutable {
            // Signed just now by this node's own delegate for the block it was asked about:
            // its signature needs no check here (peers verify it when it is relayed).
            if (c && c->signer == signer && c->block == hash) {
              after_votes(self, self->state.engine->add_confirmation(*c, signature_check::already_verified));
              broadcast_confirmation(self, *c);
            }
            finish();
          },
          [finish](const caf::error&) mutable { finish(); });
    }
  }
  finish();
}

/// What follows votes or a certificate: evidence reported, final blocks persisted, the
/// justification stored, and, when a justification moved the head, the new blocks announced
/// and voted for.
void after_votes(chain_pointer self, confirmation_result r) {
  kill_point(kill_site::vote_counted);
  auto& st = self->state;
  announce_justified(self, r.justified);
  report_evidence(self, r.evidence);
  st.persist(r.finalized);
  if (!st.persist_justification())
    return;  // fail-stop: the actor is quitting
  if (!r.applied.empty()) {
    st.invalidate_head(r.applied);
    notify_mempool(self, r.applied);
    submit_evidence(self);
    request_votes(self, r.applied, [] {});
  }
}

void handle_confirmation(chain_pointer self, const confirmation& c) {
  auto r = self->state.engine->add_confirmation(c);
  if (!r.accepted && r.err.code != errc::ok)
    self->state.warn("refused a vote of {} for #{}: {}", to_hex(c.signer).substr(0, 8), c.height, r.err.message());
  after_votes(self, std::move(r));
}

caf::result<block_ack> process_block(chain_pointer self, const block_envelope& env, origin from) {
  auto& st = self->state;
  if (!env) {
    st.warn("refused a block that is not canonical msgpack");
    return make_ack(block_outcome::rejected, make_error(errc::malformed, "not a canonical block"), *st.engine);
  }
  const block& b = *env;
  if (st.config.time && b.header.timestamp_ms > st.config.time->now_ms() + st.config.max_drift_ms) {
    auto err = make_error(errc::wrong_slot, fmt::format("block #{} is stamped {} ms in the future", b.header.height,
                                                        b.header.timestamp_ms - st.config.time->now_ms()));
    st.warn("rejected block #{} by {}: {}", b.header.height, to_hex(b.header.producer).substr(0, 8), err.message());
    return make_ack(block_outcome::rejected, err, *st.engine);
  }
  // Hashed once here; everything after uses the digest.
  const auto digest = st.engine->digest(env.ptr);
  // Verify each signature once per node: those the mempool checked are in the cache.
  for (std::size_t i = 0; i < b.txs.size(); ++i) {
    const auto& tx = b.txs[i];
    const auto& id = digest->ids[i];
    const auto& entry = digest->entries[i];  // keyed by signature too: a swapped one is re-checked
    if (st.config.verified->contains(entry))
      continue;
    if (!verify(tx.sender, id.view(), tx.sig))
      return make_ack(block_outcome::rejected,
                      make_error(errc::bad_signature, "transaction " + short_hex(id)), *st.engine);
    st.config.verified->add(entry);
  }
  const round_info before = st.engine->head_state().consensus().round();
  auto result = st.engine->add_block(digest, signature_check::already_verified);
  announce_justified(self, result.justified);
  report_evidence(self, result.evidence);
  if (from == origin::local && result.outcome != block_outcome::rejected
      && result.outcome != block_outcome::duplicate && result.outcome != block_outcome::stale)
    broadcast_block(self, env);
  if (result.outcome == block_outcome::rejected) {
    st.warn("rejected block #{} by {}: {}", b.header.height, to_hex(b.header.producer).substr(0, 8),
            result.err.message());
    return make_ack(result.outcome, result.err, *st.engine);
  }
  for (const auto& applied : result.applied)
    log_applied(self, *applied, before);
  if (!result.applied.empty())
    announce_progress(self);
  if (!result.applied.empty()) {
    st.invalidate_head(result.applied);
    notify_mempool(self, result.applied);
    submit_evidence(self);
  }
  st.persist(result.finalized);
  if (!st.persist_justification())
    return make_ack(block_outcome::rejected, make_error(errc::storage_io, "storage failure"), *st.engine);
  // Only a local submitter waits for the outcome (its blocks' local votes included); a peer's
  // relay expects no answer.
  std::optional<caf::typed_response_promise<block_ack>> rp;
  if (from == origin::local)
    rp = self->make_response_promise<block_ack>();
  auto outcome = result.outcome;
  request_votes(self, result.applied, [self, rp, outcome]() mutable {
    if (rp && rp->pending())
      rp->deliver(make_ack(outcome, error{}, *self->state.engine));
  });
  if (rp)
    return *rp;
  return make_ack(outcome, error{}, *st.engine);
}

void broadcast_block(chain_pointer self, const block_envelope& env) {
  for (const auto& p : self->state.peers)
    self->send(caf::actor_cast<chain_actor>(p), relay_atom::value, env);
}

void broadcast_confirmation(chain_pointer self, const confirmation& c) {
  if (self->state.peers.empty())
    return;
  confirmation_envelope env{c};
  for (const auto& p : self->state.peers)
    self->send(caf::actor_cast<chain_actor>(p), relay_atom::value, env);
}

/// Fetches the peer's blocks above this node's final height one at a time (each validated
/// as if relayed), then its finality certificate, whose signatures are checked as confirmations:
/// a peer is never trusted, only what it proves.
void fetch_from(chain_pointer self, chain_actor peer, std::uint64_t height, std::uint64_t until) {
  using std::chrono::seconds;
  if (height > until) {
    self->request(peer, seconds(10), cert_atom::value)
      .then(
        [self](const certificate_envelope& cert) {
          auto& st = self->state;
          if (cert) {
            auto r = st.engine->add_certificate(*cert);
            if (!r.accepted)
              st.warn("a peer's finality certificate was refused: {}", r.err.message());
            after_votes(self, std::move(r));
          }
          st.syncing = false;
          st.info("caught up: head #{} final #{}", st.engine->head_state().head().height, st.engine->final_height());
        },
        [self](const caf::error&) { self->state.syncing = false; });
    return;
  }
  self->request(peer, seconds(10), height_atom::value, height)
    .then(
      [self, peer, height, until](const block_envelope& b) {
        if (!b) {
          self->state.syncing = false;
          return;
        }
        (void) process_block(self, b, origin::peer);
        fetch_from(self, peer, height + 1, until);
      },
      [self](const caf::error&) { self->state.syncing = false; });
}

/// When start_sync fetches: only from a peer whose head is higher than ours, or also from one
/// whose head is not higher because it sent a block whose parent we lack (its branch forked off
/// ours, as both sides of a healed partition do: with equal heads neither side would ever fetch
/// the other's branch, and fork choice could not see it).
enum class sync_when { peer_is_higher, missing_parent };

void start_sync(chain_pointer self, const caf::actor& peer_handle, sync_when when = sync_when::peer_is_higher) {
  auto peer = caf::actor_cast<chain_actor>(peer_handle);
  self->request(peer, std::chrono::seconds(10), info_atom::value)
    .then(
      [self, peer, when](const chain_info& theirs) {
        auto& st = self->state;
        const auto mine = st.engine->head_state().head().height;
        const bool wanted = when == sync_when::missing_parent ? theirs.head_height > st.engine->final_height()
                                                               : theirs.head_height > mine;
        if (!wanted || st.syncing)
          return;
        st.syncing = true;
        st.info("catching up from a peer{}: their head #{} final #{}, ours #{}",
                when == sync_when::missing_parent ? " (it sent a block whose parent we lack)" : "",
                theirs.head_height, theirs.final_height, mine);
        fetch_from(self, peer, st.engine->final_height() + 1, theirs.head_height);
      },
      [](const caf::error&) {});
}


/// Re-learns the justifications stored before a stop or a crash: the blocks above the final one
/// and the certificates that justified them (what this node's delegates may have voted from).
void restore_justification(chain_pointer self) {
  auto& st = self->state;
  if (!st.store)
    return;
  auto raw = st.store->justified_record();
  if (!raw || !*raw)
    return;
  auto decoded = codec::decode_justification_record(**raw);
  if (!decoded) {
    if (st.config.log)
      st.config.log->error("the stored justification record is damaged ({}); ignoring it",
                           decoded.error().message());
    return;
  }
  std::size_t added = 0;
  // Restored blocks that become final leave their peg outboxes kept, as any final block does.
  after_votes(self, st.engine->restore_justification(*decoded, added));
  st.stored_justified = st.engine->highest_justified();
  if (added > 0)
    st.info("restored {} block(s) above the final one and {} justification(s); justified #{}", added,
            decoded->certificates.size(),
            st.stored_justified.height);
}

chain_actor::behavior_type chain_impl(chain_pointer self, std::shared_ptr<chain_engine> engine,
                                      chain_actor_config config) {
  auto& st = self->state;
  st.engine = std::move(engine);
  st.observe_outboxes();
  st.config = std::move(config);
  if (!st.config.verified)
    st.config.verified = std::make_shared<verified_cache>();
  st.stop = [self](const error& e) { self->quit(to_caf_error(e)); };
  if (st.config.invalidate) {
    // A (re)started chain actor first invalidates all its chain's reads: a cache that outlives
    // it (Redis, a peer's shard) may hold reads of a head this node no longer has.
    st.watch.emplace(st.engine->final_state().chain());
    auto tags = st.watch->on_head(st.engine->head_state(), {});
    auto final_tags = st.watch->on_final(st.engine->final_state(), st.engine->final_height());
    tags.insert(tags.end(), final_tags.begin(), final_tags.end());
    st.config.invalidate(tags);
    if (st.config.advanced) {
      st.config.advanced('h', st.engine->head_state().head().height);
      st.config.advanced('f', st.engine->final_height());
    }
  }
  if (st.config.store) {
    auto cs = chain_store::open(*st.config.store, st.engine->final_state().chain());
    if (cs) {
      st.store = std::move(*cs);
      // A data directory from before the account history gets it now (docs/storage.md).
      std::uint64_t indexed = 0;
      if (auto bf = st.store->backfill_history(indexed); !bf)
        st.warn("cannot index the account history: {}", bf.error().message());
      else if (indexed > 0)
        st.info("indexed the account history of {} stored blocks", indexed);
    } else {
      if (st.config.log)
        st.config.log->error("storage failure: cannot open the chain's storage: {}", cs.error().message());
      st.failed = true;
      st.stop(cs.error());  // running without storage would finalize what it cannot keep
    }
  }
  restore_justification(self);
  kill_point(kill_site::justification_restored);
  // Whatever a peer sends that is not in the interface is dropped, never fatal.
  self->set_default_handler([self](caf::scheduled_actor* p, caf::message_view& x) -> caf::result<caf::message> {
    if (remote_offence(self->state.config.conduct.get(), p, peer_offence::unexpected_message,
                       "a message the chain actor's interface does not have"))
      return caf::sec::unexpected_message;  // counted, not printed: a peer could flood stderr
    return caf::print_and_drop(p, x);
  });
  self->set_down_handler([self](const caf::down_msg& down) {
    auto& ps = self->state.peers;
    auto before = ps.size();
    ps.erase(std::remove_if(ps.begin(), ps.end(), [&](const caf::actor& p) { return p.address() == down.source; }),
             ps.end());
    if (ps.size() != before)
      self->state.warn("lost a peer node ({} left)", ps.size());
    auto& ds = self->state.delegates;
    for (auto i = ds.begin(); i != ds.end();) {
      if (i->second.handle.address() == down.source)
        i = ds.erase(i);
      else
        ++i;
    }
  });
  return {
    [=](block_atom, const block_envelope& env) -> caf::result<block_ack> {
      return process_block(self, env, origin::local);
    },
    [=](confirm_atom, const confirmation_envelope& c) {
      if (c)
        handle_confirmation(self, *c);
    },
    [=](relay_atom, const block_envelope& b) {
      auto& engine = *self->state.engine;
      const auto before = engine.pending_blocks();
      const bool parent_unknown = b && b->header.height > engine.final_height() + 1
                                  && !engine.find_validated(b->header.parent);
      (void) process_block(self, b, origin::peer);
      // A block whose parent we lack: pull what we miss from the peer that sent it, also when its
      // head is not above ours (a branch that forked off ours during a partition).
      if (b && engine.pending_blocks() == before
          && (parent_unknown || b->header.height > engine.head_state().head().height + 1))
        if (auto sender = caf::actor_cast<caf::actor>(self->current_sender()))
          start_sync(self, sender, parent_unknown ? sync_when::missing_parent : sync_when::peer_is_higher);
    },
    [=](relay_atom, const confirmation_envelope& c) {
      if (c)
        handle_confirmation(self, *c);
    },
    [=](relay_atom, const certificate_envelope& c) {
      if (c)
        after_votes(self, self->state.engine->add_certificate(*c));
    },
    [=](relay_atom, const tx_envelope& tx) {
      // Delegated, so the mempool sees the peer that relayed it (a bad signature is its offence).
      if (tx || self->state.config.conduct)
        self->delegate(self->state.config.mempool, relay_atom::value, tx);
    },
    [=](cert_atom) {
      const auto& cert = self->state.engine->final_certificate();
      return cert ? certificate_envelope{*cert} : certificate_envelope{};
    },
    [=](sidechains_atom) {
      // The final registry: what every node agrees on (a chain without the module has none).
      const auto* reg = find_registry(self->state.engine->final_state());
      return reg ? sidechain_views(*reg) : std::vector<sidechain_view>{};
    },
    [=](peer_atom, const caf::actor& peer) {
      auto& st = self->state;
      if (std::find(st.peers.begin(), st.peers.end(), peer) != st.peers.end())
        return;
      self->monitor(peer);
      st.peers.push_back(peer);
      st.info("connected to a peer node ({} now)", st.peers.size());
      self->send(st.config.mempool, peer_atom::value, peer);
      start_sync(self, peer);
      share_justifications(self, peer);
    },
    [=](schedule_atom, std::uint64_t g) {
      const auto& head = self->state.engine->head_state();
      const auto& cs = head.consensus();
      slot_info info;
      info.head_height = head.head().height;
      if (self->state.syncing)
        return info;  // producing on a stale head would only fork
      auto a = cs.assignment_at(g);
      if (!a)
        return info;
      info.scheduled = true;
      info.round = a->round;
      info.slot = a->slot;
      info.global_slot = a->global_slot;
      info.producer = a->producer;
      info.max_blocks = a->max_blocks;
      info.max_txs = a->max_txs;
      info.start_ms = a->start_ms;
      info.end_ms = a->end_ms;
      if (const auto* vm = cs.find_vm(a->producer))
        info.reveals_made = vm->reveals;
      if (a->round == cs.round().number) {
        info.blocks_in_slot = cs.round().blocks[a->slot];
        if (cs.round().reveals[a->slot]) {
          info.has_slot_reveal = true;
          info.slot_reveal = *cs.round().reveals[a->slot];
        }
      }
      return info;
    },
    [=](build_atom, const build_request& req) {
      auto& st = self->state;
      std::vector<transaction> candidates;
      candidates.reserve(req.candidates.size());
      for (const auto& c : req.candidates)
        if (c)
          candidates.push_back(*c);
      chain_state::block_template t{req.producer, req.round, req.slot, req.timestamp_ms, req.reveal, req.max_txs};
      std::vector<std::pair<hash256, error>> rejected;
      build_reply reply;
      auto b = st.engine->build_block(t, candidates, signature_check::already_verified, &rejected);
      if (b)
        reply.unsigned_block = block_envelope{std::move(*b)};
      else
        st.warn("cannot build a block for round {} slot {}: {}", req.round, req.slot, b.error().message());
      for (auto& [id, err] : rejected)
        reply.rejected.push_back({id, static_cast<std::uint16_t>(err.code), err.detail});
      if (!reply.rejected.empty())
        notify_mempool(self, {}, reply.rejected);
      return reply;
    },
    [=](info_atom) {
      const auto& e = *self->state.engine;
      const auto& head = e.head_state();
      chain_info info;
      info.chain = head.chain();
      info.head_height = head.head().height;
      info.head_hash = head.head_hash();
      info.final_height = e.final_height();
      info.final_hash = e.final_hash();
      info.round = head.consensus().round().number;
      info.epoch = head.consensus().epoch();
      info.order = head.consensus().round().order;
      info.state_root = head.head().state_root;
      if (self->state.config.conduct)
        info.peer_conduct = self->state.config.conduct->counts();
      info.total_supply = head.accounts().total_supply();
      info.peers = static_cast<std::uint32_t>(self->state.peers.size());
      info.syncing = self->state.syncing;
      return info;
    },
    [=](height_atom, std::uint64_t height) {
      auto& st = self->state;
      return block_at_height(*st.engine, st.store ? &*st.store : nullptr, height);
    },
    [=](headers_atom, std::uint64_t from, std::uint64_t to) {
      auto& st = self->state;
      return headers_between(*st.engine, st.store ? &*st.store : nullptr, from, to);
    },
    [=](pegout_atom, std::uint64_t height) { return self->state.outbox_at(height); },
    [=](pegfinal_atom) { return peg_final_update(*self->state.engine); },
    [=](pegrec_atom) { return peg_records_of(*self->state.engine); },
    [=](contract_atom, std::uint8_t what, const bytes& key, std::uint64_t from, std::uint32_t limit,
        const address& caller) { return contract_answer_of(*self->state.engine, what, key, from, limit, caller); },
    [=](dsmeta_atom, const std::string& section, const std::string& from, const address& caller) {
      return ds_view_of(*self->state.engine, section, from, caller);
    },
    [=](funds_atom, const std::string& section, const std::string& from) {
      return funds_view_of(*self->state.engine, section, from);
    },
    [=](services_atom, const std::string& what, const std::string& a, const std::string& b) {
      return services_view_of(*self->state.engine, what, a, b);
    },
    [=](authority_atom, const std::string& group, const std::string& after) {
      return authority_view_of(*self->state.engine, group, after);
    },
    [=](cluster_atom, const std::string& hash) { return cluster_view_of(*self->state.engine, hash); },
    [=](acctxs_atom, const address& account, const std::string& cursor, std::uint32_t limit) {
      auto& st = self->state;
      return account_txs_view_of(*st.engine, st.store ? &*st.store : nullptr, account, cursor, limit);
    },
    [=](pegmsg_atom, std::uint32_t source, std::uint64_t sequence) {
      return peg_message_of(*self->state.engine, source, sequence);
    },
    [=](pegtmo_atom, std::uint32_t source, std::uint64_t sequence) {
      return peg_timeout_of(*self->state.engine, source, sequence);
    },
    [=](pegfly_atom, std::uint32_t destination, std::uint64_t first, std::uint64_t max_timeout) {
      return peg_in_flight_of(*self->state.engine, destination, first, max_timeout);
    },
    [=](acl_atom, const access_query& q) {
      const auto& head = self->state.engine->head_state();
      return answer_access_query(find_access(head), head.head().height, q);
    },
    [=](anchor_atom, std::uint32_t id, std::uint64_t height) {
      auto& st = self->state;
      return anchor_evidence_of(*st.engine, st.store ? &*st.store : nullptr, id, height);
    },
    [=](tx_atom, const hash256& id) {
      auto& st = self->state;
      tx_status out;
      if (auto found = st.engine->find_unfinalized_transaction(id)) {
        out.state = static_cast<std::uint8_t>(tx_state::included);
        out.height = found->blk->header.height;
        out.index = found->index;
        out.block = found->block_hash;
        out.tx = tx_envelope{found->blk->txs[found->index]};
        return out;
      }
      if (st.store)
        if (auto loc = st.store->find_transaction(id); loc && *loc)
          if (auto b = st.store->block_at((*loc)->height); b && *b && (*loc)->index < (**b).txs.size()) {
            out.state = static_cast<std::uint8_t>(tx_state::final);
            out.height = (*loc)->height;
            out.index = (*loc)->index;
            out.block = header_hash((**b).header);
            out.tx = tx_envelope{(**b).txs[(*loc)->index]};
          }
      return out;
    },
    [=](block_atom, const hash256& hash) {
      auto& st = self->state;
      if (auto b = st.engine->find_validated(hash))
        return block_envelope{b->blk};
      if (st.store)
        if (auto stored = st.store->block_by_hash(hash); stored && *stored)
          return block_envelope{std::move(**stored)};
      return block_envelope{};
    },
    [=](rollouts_atom) { return service_rollouts_of(*self->state.engine); },
    [=](health_atom, const address& contract, std::uint64_t from, std::uint64_t to) {
      auto& st = self->state;
      return health_of(*st.engine, st.store ? &*st.store : nullptr, st.final_seen, contract, from, to);
    },
    [=](account_atom, const address& addr) {
      auto acct = self->state.engine->head_state().accounts().get(addr);
      return account_summary{acct.balance, acct.nonce};
    },
    [=](delegates_atom) {
      const auto& cs = self->state.engine->head_state().consensus();
      std::vector<delegate_summary> out;
      for (const auto& [key, vm] : cs.vms()) {
        delegate_summary d;
        d.key = key;
        d.category = vm.category;
        d.bid = vm.bid;
        d.votes = vm.votes;
        d.status = static_cast<std::uint8_t>(vm.status);
        d.in_cluster = cs.active().find(key) != nullptr;
        d.blocks_produced = vm.blocks_produced;
        d.slots_missed = vm.slots_missed;
        d.txs_included = vm.txs_included;
        d.rewards = vm.rewards;
        out.push_back(d);
      }
      return out;
    },
    [=](attach_atom, const delegate_actor& d, const public_key& key, const hash256&, std::uint64_t last_target) {
      self->monitor(d);
      self->state.delegates[key] = local_delegate{d, key, last_target};
    },
  };
}

} // namespace

chain_actor spawn_chain(caf::actor_system& system, std::shared_ptr<chain_engine> engine, chain_actor_config config) {
  return system.spawn(chain_impl, std::move(engine), std::move(config));
}

} // namespace bfd
