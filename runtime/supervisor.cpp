#include "runtime/supervisor.hpp"

#include <deque>
#include <map>
#include <mutex>

#include <thread>

#include <caf/actor_system.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/message_view.hpp>
#include <caf/response_promise.hpp>
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

using names_atom = caf::atom_constant<caf::atom("supnames")>;
using spec_atom = caf::atom_constant<caf::atom("supspec")>;

using steady = std::chrono::steady_clock;

struct child_state {
  supervised_child spec;
  caf::actor current;
  std::deque<steady::time_point> restarts;  // within the window only
};

// -- the front -------------------------------------------------------------------------------

struct front_state {
  std::string name;
  sticky_rule rule;
  std::size_t max_held = 0;
  caf::actor target;
  std::shared_ptr<caf::actor> owner;  // the supervisor, once it announced a first instance
  bool started = false;  // a first instance was announced
  std::vector<std::pair<caf::response_promise, caf::message>> held;
  std::map<std::string, caf::message> sticky;
};

using front_actor = caf::stateful_actor<front_state>;

caf::behavior front_impl(front_actor* self, std::string name, sticky_rule rule, std::size_t max_held) {
  // A front that is stopped (or killed) by whoever holds it takes its child with it for good, as
  // stopping the child itself did before fronts: its supervisor is told to drop the child.
  auto owner = std::make_shared<caf::actor>();
  self->attach_functor([owner, name] {
    if (*owner)
      caf::anon_send(*owner, rmchild_atom::value, name);
  });
  self->state.name = std::move(name);
  self->state.owner = owner;
  self->state.rule = std::move(rule);
  self->state.max_held = max_held;
  self->set_default_handler([](caf::scheduled_actor* ptr, caf::message_view& x) -> caf::result<caf::message> {
    auto self = static_cast<front_actor*>(ptr);
    auto& st = self->state;
    auto msg = x.move_content_to_message();
    if (st.rule)
      if (auto keep = st.rule(msg)) {
        if (keep->second)
          st.sticky[keep->first] = msg;
        else
          st.sticky.erase(keep->first);
      }
    auto rp = self->make_response_promise();
    if (st.target) {
      rp.delegate(st.target, std::move(msg));
    } else if (st.held.size() < st.max_held) {
      st.held.emplace_back(std::move(rp), std::move(msg));
    } else {
      rp.deliver(caf::make_error(caf::sec::request_receiver_down));
    }
    return rp;
  });
  self->set_down_handler([self](caf::down_msg& down) {
    if (self->state.target && down.source == self->state.target.address())
      self->state.target = caf::actor{};  // hold what comes until the next instance
  });
  return {
    [self](target_atom, caf::actor& next) {
      auto& st = self->state;
      if (!next)
        return;
      if (!*st.owner)
        *st.owner = caf::actor_cast<caf::actor>(self->current_sender());
      self->monitor(next);
      if (st.started) {
        // A new instance: what the old one was told once and must know again comes first.
        auto* dest = caf::actor_cast<caf::abstract_actor*>(next);
        for (const auto& [key, msg] : st.sticky)
          dest->enqueue(self->ctrl(), caf::make_message_id(), msg, self->context());
      }
      st.started = true;
      st.target = std::move(next);
      auto held = std::move(st.held);
      st.held.clear();
      for (auto& [rp, msg] : held)
        rp.delegate(st.target, std::move(msg));
    },
  };
}

struct supervisor_state {
  std::shared_ptr<supervisor::shared> shared;
  std::map<std::string, child_state> children;
  std::map<caf::actor_addr, std::string> by_address;
  bool stopping = false;
  caf::error stop_reason;
  static inline const char* name = "bfd.supervisor";
};

using supervisor_actor = caf::stateful_actor<supervisor_state>;

void stop_all(supervisor_actor* self, caf::error reason);

/// Records why the supervisor gives up, logs it and stops everything.
void escalate(supervisor_actor* self, const std::string& text, caf::error reason) {
  auto& st = self->state;
  {
    std::lock_guard lock(st.shared->mutex);
    st.shared->escalation = text;
  }
  if (st.shared->options.log)
    st.shared->options.log->error("supervisor: {}", text);
  stop_all(self, std::move(reason));
}

/// Starts (or restarts) child `c`; false when its factory could not (then it escalated).
bool launch(supervisor_actor* self, child_state& c) {
  c.current = c.spec.start(self->system());
  if (!c.current) {
    const auto text = fmt::format("{} could not be started again: stopping", c.spec.name);
    escalate(self, text, caf::make_error(caf::sec::runtime_error, text));
    return false;
  }
  self->monitor(c.current);
  self->state.by_address[c.current.address()] = c.spec.name;
  if (c.spec.front)
    self->send(c.spec.front, target_atom::value, c.current);
  return true;
}

/// Stops every child (and every front); the supervisor ends with `reason` once the last child has.
void stop_all(supervisor_actor* self, caf::error reason) {
  auto& st = self->state;
  if (st.stopping)
    return;
  st.stopping = true;
  st.stop_reason = std::move(reason);
  for (auto& [name, c] : st.children) {
    if (c.current)
      self->send_exit(c.current, caf::exit_reason::user_shutdown);
    // A front ends with the supervisor's reason: whoever monitors it learns why (e.g. the
    // storage failure that stopped the node).
    if (c.spec.front)
      self->send_exit(c.spec.front, st.stop_reason ? st.stop_reason : caf::error{caf::exit_reason::user_shutdown});
  }
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
  if (opts.fatal && opts.fatal(down.reason)) {
    const auto text = fmt::format("{} failed ({}), which a restart cannot cure: stopping", c.spec.name,
                                  self->system().render(down.reason));
    escalate(self, text, down.reason);
    return;
  }
  const auto now = steady::now();
  while (!c.restarts.empty() && now - c.restarts.front() >= opts.window)
    c.restarts.pop_front();
  if (c.restarts.size() >= opts.max_restarts) {
    const auto text = fmt::format("{} failed {} times within {} ms (last: {}); more than {} restarts in that "
                                  "time escalate: stopping",
                                  c.spec.name, c.restarts.size() + 1, opts.window.count(),
                                  self->system().render(down.reason), opts.max_restarts);
    escalate(self, text, caf::make_error(caf::sec::runtime_error, text));
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
    if (!launch(self, c))
      break;
  }
  self->set_down_handler([self](caf::down_msg& down) { on_down(self, down); });
  // An exit from the owner (stop) or a linked actor: stop the children first.
  self->set_exit_handler([self](caf::exit_msg& exit) { stop_all(self, exit.reason); });
  return {
    [self](spec_atom, const std::string& name) {
      auto i = self->state.children.find(name);
      if (i == self->state.children.end() || self->state.stopping)
        return caf::make_message(caf::actor{}, supervised_child{});
      return caf::make_message(i->second.current, i->second.spec);
    },
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
      (void) launch(self, c);
    },
    [self](rmchild_atom, const std::string& name) {
      auto& st = self->state;
      auto i = st.children.find(name);
      if (st.stopping || i == st.children.end())
        return;
      if (i->second.current) {
        st.by_address.erase(i->second.current.address());
        self->demonitor(i->second.current);
        self->send_exit(i->second.current, caf::exit_reason::user_shutdown);
      }
      if (i->second.spec.front)
        self->send_exit(i->second.spec.front, caf::exit_reason::user_shutdown);
      st.children.erase(i);
    },
    [self](names_atom) {
      std::vector<std::string> out;
      for (const auto& [name, c] : self->state.children)
        out.push_back(name);
      return out;
    },
    [self](faultkill_atom, const std::string& name) -> bool {
      auto& st = self->state;
      auto i = st.children.find(name);
      if (st.stopping || i == st.children.end() || !i->second.current)
        return false;
      if (const auto& log = st.shared->options.log)
        log->warn("fault injection: killing {}", name);
      self->send_exit(i->second.current, caf::exit_reason::kill);
      return true;
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

caf::actor spawn_front(caf::actor_system& system, std::string name, sticky_rule rule, std::size_t max_held) {
  return system.spawn(front_impl, std::move(name), std::move(rule), max_held);
}

void supervisor::remove(const std::string& name) const {
  if (self_)
    caf::anon_send(self_, rmchild_atom::value, name);
}

std::vector<std::string> supervisor::names() const {
  caf::scoped_actor self{system_};
  std::vector<std::string> out;
  self->request(self_, std::chrono::seconds(5), names_atom::value)
    .receive([&](std::vector<std::string>& v) { out = std::move(v); }, [](const caf::error&) {});
  return out;
}

std::optional<std::chrono::microseconds> supervisor::kill_and_wait(const std::string& name,
                                                                   std::chrono::milliseconds wait) const {
  caf::scoped_actor self{system_};
  caf::actor old;
  supervised_child spec;
  self->request(self_, std::chrono::seconds(5), spec_atom::value, name)
    .receive(
      [&](caf::actor& current, supervised_child& s) {
        old = std::move(current);
        spec = std::move(s);
      },
      [](const caf::error&) {});
  if (!old)
    return std::nullopt;
  const auto t0 = steady::now();
  const auto deadline = t0 + wait;
  bool killed = false;
  self->request(self_, std::chrono::seconds(5), faultkill_atom::value, name)
    .receive([&](bool k) { killed = k; }, [](const caf::error&) {});
  if (!killed)
    return std::nullopt;
  // The supervisor holds a new instance...
  caf::actor now;
  while (steady::now() < deadline) {
    now = child(name);
    if (now && now != old)
      break;
    now = caf::actor{};
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  if (!now)
    return std::nullopt;
  // ... and it answers (through the front, as its callers reach it).
  if (spec.probe) {
    const auto& to = spec.front ? spec.front : now;
    bool answered = false;
    while (!answered && steady::now() < deadline) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
      answered = spec.probe(self, to, std::max(left, std::chrono::milliseconds(1)));
    }
    if (!answered)
      return std::nullopt;
  }
  return std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - t0);
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
