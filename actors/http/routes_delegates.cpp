// GET /v1/delegates (every VM) and GET /v1/schedule (the current round's slots).
#include "actors/http/bridge_core.hpp"

namespace bfd::http {

namespace {

void get_delegates(bridge_core& core, const chain_view& c, const std::vector<std::string>&, http::response& res) {
  caf::scoped_actor self{core.system};
  auto delegates = core.ask<std::vector<delegate_summary>>(self, &res, c.handles.chain, delegates_atom::value);
  if (!delegates)
    return;
  json_object j;
  j["count"] = delegates->size();
  auto list = json_object::array();
  for (const auto& d : *delegates)
    list.push_back(delegate_json(d, c.params));
  j["delegates"] = std::move(list);
  reply(res, 200, j);
}

/// The round the node's clock is in, or the head's round when the clock is behind it or more
/// than one round ahead.
void get_schedule(bridge_core& core, const chain_view& c, const std::vector<std::string>&, http::response& res) {
  caf::scoped_actor self{core.system};
  auto info = core.ask<chain_info>(self, &res, c.handles.chain, info_atom::value);
  if (!info)
    return;
  auto delegates = core.ask<std::vector<delegate_summary>>(self, &res, c.handles.chain, delegates_atom::value);
  if (!delegates)
    return;
  const auto& p = c.params;
  const auto now = core.time->now_ms();
  const std::uint64_t current = now > p.genesis_time_ms && p.slot_ms > 0 ? (now - p.genesis_time_ms) / p.slot_ms : 0;
  auto at = core.ask<slot_info>(self, &res, c.handles.chain, schedule_atom::value, current);
  if (!at)
    return;
  // A clock far ahead of the head (a stalled chain) would make the chain actor replay every
  // round in between for each slot: then show the head's round instead.
  if (!at->scheduled || at->round > info->round + 1) {
    auto head = core.ask<block_envelope>(self, &res, c.handles.chain, height_atom::value, info->head_height);
    if (!head)
      return;
    if (*head && p.slot_ms > 0 && (*head)->header.timestamp_ms >= p.genesis_time_ms) {
      at = core.ask<slot_info>(self, &res, c.handles.chain, schedule_atom::value,
                          ((*head)->header.timestamp_ms - p.genesis_time_ms) / p.slot_ms);
      if (!at)
        return;
    }
    if (!at->scheduled)
      return reply(res, 503, error_json(edge_reason::unavailable, "the chain has no schedule (no cluster)"));
  }
  const auto round = at->round;
  const auto first = at->global_slot - at->slot;
  // The head's round has a known length; a later one ends where the next round's slots begin.
  const std::size_t known_length = round == info->round ? info->order.size() : max_schedule_slots;
  std::vector<slot_info> slots;
  for (auto g = first; slots.size() < std::min(known_length, max_schedule_slots); ++g) {
    auto s = g == at->global_slot ? at : core.ask<slot_info>(self, &res, c.handles.chain, schedule_atom::value, g);
    if (!s)
      return;
    if (!s->scheduled || s->round != round)
      break;
    slots.push_back(std::move(*s));
  }
  json_object j;
  j["chain"] = info->chain;
  j["round"] = round;
  j["head_round"] = info->round;
  j["first_slot"] = first;
  j["slot_count"] = slots.size();
  j["slot_ms"] = p.slot_ms;
  j["now_ms"] = now;
  j["current_slot"] = current;
  auto list = json_object::array();
  for (const auto& s : slots)
    list.push_back(slot_json(s, *delegates, p));
  j["slots"] = std::move(list);
  reply(res, 200, j);
}

} // namespace

void register_delegate_routes(bridge_core& core) {
  core.chain_get("/delegates", get_delegates);
  core.chain_get("/schedule", get_schedule);
}

} // namespace bfd::http
