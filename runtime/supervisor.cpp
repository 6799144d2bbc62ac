#include "runtime/supervisor.hpp"

#include <deque>
#include <map>
#include <mutex>

#include <caf/actor_system.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <fmt/format.h>
#include <spdlog/logger.h>

// The added child's factory crosses only this process's mailbox.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bfd::runtime::supervised_child)

namespace bfd::runtime {

struct supervisor::shared {
  supervisor_options options;
  std::mutex mutex;
  std::optional<std::string> escalation;
};

namespace {

using steady = std::chrono::steady_clock;

struct child_state {
  supervised_child spec;
  caf::actor current;
  std::deque<steady::time_point> restarts;  // within the window only
};

struct supervisor_state {
  std::shared_ptr<supervisor::shared> shared;
  std::map<std::string, child_state> children;
  std::map<caf::actor_addr, std::string> by_address;
  bool stopping = false;
  caf::error stop_reason;
  static inline const char* name = "bfd.supervisor";
};

using supervisor_actor = caf::stateful_actor<supervisor_state>;

void launch(supervisor_actor* self, child_state& c) {
  c.current = c.spec.start(self->system());
  self->monitor(c.current);
  self->state.by_address[c.current.address()] = c.spec.name;
}

/// Stops every child; the supervisor ends with `reason` once the last one has.
void stop_all(supervisor_actor* self, caf::error reason) {
  auto& st = self->state;
  if (st.stopping)
    return;
  st.stopping = true;
  st.stop_reason = std::move(reason);
  for (auto& [name, c] : st.children)
    if (c.current)
      self->send_exit(c.current, caf::exit_reason::user_shutdown);
  if (st.by_address.empty())
    self->quit(st.stop_reason);
}

void on_down(supervisor_actor* self, const caf::down_msg& down) {
  auto& st = self->state;
  auto i = st.by_address.find(down.source);
  if (i == st.by_address.end())
    return;
  auto& c = st.children.at(i->second);
  st.by_address.erase(i);
  c.current = caf::actor{};
  if (st.stopping) {
    if (st.by_address.empty())
      self->quit(st.stop_reason);
    return;
  }
  const auto& opts = st.shared->options;
  const auto now = steady::now();
  while (!c.restarts.empty() && now - c.restarts.front() >= opts.window)
    c.restarts.pop_front();
  if (c.restarts.size() >= opts.max_restarts) {
    const auto text = fmt::format("{} failed {} times within {} ms (last: {}); more than {} restarts in that "
                                  "time escalate: stopping",
                                  c.spec.name, c.restarts.size() + 1, opts.window.count(),
                                  self->system().render(down.reason), opts.max_restarts);
    {
      std::lock_guard lock(st.shared->mutex);
      st.shared->escalation = text;
    }
    if (opts.log)
      opts.log->error("supervisor: {}", text);
    stop_all(self, caf::make_error(caf::sec::runtime_error, text));
    return;
  }
  c.restarts.push_back(now);
  if (opts.counts)
    opts.counts->add(c.spec.name);
  if (opts.log)
    opts.log->warn("supervisor: {} ended ({}); restarting it ({} restart(s) in the last {} ms)", c.spec.name,
                   self->system().render(down.reason), c.restarts.size(), opts.window.count());
  launch(self, c);
}

caf::behavior supervise(supervisor_actor* self, std::shared_ptr<supervisor::shared> shared,
                        std::vector<supervised_child> children) {
  auto& st = self->state;
  st.shared = std::move(shared);
  for (auto& spec : children) {
    if (st.shared->options.counts)
      st.shared->options.counts->declare(spec.name);
    auto name = spec.name;
    auto& c = st.children[name];
    c.spec = std::move(spec);
    launch(self, c);
  }
  self->set_down_handler([self](caf::down_msg& down) { on_down(self, down); });
  // An exit from the owner (stop) or a linked actor: stop the children first.
  self->set_exit_handler([self](caf::exit_msg& exit) { stop_all(self, exit.reason); });
  return {
    [self](child_atom, const std::string& name) -> caf::actor {
      auto i = self->state.children.find(name);
      return i == self->state.children.end() || self->state.stopping ? caf::actor{} : i->second.current;
    },
    [self](addchild_atom, supervised_child& spec) {
      auto& st = self->state;
      if (st.stopping || st.children.count(spec.name))
        return;
      if (st.shared->options.counts)
        st.shared->options.counts->declare(spec.name);
      auto name = spec.name;
      auto& c = st.children[name];
      c.spec = std::move(spec);
      launch(self, c);
    },
    [self](faultkill_atom) -> std::uint32_t {
      std::uint32_t killed = 0;
      if (self->state.stopping)
        return killed;
      for (auto& [name, c] : self->state.children) {
        if (!c.current)
          continue;
        if (const auto& log = self->state.shared->options.log)
          log->warn("fault injection: killing {}", name);
        self->send_exit(c.current, caf::exit_reason::kill);
        ++killed;
      }
      return killed;
    },
  };
}

} // namespace

std::unique_ptr<supervisor> supervisor::start(caf::actor_system& system, supervisor_options options,
                                              std::vector<supervised_child> children) {
  auto s = std::make_shared<shared>();
  s->options = std::move(options);
  auto self = system.spawn(supervise, s, std::move(children));
  return std::unique_ptr<supervisor>(new supervisor(system, std::move(self), std::move(s)));
}

supervisor::~supervisor() {
  stop();
}

caf::actor supervisor::child(const std::string& name) const {
  caf::scoped_actor self{system_};
  caf::actor out;
  self->request(self_, std::chrono::seconds(5), child_atom::value, name)
    .receive([&](caf::actor& a) { out = std::move(a); }, [](const caf::error&) {});
  return out;
}

std::uint32_t supervisor::kill_children() const {
  caf::scoped_actor self{system_};
  std::uint32_t out = 0;
  self->request(self_, std::chrono::seconds(5), faultkill_atom::value)
    .receive([&](std::uint32_t n) { out = n; }, [](const caf::error&) {});
  return out;
}

void supervisor::add(supervised_child child) const {
  if (self_)
    caf::anon_send(self_, addchild_atom::value, std::move(child));
}

std::uint64_t supervisor::restarts(const std::string& name) const {
  return shared_->options.counts ? shared_->options.counts->of(name) : 0;
}

std::optional<std::string> supervisor::escalation() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->escalation;
}

void supervisor::stop(std::chrono::milliseconds wait) {
  if (!self_)
    return;
  caf::scoped_actor self{system_};
  self->monitor(self_);
  self->send_exit(self_, caf::exit_reason::user_shutdown);
  self->receive([](const caf::down_msg&) {}, caf::after(wait) >> [] {});
  self_ = caf::actor{};
}

} // namespace bfd::runtime
