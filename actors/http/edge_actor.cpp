// The HTTP bridge's actor (edge_actor.hpp): POST /v1/txs and /v1/txs/batch without a handler
// thread. Each step is an event-based request whose continuation takes the next one; every answer
// goes through finish(), which answers a request at most once (the sweep may have answered 504).
// A wake drains the intake: the single transactions for the configured chain go to the mempool
// as one batch; anything else (a batch request, another chain, an access change, a malformed
// body) takes its own steps.
#include "actors/http/edge_actor.hpp"

#include <unordered_map>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/http/bridge_core.hpp"
#include "chains/access/access_shape.hpp"
#include "chains/core/hex.hpp"

namespace bfd::http {

namespace {

using edgetick_atom = caf::atom_constant<caf::atom("edgetick")>;

/// How often the requests in flight are checked against their deadline.
constexpr auto sweep_every = std::chrono::milliseconds(100);

using steady = std::chrono::steady_clock;

struct edge_state {
  edge_actor_config config;
  std::uint64_t next_id = 0;
  struct entry {
    std::shared_ptr<tx_job> job;
    steady::time_point deadline;
  };
  std::unordered_map<std::uint64_t, entry> pending;
  bool batch_in_flight = false;  ///< a batch of single transactions waits for the mempool
  std::uint64_t batch_seq = 0;     ///< the batch in flight (a late answer to an older one is ignored)
  steady::time_point batch_sent;
  static inline const char* name = "http-edge";
};

using edge_pointer = caf::stateful_actor<edge_state>*;

response make_reply(int status, const json_object& body) {
  response r;
  reply(r, status, body);
  return r;
}

/// Answers request `id` unless it was answered already (timed out).
void finish(edge_pointer self, std::uint64_t id, response r) {
  auto& pending = self->state.pending;
  auto i = pending.find(id);
  if (i == pending.end())
    return;
  auto job = std::move(i->second.job);
  pending.erase(i);
  job->respond(std::move(r));
}

/// The continuation for a failed request: 503 `unavailable` with CAF's reason.
auto failed(edge_pointer self, std::uint64_t id) {
  return [self, id](const caf::error& err) {
    finish(self, id, make_reply(503, error_json(edge_reason::unavailable, self->system().render(err))));
  };
}

/// The answer to POST /v1/txs: 202 with the id and a Location, or the mempool's refusal.
response single_answer(const admission& verdict, const std::string& prefix) {
  const auto id = to_hex(verdict.id);
  const auto code = static_cast<errc>(verdict.code);
  response res;
  if (code != errc::ok) {
    auto j = error_json(make_error(code, verdict.detail));
    j["error"]["id"] = id;
    if (code == errc::mempool_full)
      res.set_header("Retry-After", "1");
    reply(res, status_of_refusal(code), j);
    return res;
  }
  res.set_header("Location", prefix + "/txs/" + id);
  if (verdict.detail.empty()) {
    // The common answer, written directly: the bytes json_text gives for {"id", "status"}.
    res.status = 202;
    res.set_content("{\"id\":\"" + id + "\",\"status\":\"" + std::string(tx_state_name(tx_state::pending)) + "\"}",
                    "application/json");
    return res;
  }
  json_object j;
  j["id"] = id;
  j["status"] = tx_state_name(tx_state::pending);
  j["detail"] = verdict.detail;
  reply(res, 202, j);
  return res;
}

/// The answer to POST /v1/txs/batch: 200 with one result per item, in order.
response batch_answer(const std::vector<result<transaction>>& items, const std::vector<admission>& verdicts) {
  json_object results = json_object::array();
  std::size_t next = 0;
  std::size_t accepted = 0;
  for (const auto& item : items) {
    if (!item) {
      results.push_back(error_json(item.error()));
      continue;
    }
    if (next >= verdicts.size()) {
      results.push_back(error_json(edge_reason::internal, "the mempool gave fewer verdicts than transactions"));
      continue;
    }
    const auto& v = verdicts[next++];
    const auto code = static_cast<errc>(v.code);
    json_object j;
    if (code != errc::ok) {
      j = error_json(make_error(code, v.detail));
      j["error"]["id"] = to_hex(v.id);
    } else {
      ++accepted;
      j["id"] = to_hex(v.id);
      j["status"] = tx_state_name(tx_state::pending);
      if (!v.detail.empty())
        j["detail"] = v.detail;
    }
    results.push_back(std::move(j));
  }
  json_object out;
  out["accepted"] = accepted;
  out["results"] = std::move(results);
  return make_reply(200, out);
}

void submit_one(edge_pointer self, std::uint64_t id, const mempool_actor& mempool, const std::string& prefix,
                tx_envelope tx) {
  self->request(mempool, caf::infinite, submit_atom::value, std::move(tx))
    .then([self, id, prefix](const admission& verdict) { finish(self, id, single_answer(verdict, prefix)); },
          failed(self, id));
}

void drain(edge_pointer self);

/// Single transactions for the configured chain, handed to the mempool as one batch; each
/// request gets its own verdict. One batch is in flight at a time: what arrives meanwhile waits
/// in the intake, without waking the actor, and goes with the next batch (drain()).
void submit_many(edge_pointer self, std::vector<std::uint64_t> ids, std::vector<tx_envelope> txs) {
  auto& st = self->state;
  st.batch_in_flight = true;
  st.batch_sent = steady::now();
  const auto seq = ++st.batch_seq;
  auto done = [self, seq] {
    if (seq != self->state.batch_seq)
      return;  // the sweep gave up on this batch already
    self->state.batch_in_flight = false;
    drain(self);
  };
  // No timeout on the request: a timeout costs a round through CAF's clock thread per batch. The
  // sweep gives up on a batch that takes longer than the timeout (edgetick).
  self->request(st.config.mempool, caf::infinite, submit_atom::value, std::move(txs))
    .then(
      [self, ids, done](const std::vector<admission>& verdicts) {
        for (std::size_t i = 0; i < ids.size(); ++i)
          finish(self, ids[i],
                 i < verdicts.size()
                   ? single_answer(verdicts[i], "/v1")
                   : make_reply(500, error_json(edge_reason::internal, "the mempool gave fewer verdicts than transactions")));
        done();
      },
      [self, ids, done](const caf::error& err) {
        for (auto id : ids)
          finish(self, id, make_reply(503, error_json(edge_reason::unavailable, self->system().render(err))));
        done();
      });
}

/// Whether a transaction is one of access control's kinds, which take the precheck.
bool is_access_kind(const transaction& tx) {
  return std::visit([](const auto& p) { return std::decay_t<decltype(p)>::module == module_id::access; }, tx.payload);
}

/// Access control's kinds (20-23): their shape here, then the sender's authority at the chain's
/// head, so an unauthorized change is refused now (403) rather than dropped at inclusion. The
/// state rules (already_held, …) are left to inclusion: a change still pending may satisfy them.
/// Calls `next` when the transaction may go on to the mempool.
template <class Next>
void access_precheck(edge_pointer self, std::uint64_t id, const chain_actor& chain, const transaction& tx, Next next) {
  std::optional<acl::scope> authority;
  status shape;
  std::visit(
    [&](const auto& p) {
      using T = std::decay_t<decltype(p)>;
      if constexpr (T::module == module_id::access) {
        shape = acl::check_shape(p);
        authority = acl::authority_scope(p);
      }
    },
    tx.payload);
  if (!authority)
    return next();
  const auto tx_id = to_hex(signing_hash(tx));
  auto refuse = [self, id, tx_id](const error& err) {
    auto j = error_json(err);
    j["error"]["id"] = tx_id;
    finish(self, id, make_reply(status_of_refusal(err.code), j));
  };
  if (!shape.ok())
    return refuse(shape.error());
  access_query q;
  q.what = static_cast<std::uint8_t>(access_query_kind::check);
  q.scope_kind = static_cast<std::uint8_t>(authority->kind);
  q.scope_id = authority->id;
  q.account = address_of(tx.sender);
  q.permission = static_cast<std::uint8_t>(acl::permission::admin);
  const auto what = "only an admin of " + acl::to_string(*authority) + " or of global may send "
                    + std::string(payload_name(tx.payload)) + "; ";
  self->request(chain, caf::infinite, acl_atom::value, q)
    .then(
      [refuse, next, what](const access_answer& answer) mutable {
        // A chain without the module: the mempool refuses the kind itself (kind_not_enabled).
        if (answer.code != 0 || answer.decision == 0)
          return next();
        refuse(make_error(static_cast<errc>(answer.decision), what + answer.decision_detail));
      },
      failed(self, id));
}

/// The chain's handles are known: on to the mempool.
void submit(edge_pointer self, std::uint64_t id, const chain_actor& chain, const mempool_actor& mempool,
            const std::string& prefix) {
  auto i = self->state.pending.find(id);
  if (i == self->state.pending.end())
    return;
  auto job = i->second.job;
  if (job->malformed)
    return finish(self, id, make_reply(400, error_json(*job->malformed)));
  if (!mempool || !chain)
    return finish(self, id, make_reply(503, error_json(edge_reason::unavailable, "the node's actors are not running")));
  if (job->batch) {
    std::vector<tx_envelope> txs;
    for (auto& item : job->items)
      if (item)
        txs.push_back(tx_envelope{*item});
    if (txs.empty())
      return finish(self, id, batch_answer(job->items, {}));
    self->request(mempool, caf::infinite, submit_atom::value, std::move(txs))
      .then([self, id, job](const std::vector<admission>& verdicts) { finish(self, id, batch_answer(job->items, verdicts)); },
            failed(self, id));
    return;
  }
  if (job->items.empty() || !job->items.front())
    return finish(self, id, make_reply(400, error_json(edge_reason::internal, "no transaction to submit")));
  const auto& tx = *job->items.front();
  access_precheck(self, id, chain, tx, [self, id, mempool, prefix, job]() {
    submit_one(self, id, mempool, prefix, tx_envelope{*job->items.front()});
  });
}

/// Notes a job as in flight (answered by finish() or the sweep); its id.
std::uint64_t enter(edge_pointer self, std::shared_ptr<tx_job> job) {
  auto& st = self->state;
  const auto id = st.next_id++;
  const auto deadline = job->received + st.config.timeout;
  st.pending.emplace(id, edge_state::entry{std::move(job), deadline});
  return id;
}

/// Starts serving a job: the configured chain at once, another one once the directory named it.
void start(edge_pointer self, std::shared_ptr<tx_job> job) {
  auto& st = self->state;
  const auto id = enter(self, job);
  if (!job->chain)
    return submit(self, id, st.config.chain, st.config.mempool, "/v1");
  const auto chain = *job->chain;
  const auto prefix = "/v1/chains/" + std::to_string(chain);
  auto not_hosted = [self, id, chain] {
    finish(self, id,
           make_reply(404, error_json(make_error(errc::not_found, "chain " + std::to_string(chain)
                                                                    + " is not hosted on this node (GET /v1/chains lists those that are)"))));
  };
  if (st.config.directory) {
    self->request(st.config.directory, caf::infinite, lookup_atom::value, chain)
      .then(
        [self, id, chain, prefix, not_hosted](const chain_handles& h) {
          if (!h.chain || h.id != chain)
            return not_hosted();
          submit(self, id, h.chain, h.mempool, prefix);
        },
        failed(self, id));
    return;
  }
  self->request(st.config.chain, caf::infinite, info_atom::value)
    .then(
      [self, id, chain, prefix, not_hosted](const chain_info& info) {
        if (info.chain != chain)
          return not_hosted();
        submit(self, id, self->state.config.chain, self->state.config.mempool, prefix);
      },
      failed(self, id));
}

/// Drains the intake: single transactions for the configured chain to the mempool in one batch,
/// every other job on its own. While a batch is in flight this waits for its answer.
void drain(edge_pointer self) {
  auto& st = self->state;
  if (!st.config.intake)
    return;
  while (!st.batch_in_flight) {
    auto jobs = st.config.intake->take();
    if (jobs.empty())
      return;  // the next push wakes the actor
    std::vector<std::uint64_t> ids;
    std::vector<tx_envelope> txs;
    for (auto& job : jobs) {
      if (!job)
        continue;
      const bool plain = !job->chain && !job->batch && !job->malformed && job->items.size() == 1
                         && job->items.front() && st.config.mempool && st.config.chain
                         && !is_access_kind(*job->items.front());
      if (!plain) {
        start(self, std::move(job));
        continue;
      }
      txs.emplace_back(*job->items.front());
      ids.push_back(enter(self, std::move(job)));
    }
    if (!ids.empty())
      submit_many(self, std::move(ids), std::move(txs));
  }
}

} // namespace

void edge_intake::set_actor(caf::actor actor) {
  std::lock_guard lock(mutex_);
  actor_ = std::move(actor);
  if (actor_ && !jobs_.empty() && !woken_) {
    woken_ = true;
    caf::anon_send(actor_, edgewake_atom::value);
  }
}

void edge_intake::push(std::shared_ptr<tx_job> job) {
  caf::actor wake;
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
    if (!woken_ && actor_) {
      woken_ = true;
      wake = actor_;
    }
  }
  if (wake)
    caf::anon_send(wake, edgewake_atom::value);
}

std::vector<std::shared_ptr<tx_job>> edge_intake::take() {
  std::vector<std::shared_ptr<tx_job>> out;
  std::lock_guard lock(mutex_);
  out.swap(jobs_);
  if (out.empty())
    woken_ = false;
  return out;
}

namespace {

caf::behavior edge_impl(edge_pointer self, edge_actor_config config) {
  self->state.config = std::move(config);
  self->set_default_handler(caf::print_and_drop);
  self->delayed_send(self, sweep_every, edgetick_atom::value);
  // A previous instance may have died with a wake in its mailbox: whatever it left is served now.
  self->send(self, edgewake_atom::value);
  return {
    [self](edgewake_atom) { drain(self); },
    [self](edgeping_atom) { return static_cast<std::uint64_t>(self->state.pending.size()); },
    [self](edgetick_atom) {
      auto& st = self->state;
      const auto now = steady::now();
      std::vector<std::uint64_t> late;
      for (const auto& [id, e] : st.pending)
        if (e.deadline <= now)
          late.push_back(id);
      for (auto id : late)
        finish(self, id,
               make_reply(504, error_json(edge_reason::timeout, "the chain did not answer within "
                                                                  + std::to_string(st.config.timeout.count()) + " ms")));
      if (st.batch_in_flight && now - st.batch_sent > st.config.timeout) {
        // The mempool lost the batch (an instance that died holding it): its requests were
        // answered 504 above, and the intake goes on with a new batch.
        ++st.batch_seq;
        st.batch_in_flight = false;
        drain(self);
      }
      self->delayed_send(self, sweep_every, edgetick_atom::value);
    },
  };
}

} // namespace

caf::actor spawn_edge_actor(caf::actor_system& system, edge_actor_config config) {
  return system.spawn(edge_impl, std::move(config));
}

} // namespace bfd::http
