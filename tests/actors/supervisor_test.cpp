// The supervisor on a real actor system: a killed child is back within 100 ms, restarts are
// counted, more than 5 restarts in the window escalate, and stop() ends the children without a
// restart. Children are detached blocking actors shaped like the bridge actor.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/blocking_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "runtime/bridge_actor.hpp"
#include "runtime/dev_sidechains.hpp"
#include "runtime/loop_actor.hpp"
#include "runtime/peg_specs.hpp"
#include "runtime/supervisor.hpp"
#include "tests/actors/support.hpp"

using namespace bfd;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

/// A child that waits in 20 ms steps until an exit message ends it with the message's reason.
caf::actor spawn_looping(caf::actor_system& system) {
  return system.spawn<caf::detached>([](caf::blocking_actor* self) {
    bool running = true;
    while (running)
      self->receive(
        [&](caf::exit_msg& exit) {
          running = false;
          self->fail_state(std::move(exit.reason));
        },
        caf::after(20ms) >> [] {});
  });
}

/// Waits (at most 2 s) until `s` reports a valid child `name` other than `old`; the time it took.
std::optional<std::chrono::microseconds> wait_replaced(const runtime::supervisor& s, const std::string& name,
                                                       const caf::actor& old, steady::time_point since) {
  while (steady::now() - since < 2s) {
    auto now = s.child(name);
    if (now && now != old)
      return std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - since);
    std::this_thread::sleep_for(1ms);
  }
  return std::nullopt;
}

/// Whether `pred` holds within `ms` milliseconds (polled every millisecond).
template <class F>
bool within_ms(int ms, F pred) {
  for (auto t0 = steady::now(); steady::now() - t0 < std::chrono::milliseconds(ms); std::this_thread::sleep_for(1ms))
    if (pred())
      return true;
  return pred();
}

std::vector<runtime::supervised_child> one_child(std::string name) {
  return {{std::move(name), spawn_looping}};
}

} // namespace

TEST_CASE("a child added to a running supervisor is supervised like the first ones, and added once") {
  // What bfd-node --dev does for a sidechain registered while it runs: its bridge joins the
  // supervisor then (docs/fund-lifecycle.md).
  test::node_config cfg;
  caf::actor_system system{cfg};
  runtime::supervisor_options o;
  o.counts = std::make_shared<restart_counts>();
  auto s = runtime::supervisor::start(system, o, {});
  CHECK_FALSE(s->child("late"));
  s->add({"late", spawn_looping});
  caf::actor first;
  for (auto t0 = steady::now(); !first && steady::now() - t0 < 2s; std::this_thread::sleep_for(1ms))
    first = s->child("late");
  REQUIRE(first);
  // A second add of the same name leaves the running child alone.
  s->add({"late", spawn_looping});
  std::this_thread::sleep_for(50ms);
  CHECK(s->child("late") == first);
  CHECK(o.counts->of("late") == 0);
  caf::scoped_actor killer{system};
  const auto t0 = steady::now();
  killer->send_exit(first, caf::exit_reason::kill);
  auto took = wait_replaced(*s, "late", first, t0);
  REQUIRE_MESSAGE(took, "the added child was not restarted within 2 s");
  CHECK(o.counts->of("late") == 1);
  s->stop();
}

TEST_CASE("a child killed 20 times is restarted each time within 100 ms and every restart is counted") {
  test::node_config cfg;
  caf::actor_system system{cfg};
  runtime::supervisor_options o;
  o.counts = std::make_shared<restart_counts>();
  // The rule scaled down so the test stays short: more than 5 restarts in 500 ms escalate, and
  // kills 120 ms apart never put more than 5 in one window.
  o.window = 500ms;
  auto s = runtime::supervisor::start(system, o, one_child("worker"));
  CHECK(o.counts->of("worker") == 0);
  auto slowest = 0us;
  caf::scoped_actor killer{system};
  for (int i = 0; i < 20; ++i) {
    auto old = s->child("worker");
    REQUIRE(old);
    const auto t0 = steady::now();
    killer->send_exit(old, caf::exit_reason::kill);
    auto took = wait_replaced(*s, "worker", old, t0);
    REQUIRE_MESSAGE(took, "kill " << i + 1 << ": the child was not restarted within 2 s");
    CHECK_MESSAGE(*took < 100ms, "kill " << i + 1 << ": back after " << took->count() << " us");
    slowest = std::max(slowest, *took);
    std::this_thread::sleep_for(120ms);
  }
  MESSAGE("slowest restart: " << slowest.count() << " us");
  CHECK(s->restarts("worker") == 20);
  CHECK(o.counts->of("worker") == 20);
  CHECK_FALSE(s->escalation());
  s->stop();
}

TEST_CASE("a sixth failure of one child within 10 s escalates: the supervisor stops with the reason") {
  test::node_config cfg;
  caf::actor_system system{cfg};
  runtime::supervisor_options o;  // the default rule: more than 5 restarts in 10 s
  o.counts = std::make_shared<restart_counts>();
  std::vector<runtime::supervised_child> children = one_child("bridge-1-2");
  children.push_back({"bystander", spawn_looping});
  auto s = runtime::supervisor::start(system, o, std::move(children));
  caf::scoped_actor watcher{system};
  watcher->monitor(s->handle());
  auto bystander = s->child("bystander");
  REQUIRE(bystander);
  watcher->monitor(bystander);
  caf::scoped_actor killer{system};
  for (int i = 0; i < 5; ++i) {
    auto old = s->child("bridge-1-2");
    REQUIRE(old);
    const auto t0 = steady::now();
    killer->send_exit(old, caf::exit_reason::kill);
    REQUIRE(wait_replaced(*s, "bridge-1-2", old, t0));
  }
  CHECK(s->restarts("bridge-1-2") == 5);
  CHECK_FALSE(s->escalation());
  killer->send_exit(s->child("bridge-1-2"), caf::exit_reason::kill);
  // The supervisor stops the other children, then itself, with an error naming the child.
  std::optional<caf::error> bystander_reason, reason;
  for (int i = 0; i < 2; ++i)
    watcher->receive(
      [&](caf::down_msg& d) {
        if (d.source == s->handle().address())
          reason = d.reason;
        else
          bystander_reason = d.reason;
      },
      caf::after(5s) >> [] {});
  REQUIRE(reason);
  CHECK(*reason);
  const auto text = system.render(*reason);
  CHECK_MESSAGE(text.find("bridge-1-2 failed 6 times") != std::string::npos, text);
  REQUIRE(s->escalation());
  CHECK(s->escalation()->find("bridge-1-2 failed 6 times within 10000 ms") != std::string::npos);
  REQUIRE(bystander_reason);
  CHECK(*bystander_reason == caf::exit_reason::user_shutdown);
  CHECK(s->restarts("bridge-1-2") == 5);
  CHECK(s->restarts("bystander") == 0);
}

TEST_CASE("the fault hook kills every child, which come back; stop() ends them without a restart") {
  test::node_config cfg;
  caf::actor_system system{cfg};
  runtime::supervisor_options o;
  o.counts = std::make_shared<restart_counts>();
  std::vector<runtime::supervised_child> children = one_child("bridge-1-2");
  children.push_back({"bridge-1-3", spawn_looping});
  auto s = runtime::supervisor::start(system, o, std::move(children));
  auto a = s->child("bridge-1-2");
  auto b = s->child("bridge-1-3");
  REQUIRE((a && b));
  const auto t0 = steady::now();
  CHECK(s->kill_children() == 2);
  CHECK(wait_replaced(*s, "bridge-1-2", a, t0));
  CHECK(wait_replaced(*s, "bridge-1-3", b, t0));
  CHECK(o.counts->of("bridge-1-2") == 1);
  CHECK(o.counts->of("bridge-1-3") == 1);
  auto now = s->child("bridge-1-2");
  caf::scoped_actor watcher{system};
  watcher->monitor(now);
  s->stop();
  std::optional<caf::error> reason;
  watcher->receive([&](caf::down_msg& d) { reason = d.reason; }, caf::after(5s) >> [] {});
  REQUIRE(reason);
  CHECK(*reason == caf::exit_reason::user_shutdown);
  CHECK(o.counts->of("bridge-1-2") == 1);
  CHECK_FALSE(s->escalation());
}

TEST_CASE("a bridge actor on a real node is killed through the fault hook, back within 100 ms, and stops cleanly") {
  test::node_config cfg;
  caf::actor_system system{cfg};
  test::temp_dir dir;
  const auto& net = test::shared_network();
  std::vector<chain_spec> specs;
  for (const auto& e : runtime::dev_sidechain_entries(net))
    if (e.id == 2)
      specs.push_back(runtime::sidechain_spec_for(e, net.genesis));
  REQUIRE(specs.size() == 1);
  runtime::node_options no;
  no.chains = runtime::dev_hosted_chains(net, specs);
  no.time = std::make_shared<manual_clock>(0);
  no.self_ticking = false;
  auto n = runtime::node::start(system, std::move(no));
  REQUIRE(n);
  runtime::peg_bridge_options bo;
  bo.keys = runtime::bridge_signing_key(net.bridge, 2, "dev");
  bo.sidechain = 2;
  bo.progress_file = runtime::bridge_progress_file(dir.path, 2);
  CHECK(bo.progress_file == dir.path / "bridges" / "1-2.progress");
  runtime::supervisor_options so;
  so.counts = (*n)->restarts();
  auto s = runtime::supervisor::start(system, so, {runtime::bridge_child(**n, bo, 50ms)});
  CHECK((*n)->restarts()->of("bridge-1-2") == 0);
  auto old = s->child("bridge-1-2");
  REQUIRE(old);
  const auto t0 = steady::now();
  CHECK(s->kill_children() == 1);
  auto took = wait_replaced(*s, "bridge-1-2", old, t0);
  REQUIRE(took);
  CHECK_MESSAGE(*took < 100ms, "back after " << took->count() << " us");
  CHECK((*n)->restarts()->of("bridge-1-2") == 1);
  CHECK(std::filesystem::is_directory(dir.path / "bridges"));
  auto current = s->child("bridge-1-2");
  caf::scoped_actor watcher{system};
  watcher->monitor(current);
  s->stop();
  std::optional<caf::error> reason;
  watcher->receive([&](caf::down_msg& d) { reason = d.reason; }, caf::after(15s) >> [] {});
  REQUIRE(reason);
  CHECK(*reason == caf::exit_reason::user_shutdown);
  (*n)->stop();
}

TEST_CASE("bridge signing keys differ per pair and per node, and are the same on every start") {
  const auto& base = test::shared_network().bridge;
  const auto a2 = runtime::bridge_signing_key(base, 2, "a");
  CHECK(a2.pub == runtime::bridge_signing_key(base, 2, "a").pub);
  CHECK(a2.pub != runtime::bridge_signing_key(base, 3, "a").pub);
  CHECK(a2.pub != runtime::bridge_signing_key(base, 2, "b").pub);
  CHECK(a2.pub != base.pub);
}

namespace {

using sum_atom = caf::atom_constant<caf::atom("sum")>;

struct adder_state {
  int sum = 0;
};

/// A child that adds the ints it is sent and answers (sum_atom) with the total.
caf::behavior adder(caf::stateful_actor<adder_state>* self) {
  return {
    [self](int x) { self->state.sum += x; },
    [self](sum_atom) { return self->state.sum; },
  };
}

int sum_through(caf::actor_system& system, const caf::actor& front) {
  caf::scoped_actor self{system};
  int out = -1;
  self->request(front, 2s, sum_atom::value).receive([&](int s) { out = s; }, [](const caf::error&) {});
  return out;
}

} // namespace

TEST_CASE("a front keeps its handle across restarts and replays what its rule keeps to each new instance") {
  test::node_config cfg;
  caf::actor_system system{cfg};
  runtime::supervisor_options o;
  o.counts = std::make_shared<restart_counts>();
  auto s = runtime::supervisor::start(system, o, {});
  // Ints are kept under their value; a negative int forgets its positive twin.
  runtime::sticky_rule rule = [](const caf::message& m) -> std::optional<std::pair<std::string, bool>> {
    if (!m.match_elements<int>())
      return std::nullopt;
    const int x = m.get_as<int>(0);
    return std::make_pair(std::to_string(x < 0 ? -x : x), x > 0);
  };
  auto front = runtime::spawn_front(system, "adder", rule);
  runtime::supervised_child child{"adder", [](caf::actor_system& sys) { return sys.spawn(adder); }, front, {}};
  child.probe = [](caf::scoped_actor& self, const caf::actor& to, std::chrono::milliseconds timeout) {
    bool ok = false;
    self->request(to, timeout, sum_atom::value).receive([&](int) { ok = true; }, [](const caf::error&) {});
    return ok;
  };
  // Messages sent before the first instance runs are held, then delivered.
  caf::anon_send(front, 5);
  s->add(child);
  caf::anon_send(front, 7);
  caf::anon_send(front, 100);
  caf::anon_send(front, -100);  // forgotten: not replayed (the first instance still adds it)
  CHECK(test::eventually(system, [&] { return sum_through(system, front) == 12; }));
  for (int i = 0; i < 5; ++i) {
    auto took = s->kill_and_wait("adder");
    REQUIRE_MESSAGE(took, "the adder did not answer again within 2 s");
    CHECK(*took < 100ms);
    // A new instance got 5 and 7 again, through the same handle.
    CHECK(sum_through(system, front) == 12);
  }
  CHECK(o.counts->of("adder") == 5);
  // Stopping the front stops its child for good: no restart.
  caf::scoped_actor watcher{system};
  auto last = s->child("adder");
  REQUIRE(last);
  watcher->monitor(last);
  watcher->send_exit(front, caf::exit_reason::user_shutdown);
  bool down = false;
  watcher->receive([&](const caf::down_msg&) { down = true; }, caf::after(2s) >> [] {});
  CHECK(down);
  CHECK(test::eventually(system, [&] { return !s->child("adder"); }));
  CHECK(o.counts->of("adder") == 5);
  s->stop();
}

namespace {

/// What a loop step does next time: run, throw, or report its loop stopped.
enum class step_mode { run, throw_once, stop_once };

/// A loop child shaped like the watcher's and the triage's: a pass every 20 ms, counted in
/// `steps`, failing once as `mode` says.
runtime::supervised_child failing_loop(std::string name, std::shared_ptr<std::atomic<int>> steps,
                                       std::shared_ptr<std::atomic<step_mode>> mode) {
  return runtime::loop_child(std::move(name), 20ms, [steps, mode] {
    auto m = mode->exchange(step_mode::run);
    if (m == step_mode::throw_once)
      throw std::runtime_error("fault injection: a pass threw");
    if (m == step_mode::stop_once)
      return false;
    ++*steps;
    return true;
  });
}

} // namespace

TEST_CASE("a loop actor killed 20 times, or failed by an exception or a stopped loop, is back within 100 ms") {
  // The watcher's, the triage's and the peer gate's loops run as loop actors (runtime/loop_actor.hpp).
  test::node_config cfg;
  caf::actor_system system{cfg};
  runtime::supervisor_options o;
  o.counts = std::make_shared<restart_counts>();
  o.window = 500ms;  // scaled down as above: kills 120 ms apart never put more than 5 in a window
  auto steps = std::make_shared<std::atomic<int>>(0);
  auto mode = std::make_shared<std::atomic<step_mode>>(step_mode::run);
  auto s = runtime::supervisor::start(system, o, {failing_loop("watcher", steps, mode)});
  CHECK(o.counts->of("watcher") == 0);
  auto slowest = 0us;
  for (int i = 0; i < 20; ++i) {
    const int before = steps->load();
    auto took = s->kill_and_wait("watcher", 2s);
    REQUIRE_MESSAGE(took, "kill " << i + 1 << ": the loop did not answer again within 2 s");
    CHECK_MESSAGE(*took < 100ms, "kill " << i + 1 << ": back after " << took->count() << " us");
    slowest = std::max(slowest, *took);
    std::this_thread::sleep_for(120ms);
    CHECK_MESSAGE(steps->load() > before, "kill " << i + 1 << ": no pass after the restart");
  }
  MESSAGE("slowest restart after a kill: " << slowest.count() << " us");
  CHECK(o.counts->of("watcher") == 20);
  // An exception out of a pass, then a loop that stops: each a failure, restarted and counted.
  for (auto m : {step_mode::throw_once, step_mode::stop_once}) {
    auto old = s->child("watcher");
    REQUIRE(old);
    const auto t0 = steady::now();
    mode->store(m);
    auto took = wait_replaced(*s, "watcher", old, t0);
    REQUIRE(took);
    CHECK_MESSAGE(*took < 100ms, "back after " << took->count() << " us");
    const int before = steps->load();
    CHECK(within_ms(2000, [&] { return steps->load() > before; }));
    std::this_thread::sleep_for(120ms);
  }
  CHECK(o.counts->of("watcher") == 22);
  CHECK_FALSE(s->escalation());
  s->stop();
}

TEST_CASE("a loop actor failing a sixth time within 10 s escalates with the exception's text") {
  test::node_config cfg;
  caf::actor_system system{cfg};
  runtime::supervisor_options o;  // the default rule
  o.counts = std::make_shared<restart_counts>();
  auto s = runtime::supervisor::start(
    system, o, {runtime::loop_child("triage", 20ms, []() -> bool { throw std::runtime_error("no rollouts view"); })});
  caf::scoped_actor watcher{system};
  watcher->monitor(s->handle());
  std::optional<caf::error> reason;
  watcher->receive([&](caf::down_msg& d) { reason = d.reason; }, caf::after(10s) >> [] {});
  REQUIRE(reason);
  REQUIRE(s->escalation());
  CHECK_MESSAGE(s->escalation()->find("triage failed 6 times within 10000 ms") != std::string::npos, *s->escalation());
  CHECK_MESSAGE(s->escalation()->find("triage: no rollouts view") != std::string::npos, *s->escalation());
  CHECK(o.counts->of("triage") == 5);
}
