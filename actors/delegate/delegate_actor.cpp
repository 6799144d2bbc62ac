#include "actors/delegate/delegate_actor.hpp"

#include <chrono>

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <spdlog/spdlog.h>

#include "actors/kill_point.hpp"
#include "chains/consensus/node_records.hpp"
#include "chains/consensus/consensus_state.hpp"
#include "chains/core/hex.hpp"

namespace bfd {

namespace {

using namespace std::chrono;

// The signing record (chains/consensus/node_records.hpp): never sign a block at or before (slot,
// index), nor, within one slot, at or below the height of the block signed last in it (two
// blocks of one slot at one height are double-block evidence; a reorg inside the slot could lead
// there); never vote for a target height at or below the last one, nor from a source height below
// the last one (the two rules of the finality gadget: no two votes for one height, no vote
// surrounding or surrounded by another). Written (durably) before a signature leaves the actor.

struct delegate_state {
  delegate_config config;
  signing_record record;
  bool busy = false;
  static constexpr const char* name = "delegate";

  bool is_down() const { return config.switches && config.switches->down.load(); }

  std::string who() const { return to_hex(config.keys.pub).substr(0, 8); }

  status load_record() {
    if (!config.store)
      return {};
    if (auto st = config.store->ensure_space(delegate_space); !st)
      return st;
    const auto key = signing_record_key(config.signs_for, config.keys.pub);
    auto raw = config.store->get(delegate_space, key);
    if (!raw)
      return raw.error();
    if (!*raw)
      return {};
    auto decoded = codec::decode_signing_record(**raw);
    if (!decoded)
      return make_error(errc::storage_corrupt, "signing record of " + who() + ": " + decoded.error().message());
    record = *decoded;
    return {};
  }

  /// Persists `next` before anything signed under it is released; false if it could not.
  bool save_record(const signing_record& next) {
    if (config.store) {
      write_batch wb;
      wb.put(delegate_space, signing_record_key(config.signs_for, config.keys.pub), codec::encode(next));
      if (auto st = config.store->write(wb); !st) {
        if (config.log)
          config.log->error("delegate {} cannot persist its signing record: {}", who(), st.error().message());
        return false;
      }
    }
    record = next;
    return true;
  }

  bool may_sign(std::uint64_t slot, std::uint64_t index) const {
    if (record.signed_slot_plus_one == 0)
      return true;
    const auto last = record.signed_slot_plus_one - 1;
    return slot > last || (slot == last && index > record.signed_index);
  }

};

using delegate_pointer = delegate_actor::stateful_pointer<delegate_state>;

/// Submits a signed block to the chain; calls done(blocks made) at the end.
template <class Done>
void sign_and_submit(delegate_pointer self, block b, std::uint64_t g, std::uint64_t index, Done done) {
  auto& st = self->state;
  grind_work(b.header, st.config.work_bits);
  if (!may_sign_height(st.record, g, b.header.height)) {
    // The head moved back inside this slot (a reorg): a second block of the slot at a height it
    // already signed would be double-block evidence against this honest delegate.
    if (st.config.log)
      st.config.log->warn("delegate {} skips sub-slot {} of slot {}: it signed height #{} in this slot already",
                          st.who(), index, g, st.record.signed_height);
    done(0);
    return;
  }
  auto next = st.record;
  next.signed_slot_plus_one = g + 1;
  next.signed_index = index;
  next.signed_height = b.header.height;
  if (!st.save_record(next)) {
    done(0);
    return;
  }
  kill_point(kill_site::block_saved);
  sign_header(b.header, st.config.keys, hash256{});
  std::vector<block> blocks{b};
  const bool switched = st.config.switches && st.config.switches->equivocate_next.exchange(false);
  if (st.config.faults.equivocate_once || switched) {
    st.config.faults.equivocate_once = false;
    auto twin = b;
    twin.header.timestamp_ms += 1;
    grind_work(twin.header, st.config.work_bits);
    sign_header(twin.header, st.config.keys, hash256{});
    blocks.push_back(twin);
    if (st.config.log)
      st.config.log->warn("delegate {} equivocates at height {} (fault injection)", st.who(), b.header.height);
  }
  auto remaining = std::make_shared<std::size_t>(blocks.size());
  auto made = std::make_shared<std::uint32_t>(0);
  for (auto& blk : blocks) {
    self->request(st.config.chain, seconds(30), block_atom::value, block_envelope{std::move(blk)})
      .then(
        [=](const block_ack& ack) mutable {
          if (ack.code == 0)
            ++*made;
          if (--*remaining == 0)
            done(*made);
        },
        [=](const caf::error&) mutable {
          if (--*remaining == 0)
            done(*made);
        });
  }
}

/// Produces one block if the clock says it is this delegate's turn; calls done(blocks made).
template <class Done>
void act(delegate_pointer self, Done done) {
  auto& st = self->state;
  if (st.busy || st.is_down()) {
    done(0);
    return;
  }
  const auto now = st.config.time->now_ms();
  if (now < st.config.genesis_time_ms) {
    done(0);
    return;
  }
  const auto g = (now - st.config.genesis_time_ms) / st.config.slot_ms;
  st.busy = true;
  auto finish = [self, done](std::uint32_t n) mutable {
    self->state.busy = false;
    done(n);
  };
  self->request(st.config.chain, seconds(10), schedule_atom::value, g)
    .then(
      [self, g, now, finish](const slot_info& info) mutable {
        auto& st = self->state;
        if (!info.scheduled || info.producer != st.config.keys.pub) {
          finish(0);
          return;
        }
        const auto len = info.end_ms - info.start_ms;
        const std::uint64_t index = (now - info.start_ms) * info.max_blocks / len;
        if (index >= info.max_blocks || info.blocks_in_slot > index || !st.may_sign(g, index)) {
          finish(0);
          return;
        }
        hash256 reveal;
        if (info.has_slot_reveal) {
          reveal = info.slot_reveal;
        } else if (auto r = st.config.reveals->reveal(info.reveals_made + 1)) {
          reveal = *r;
        } else {
          if (st.config.log)
            st.config.log->error("delegate {} has used up its hash chain", st.who());
          finish(0);
          return;
        }
        build_request req;
        req.producer = st.config.keys.pub;
        req.round = info.round;
        req.slot = info.slot;
        req.timestamp_ms = info.start_ms + index * len / info.max_blocks;
        req.reveal = reveal;
        req.max_txs = info.max_txs;
        self->request(st.config.mempool, seconds(10), take_atom::value, info.max_txs)
          .then(
            [self, req, g, index, finish](std::vector<tx_envelope>& txs) mutable {
              req.candidates = std::move(txs);
              self->request(self->state.config.chain, seconds(30), build_atom::value, std::move(req))
                .then(
                  [self, g, index, finish](const build_reply& reply) mutable {
                    if (!reply.unsigned_block) {
                      finish(0);
                      return;
                    }
                    sign_and_submit(self, *reply.unsigned_block, g, index, finish);
                  },
                  [finish](const caf::error&) mutable { finish(0); });
            },
            [finish](const caf::error&) mutable { finish(0); });
      },
      [finish](const caf::error&) mutable { finish(0); });
}

/// The first sub-slot boundary after `now`: slot starts and, for every weight w up to
/// `max_weight`, the starts of the slot's w equal parts.
std::uint64_t next_boundary(std::uint64_t now, std::uint64_t genesis, std::uint64_t slot_ms, std::uint32_t max_weight) {
  if (now < genesis)
    return genesis;
  const auto start = genesis + (now - genesis) / slot_ms * slot_ms;
  std::uint64_t best = start + slot_ms;
  for (std::uint64_t w = 2; w <= max_weight; ++w) {
    const auto k = (now - start) * w / slot_ms + 1;
    if (k < w)
      best = std::min(best, start + k * slot_ms / w);
  }
  return best;
}

/// Wakes the delegate at the first sub-slot boundary after `from` (its last wake-up): at once if
/// acting took so long that the boundary has passed, so a sub-slot is not skipped.
void schedule_timer(delegate_pointer self, std::uint64_t from) {
  auto& st = self->state;
  if (st.config.self_tick_max_weight == 0)
    return;
  const auto now = st.config.time->now_ms();
  const auto at = next_boundary(std::min(from, now), st.config.genesis_time_ms, st.config.slot_ms,
                                st.config.self_tick_max_weight);
  if (at <= now)
    self->send(self, timer_atom::value);
  else
    self->delayed_send(self, milliseconds(at - now + 1), timer_atom::value);
}

delegate_actor::behavior_type delegate_impl(delegate_pointer self, delegate_config config) {
  self->state.config = std::move(config);
  if (auto st = self->state.load_record(); !st) {
    if (self->state.config.log)
      self->state.config.log->error("delegate {}: {}", self->state.who(), st.error().message());
    self->quit(to_caf_error(st.error()));
  } else {
    kill_point(kill_site::signing_record_read);
    const auto& r = self->state.record;
    self->send(self->state.config.chain, attach_atom::value, delegate_actor{self}, self->state.config.keys.pub,
               r.vote_target, r.vote_target_height);
    schedule_timer(self, self->state.config.time->now_ms());
  }
  return {
    [=](tick_atom) -> caf::result<std::uint32_t> {
      auto rp = self->make_response_promise<std::uint32_t>();
      act(self, [rp](std::uint32_t n) mutable { rp.deliver(n); });
      return rp;
    },
    [=](confirm_atom, const block_envelope& b, std::uint64_t source_height,
        const hash256& source) -> confirmation_envelope {
      auto& st = self->state;
      if (!b || st.is_down() || !may_vote(st.record, source_height, b->header.height))
        return {};
      auto next = st.record;
      next.vote_target_height = b->header.height;
      next.vote_target = header_hash(b->header);
      next.vote_source_height = source_height;
      next.vote_source = source;
      if (!st.save_record(next))
        return {};
      kill_point(kill_site::vote_saved);
      confirmation c{b->header.chain, source_height, source, b->header.height, next.vote_target, {}, {}};
      sign_confirmation(c, st.config.keys, hash256{});
      return confirmation_envelope{std::move(c)};
    },
    [=](timer_atom) {
      const auto woke = self->state.config.time->now_ms();
      act(self, [self, woke](std::uint32_t) { schedule_timer(self, woke); });
    },
  };
}

} // namespace

delegate_actor spawn_delegate(caf::actor_system& system, delegate_config config) {
  return system.spawn(delegate_impl, std::move(config));
}

} // namespace bfd
