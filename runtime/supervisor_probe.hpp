// The probes a supervisor's test hook uses to learn that a restarted child answers again
// (supervised_child::probe); apart from supervisor.hpp because they need CAF's blocking API.
#pragma once

#include <chrono>

#include <caf/scoped_actor.hpp>
#include <caf/sec.hpp>

namespace bfd::runtime {

/// A probe sending `xs` to a `Handle` and expecting a `Reply`; an error reply other than "receiver
/// down" or a timeout counts as an answer too (the instance ran to say it).
template <class Handle, class Reply, class... Ts>
auto make_probe(Ts... xs) {
  return [=](caf::scoped_actor& self, const caf::actor& to, std::chrono::milliseconds timeout) {
    bool answered = false;
    self->request(caf::actor_cast<Handle>(to), timeout, xs...)
      .receive([&](Reply&) { answered = true; },
               [&](const caf::error& e) {
                 answered = e != caf::sec::request_receiver_down && e != caf::sec::request_timeout;
               });
    return answered;
  };
}

} // namespace bfd::runtime
