#include "actors/peer_conduct.hpp"

#include <vector>

#include <caf/scheduled_actor.hpp>
#include <spdlog/spdlog.h>

namespace bfd {

const char* offence_name(peer_offence o) {
  switch (o) {
    case peer_offence::bad_signature: return "bad_signature";
    case peer_offence::undecodable: return "undecodable";
    case peer_offence::unexpected_message: return "unexpected_message";
  }
  return "unknown";
}

peer_conduct::peer_conduct(peer_conduct_options options) : options_(std::move(options)) {
  // Listed at 0, so /metrics shows the series before the first event.
  for (auto o : {peer_offence::bad_signature, peer_offence::undecodable, peer_offence::unexpected_message})
    counts_[offence_name(o)] = 0;
  counts_["disconnect"] = 0;
  counts_["refused"] = 0;
  counts_["anonymous_relay"] = 0;
}

void peer_conduct::set_disconnector(disconnector d) {
  std::lock_guard lock(mutex_);
  disconnector_ = std::move(d);
}

void peer_conduct::log_line(const std::string& line) {
  // Called with mutex_ held. Anyone who completes a handshake can cause these lines: bounded.
  if (!options_.log)
    return;
  const auto now = steady::now();
  if (now - log_window_ > std::chrono::seconds(10)) {
    if (suppressed_ > 0)
      options_.log->warn("peer conduct: {} more line(s) not logged", suppressed_);
    log_window_ = now;
    logged_ = 0;
    suppressed_ = 0;
  }
  if (logged_ < 20) {
    ++logged_;
    options_.log->warn("peer conduct: {}", line);
  } else {
    ++suppressed_;
  }
}

void peer_conduct::disconnect(const caf::node_id& who, const std::string& why) {
  disconnector d;
  {
    std::lock_guard lock(mutex_);
    d = disconnector_;
  }
  if (d)
    d(who, why);
}

bool peer_conduct::refused(const caf::node_id& who) {
  const auto now = steady::now();
  bool close_again = false;
  {
    std::lock_guard lock(mutex_);
    auto it = refused_.find(who);
    if (it == refused_.end())
      return false;
    if (now >= it->second.until) {
      refused_.erase(it);
      return false;
    }
    ++counts_["refused"];
    if (now - it->second.last_close >= std::chrono::seconds(1)) {
      it->second.last_close = now;
      ++counts_["disconnect"];
      close_again = true;
    }
  }
  if (close_again)
    disconnect(who, "a refused peer node sent again");
  return true;
}

bool peer_conduct::record(const caf::node_id& who, peer_offence what, const std::string& detail) {
  const auto now = steady::now();
  std::string why;
  {
    std::lock_guard lock(mutex_);
    if (auto r = refused_.find(who); r != refused_.end() && now < r->second.until) {
      // Already cut off: what was under way when it was (a signature being verified) is not a
      // new run of offences.
      ++counts_["refused"];
      return false;
    }
    ++counts_[offence_name(what)];
    auto& times = offences_[who];
    times.push_back(now);
    while (!times.empty() && now - times.front() > options_.window)
      times.pop_front();
    const auto n = times.size();
    if (options_.limit == 0 || n < options_.limit) {
      if (n == 1)  // the first of a run is worth a line; the disconnect line sums up the rest
        log_line("violation by peer node " + caf::to_string(who) + ": " + offence_name(what) + " (" + detail + ")");
      return false;
    }
    offences_.erase(who);
    refused_[who] = refusal{now + options_.refuse_for, now};
    ++counts_["disconnect"];
    why = std::to_string(n) + " violations within " + std::to_string(options_.window.count() / 1000)
          + " s, the last " + offence_name(what) + " (" + detail + ")";
    log_line("disconnecting peer node " + caf::to_string(who) + " and refusing it for "
             + std::to_string(options_.refuse_for.count() / 1000) + " s: " + why);
    // Bound the bookkeeping: expired refusals go, and a flood of identities forgets the oldest runs.
    for (auto it = refused_.begin(); it != refused_.end();)
      it = now >= it->second.until ? refused_.erase(it) : std::next(it);
    if (offences_.size() > 4096)
      offences_.clear();
    if (refused_.size() > 4096)
      refused_.erase(refused_.begin());
  }
  disconnect(who, why);
  return true;
}

void peer_conduct::count_anonymous() {
  std::lock_guard lock(mutex_);
  ++counts_["anonymous_relay"];
}

std::map<std::string, std::uint64_t> peer_conduct::counts() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

bool remote_offence(peer_conduct* conduct, caf::scheduled_actor* self, peer_offence what, const std::string& detail) {
  if (!conduct)
    return false;
  const auto& sender = self->current_sender();
  if (!sender || sender->node() == self->node())
    return false;
  if (!conduct->refused(sender->node()))
    conduct->record(sender->node(), what, detail);
  return true;
}

} // namespace bfd
