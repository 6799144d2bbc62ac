#include "runtime/sim/sim_link.hpp"

#include <algorithm>
#include <chrono>
#include <map>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <fmt/format.h>

#include "chains/core/hex.hpp"
#include "protocols/interfaces.hpp"

namespace bfd::sim {

namespace {

/// One line of the vote trace for a relayed vote that meets the link (see run_options).
template <class Tuple>  // caf::type_erased_tuple (a message arriving) or caf::message (one in flight)
void trace_vote(const link_slot& slot, const Tuple& x, std::uint64_t now_ms, std::uint64_t due_ms, const char* fate) {
  if (!slot.vote_trace || !x.template match_elements<relay_atom, confirmation_envelope>())
    return;
  const auto& env = x.template get_as<confirmation_envelope>(1);
  if (!env)
    return;
  const auto& c = *env;
  fmt::print(slot.vote_trace, "{},{},{},{},{},{},{},{},{},{}\n", now_ms - slot.genesis_ms, due_ms - slot.genesis_ms,
             slot.from, slot.to, to_hex(c.signer).substr(0, 16), c.source_height, to_hex(c.source).substr(0, 16),
             c.height, to_hex(c.block).substr(0, 16), fate);
}

using link_deliver_atom = caf::atom_constant<caf::atom("simdeliver")>;

struct link_state {
  std::shared_ptr<link_slot> slot;
  const config::sim_network* model = nullptr;
  std::uint64_t seed = 0;
  std::uint64_t draws = 0;     // counter of the link's random stream
  std::uint64_t last_due = 0;  // virtual ms of the last scheduled delivery (in-order links)
  std::uint64_t next_id = 0;
  std::map<std::uint64_t, std::pair<caf::response_promise, caf::message>> in_flight;
};

/// Whether the loss model may drop this message ([network] lose).
bool may_lose(const config::sim_network& m, caf::message_view& x) {
  auto& c = x.content();
  if (c.match_elements<relay_atom, confirmation_envelope>())
    return m.lose_votes;
  if (c.match_elements<relay_atom, block_envelope>())
    return m.lose_blocks;
  if (c.match_elements<relay_atom, tx_envelope>())
    return m.lose_transactions;
  return m.lose_sync;
}

caf::behavior link_impl(caf::stateful_actor<link_state>* self, std::shared_ptr<link_slot> slot,
                        const config::sim_network* model, std::uint64_t seed, std::shared_ptr<const clock> time) {
  self->state.slot = std::move(slot);
  self->state.model = model;
  self->state.seed = seed;
  self->set_default_handler([time](caf::scheduled_actor* p, caf::message_view& x) -> caf::result<caf::message> {
    auto* me = static_cast<caf::stateful_actor<link_state>*>(p);
    auto& st = me->state;
    if (st.slot->cut || !st.slot->target) {
      trace_vote(*st.slot, x.content(), time->now_ms(), time->now_ms(), st.slot->cut ? "cut" : "down");
      return caf::message{};  // dropped: a request through a cut link times out
    }
    if (!st.model || !st.model->shapes_traffic()) {
      trace_vote(*st.slot, x.content(), time->now_ms(), time->now_ms(), "sent");
      auto rp = me->make_response_promise();
      rp.delegate(st.slot->target, x.move_content_to_message());
      return caf::message{};
    }
    const auto& m = *st.model;
    auto draw = [&] { return config::sim_random(st.seed, st.slot->stream, st.draws++); };
    const auto r_loss = draw(), r_delay = draw(), r_jitter = draw();
    if (st.slot->lossy && m.loss_millionths > 0 && r_loss % 1'000'000 < m.loss_millionths && may_lose(m, x)) {
      ++*st.slot->lost;
      trace_vote(*st.slot, x.content(), time->now_ms(), time->now_ms(), "lost");
      return caf::message{};
    }
    std::uint64_t delay = m.delay.sample(r_delay);
    if (m.jitter_ms > 0)
      delay += r_jitter % (std::uint64_t{m.jitter_ms} + 1);
    const auto now = time->now_ms();
    std::uint64_t due = now + delay;
    if (!m.reorder)
      due = std::max(due, st.last_due);  // in order: never before the message ahead of it
    st.last_due = std::max(st.last_due, due);
    trace_vote(*st.slot, x.content(), now, due, "sent");
    auto rp = me->make_response_promise();
    if (due == now && st.in_flight.empty()) {
      rp.delegate(st.slot->target, x.move_content_to_message());
      return caf::message{};
    }
    ++*st.slot->delayed;
    const auto id = st.next_id++;
    st.in_flight.emplace(id, std::make_pair(rp, x.move_content_to_message()));
    me->delayed_send(me, std::chrono::milliseconds(due - now), link_deliver_atom::value, id);
    return caf::message{};
  });
  return {[self, time](link_deliver_atom, std::uint64_t id) {
    auto& st = self->state;
    auto it = st.in_flight.find(id);
    if (it == st.in_flight.end())
      return;
    auto [rp, msg] = std::move(it->second);
    st.in_flight.erase(it);
    if (st.slot->cut || !st.slot->target) {  // cut or crashed while in flight: lost
      trace_vote(*st.slot, msg, time->now_ms(), time->now_ms(), st.slot->cut ? "cut in flight" : "down in flight");
      return;
    }
    rp.delegate(st.slot->target, std::move(msg));
  }};
}

} // namespace

caf::actor spawn_link(caf::actor_system& system, std::shared_ptr<link_slot> slot, const config::sim_network* model,
                      std::uint64_t seed, std::shared_ptr<const clock> time) {
  return system.spawn(link_impl, std::move(slot), model, seed, std::move(time));
}

} // namespace bfd::sim
