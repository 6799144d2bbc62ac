#include "actors/http/handshake_mailbox.hpp"

#include <algorithm>

namespace bfd::http {

std::string_view to_string(mailbox_slot s) noexcept {
  switch (s) {
    case mailbox_slot::reply: return "reply";
    case mailbox_slot::finish: return "finish";
    case mailbox_slot::payment: return "payment";
  }
  return "unknown";
}

namespace {

status check_size(const bytes& m, std::size_t max) {
  if (m.empty() || m.size() > max)
    return make_error(errc::too_large, "a message is 1 to " + std::to_string(max) + " bytes");
  return {};
}

error gone() {
  return make_error(errc::ush_session_gone, "no such handshake session (unknown, or expired)");
}

} // namespace

void handshake_mailbox::expire(time_point now) {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (it->second.expires <= now) {
      auto c = per_client_.find(it->second.client);
      if (c != per_client_.end() && --c->second == 0)
        per_client_.erase(c);
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
}

mailbox_session handshake_mailbox::view(const entry& e, time_point now) const {
  auto s = e.s;
  s.expires_in = std::chrono::duration_cast<std::chrono::milliseconds>(e.expires - now);
  return s;
}

result<mailbox_session> handshake_mailbox::open(const std::string& client, const address& to, bytes hello,
                                                std::string id, time_point now) {
  if (auto st = check_size(hello, limits_.max_message_bytes); !st)
    return st.error();
  std::lock_guard lock(mutex_);
  expire(now);
  if (sessions_.size() >= limits_.max_sessions)
    return make_error(errc::ush_mailbox_full, "the node holds " + std::to_string(limits_.max_sessions)
                                                + " handshake sessions; retry later");
  if (sessions_.contains(id))
    return make_error(errc::duplicate, "session id taken");
  if (auto c = per_client_.find(client); c != per_client_.end() && c->second >= limits_.max_per_client)
    return make_error(errc::ush_mailbox_full, "this client has " + std::to_string(limits_.max_per_client)
                                                + " open handshake sessions; retry when one ends");
  auto& mine = per_client_[client];
  entry e;
  e.s.id = id;
  e.s.to = to;
  e.s.hello = std::move(hello);
  e.client = client;
  e.opened = now;
  e.expires = now + limits_.ttl;
  e.order = next_order_++;
  ++mine;
  auto out = view(e, now);
  sessions_.emplace(std::move(id), std::move(e));
  return out;
}

status handshake_mailbox::post(const std::string& id, mailbox_slot slot, bytes message, time_point now) {
  if (auto st = check_size(message, limits_.max_message_bytes); !st)
    return st;
  std::lock_guard lock(mutex_);
  expire(now);
  auto it = sessions_.find(id);
  if (it == sessions_.end())
    return gone();
  auto& slots = it->second.s.slots;
  const auto i = static_cast<std::size_t>(slot);
  if (slots[i])
    return make_error(errc::ush_bad_state, "the session's " + std::string(to_string(slot)) + " is posted already");
  if (i > 0 && !slots[i - 1])
    return make_error(errc::ush_bad_state, "the session has no " + std::string(to_string(static_cast<mailbox_slot>(i - 1)))
                                             + " yet");
  slots[i] = std::move(message);
  return {};
}

result<mailbox_session> handshake_mailbox::get(const std::string& id, time_point now) {
  std::lock_guard lock(mutex_);
  expire(now);
  auto it = sessions_.find(id);
  if (it == sessions_.end())
    return gone();
  return view(it->second, now);
}

std::vector<mailbox_session> handshake_mailbox::waiting(const address& to, time_point now) {
  std::lock_guard lock(mutex_);
  expire(now);
  std::vector<const entry*> found;
  for (const auto& [id, e] : sessions_)
    if (e.s.to == to && !e.s.slots[0])
      found.push_back(&e);
  std::sort(found.begin(), found.end(), [](const entry* a, const entry* b) { return a->order < b->order; });
  std::vector<mailbox_session> out;
  for (const auto* e : found) {
    if (out.size() == limits_.max_listed)
      break;
    out.push_back(view(*e, now));
  }
  return out;
}

std::size_t handshake_mailbox::size(time_point now) {
  std::lock_guard lock(mutex_);
  expire(now);
  return sessions_.size();
}

} // namespace bfd::http
