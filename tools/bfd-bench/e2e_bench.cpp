// Runs a whole --dev node in this process and measures transactions from submission to finality.
#include "tools/bfd-bench/e2e_bench.hpp"
#include "tools/bfd-bench/e2e_internal.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>
#include <unistd.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <fmt/format.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "chains/codec/transaction_codec.hpp"
#include "chains/core/hex.hpp"
#include "chains/crypto/hash.hpp"
#include "chains/storage/rocksdb/node_store.hpp"
#include "runtime/dev_network.hpp"
#include "runtime/node.hpp"

namespace bfd::bench {

namespace detail {

namespace {
using pace_atom = caf::atom_constant<caf::atom("pace")>;
} // namespace

result<key_pair> account_key(std::size_t index) {
  byte seed[24] = {'b', 'f', 'd', '-', 'b', 'e', 'n', 'c', 'h', '-', 'e', '2', 'e', '-', 'a', 'c'};
  for (int i = 0; i < 8; ++i)
    seed[16 + i] = static_cast<byte>(static_cast<std::uint64_t>(index) >> (56 - 8 * i));
  secret_key secret;
  secret.data = sha256(byte_view{seed, sizeof seed}).data;
  return key_pair_from_secret(secret);
}

result<workload> build_workload(const e2e_bench_options& o, bool http, chain_id chain) {
  workload w;
  w.accounts = o.accounts;
  std::vector<std::optional<key_pair>> keys(o.accounts);
  parallel_for(o.accounts, o.threads, [&](std::size_t i) {
    if (auto k = account_key(i))
      keys[i] = *k;
  });
  std::vector<address> addrs;
  addrs.reserve(o.accounts);
  for (const auto& k : keys) {
    if (!k)
      return make_error(errc::bad_secret_key, "a derived account key is invalid");
    addrs.push_back(address_of(k->pub));
    w.allocations.push_back({addrs.back(), account_balance});
  }
  std::vector<transaction> txs(o.txs);
  parallel_for(o.txs, o.threads, [&](std::size_t i) {
    const std::size_t sender = i % o.accounts;
    transaction& tx = txs[i];
    tx.chain = chain;
    tx.nonce = i / o.accounts;
    tx.fee = transfer_fee;
    tx.expiry = transfer_expiry;
    tx.payload = transfer_payload{addrs[(sender * 7 + i + 1) % o.accounts], 1'000 + i % 100'000};
    hash256 aux;
    for (int b = 0; b < 8; ++b)
      aux.data[b] = static_cast<byte>(static_cast<std::uint64_t>(i) >> (56 - 8 * b));
    sign_transaction(tx, *keys[sender], aux);
  });
  w.ids.resize(o.txs);
  parallel_for(o.txs, o.threads, [&](std::size_t i) { w.ids[i] = signing_hash(txs[i]); });
  w.index.reserve(o.txs);
  for (std::size_t i = 0; i < o.txs; ++i)
    if (!w.index.emplace(w.ids[i], static_cast<std::uint32_t>(i)).second)
      return make_error(errc::invalid_argument, fmt::format("transaction {} repeats an id", i));
  if (http) {
    w.http_bodies.resize(o.txs);
    w.http_hex.resize(o.txs);
    parallel_for(o.txs, o.threads, [&](std::size_t i) {
      w.http_hex[i] = to_hex(codec::encode(txs[i]));
      w.http_bodies[i] = "{\"hex\":\"" + w.http_hex[i] + "\"}";
    });
  }
  w.txs.reserve(o.txs);
  for (auto& tx : txs)
    w.txs.emplace_back(std::move(tx));
  return w;
}

// The mempool path ---------------------------------------------------------------------------

namespace {

/// State of the submitting actor: keeps `window` transactions in flight, paced if a rate is set.
struct mempool_submitter {
  const workload* w = nullptr;
  submissions* out = nullptr;
  mempool_actor mempool;
  std::size_t window = 1;
  std::size_t batch = 1;  ///< transactions per submission message
  double rate = 0;
  std::int64_t start_ns = 0;
  std::size_t next = 0;
  std::size_t inflight = 0;
  std::size_t answers = 0;
  bool tick_pending = false;
  bool finished = false;
  std::promise<void> done;

  std::int64_t due_ns(std::size_t i) const {
    return start_ns + static_cast<std::int64_t>(static_cast<double>(i) * 1e9 / rate);
  }

  void answered(std::size_t i, bool ok, const std::string& reason) {
    out->last_answer_ns = now_ns();
    --inflight;
    ++answers;
    if (ok) {
      out->accepted[i] = 1;
      out->admitted.fetch_add(1, std::memory_order_relaxed);
    } else {
      ++out->refused[reason];
    }
  }
};

void pump(caf::event_based_actor* self, const std::shared_ptr<mempool_submitter>& s) {
  const std::size_t n = s->w->txs.size();
  while (s->next < n && s->inflight < s->window) {
    const auto now = now_ns();
    if (s->rate > 0 && now < s->due_ns(s->next)) {
      if (!s->tick_pending) {
        s->tick_pending = true;
        self->delayed_send(self, std::chrono::nanoseconds(s->due_ns(s->next) - now), pace_atom::value);
      }
      break;
    }
    // A batch of what is due (one message, verified in parallel by the node's verifiers).
    std::vector<std::size_t> ids;
    std::vector<tx_envelope> batch;
    while (s->next < n && s->inflight < s->window && ids.size() < s->batch
           && (s->rate <= 0 || now >= s->due_ns(s->next))) {
      const auto i = s->next++;
      ++s->inflight;
      s->out->submit_ns[i] = now;
      ids.push_back(i);
      batch.push_back(s->w->txs[i]);
    }
    s->out->sent.fetch_add(ids.size(), std::memory_order_relaxed);
    if (batch.size() == 1) {
      const auto i = ids[0];
      self->request(s->mempool, std::chrono::seconds(60), submit_atom::value, batch[0])
        .then(
          [self, s, i](const admission& a) {
            s->answered(i, a.code == 0, std::string(to_string(static_cast<errc>(a.code))));
            pump(self, s);
          },
          [self, s, i](const caf::error& e) {
            s->answered(i, false, "actor_error: " + self->system().render(e));
            pump(self, s);
          });
      continue;
    }
    self->request(s->mempool, std::chrono::seconds(60), submit_atom::value, std::move(batch))
      .then(
        [self, s, ids](const std::vector<admission>& as) {
          for (std::size_t k = 0; k < ids.size(); ++k) {
            const bool ok = k < as.size() && as[k].code == 0;
            s->answered(ids[k], ok, k < as.size() ? std::string(to_string(static_cast<errc>(as[k].code))) : "no_answer");
          }
          pump(self, s);
        },
        [self, s, ids](const caf::error& e) {
          for (auto i : ids)
            s->answered(i, false, "actor_error: " + self->system().render(e));
          pump(self, s);
        });
  }
  if (s->answers == n && !s->finished) {
    s->finished = true;
    s->done.set_value();
    self->quit();
  }
}

caf::behavior mempool_submitter_impl(caf::event_based_actor* self, std::shared_ptr<mempool_submitter> s) {
  s->start_ns = now_ns();
  s->out->first_ns = s->start_ns;
  pump(self, s);
  return {
    [=](pace_atom) {
      s->tick_pending = false;
      pump(self, s);
    },
  };
}

} // namespace

void submit_to_mempool(caf::actor_system& system, const mempool_actor& mempool, const workload& w,
                       const e2e_bench_options& o, double rate, submissions& out) {
  auto s = std::make_shared<mempool_submitter>();
  s->w = &w;
  s->out = &out;
  s->mempool = mempool;
  s->window = std::max<std::size_t>(o.window, 1);
  s->batch = std::max<std::size_t>(o.batch, 1);
  s->rate = rate;
  auto finished = s->done.get_future();
  system.spawn(mempool_submitter_impl, s);
  finished.wait();
}

// The HTTP path --------------------------------------------------------------------------------

namespace {

/// The refusal reason of an HTTP answer: the JSON error code, or the status.
std::string http_reason(const httplib::Result& res) {
  if (!res)
    return "http_transport: " + httplib::to_string(res.error());
  auto j = nlohmann::json::parse(res->body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_object() && j["error"].contains("code")
      && j["error"]["code"].is_string())
    return j["error"]["code"].get<std::string>();
  return fmt::format("http_{}", res->status);
}

} // namespace

void submit_over_http(std::uint16_t port, const workload& w, const e2e_bench_options& o, double rate,
                      submissions& out, const std::atomic<bool>* stop) {
  auto stopped = [stop] { return stop && stop->load(); };
  const std::size_t n = w.txs.size();
  std::atomic<std::size_t> next{0};
  std::mutex merge;
  out.first_ns = now_ns();
  const auto start_ns = out.first_ns;
  std::vector<std::thread> clients;
  for (std::size_t c = 0; c < std::max<std::size_t>(o.concurrency, 1); ++c)
    clients.emplace_back([&] {
      httplib::Client cli("127.0.0.1", port);
      cli.set_keep_alive(true);
      cli.set_tcp_nodelay(true);  // as curl and browsers do: no Nagle stall on the client side
      cli.set_connection_timeout(5, 0);
      cli.set_read_timeout(60, 0);
      cli.set_write_timeout(10, 0);
      std::map<std::string, std::size_t> refused;
      std::int64_t last = 0;
      const std::size_t batch = std::max<std::size_t>(o.http_batch, 1);
      for (;;) {
        const auto first = next.fetch_add(batch);
        if (first >= n)
          break;
        const auto end = std::min(n, first + batch);
        if (rate > 0) {
          const auto due = start_ns + static_cast<std::int64_t>(static_cast<double>(first) * 1e9 / rate);
          for (auto wait = due - now_ns(); wait > 0 && !stopped(); wait = due - now_ns())
            std::this_thread::sleep_for(std::chrono::nanoseconds(std::min<std::int64_t>(wait, 100'000'000)));
        }
        if (stopped())
          break;
        const auto sent_ns = now_ns();
        for (auto i = first; i < end; ++i)
          out.submit_ns[i] = sent_ns;
        out.sent.fetch_add(end - first, std::memory_order_relaxed);
        if (batch == 1) {
          const auto i = first;
          // A keep-alive connection the server closed surfaces as a transport error: resend, as a
          // client would (a repeated transaction is answered "already pending", so it is idempotent).
          auto res = cli.Post("/v1/txs", w.http_bodies[i], "application/json");
          for (int attempt = 0; !res && attempt < 2; ++attempt) {
            out.retries.fetch_add(1, std::memory_order_relaxed);
            res = cli.Post("/v1/txs", w.http_bodies[i], "application/json");
          }
          last = now_ns();
          out.answer_ns[i] = last;
          if (res && res->status == 202) {
            out.accepted[i] = 1;
            out.admitted.fetch_add(1, std::memory_order_relaxed);
          } else {
            ++refused[http_reason(res)];
          }
          continue;
        }
        // POST /v1/txs/batch: one request, one verdict per transaction.
        std::string body = "{\"txs\":[";
        for (auto i = first; i < end; ++i) {
          body += i == first ? "\"" : ",\"";
          body += w.http_hex[i];
          body += '"';
        }
        body += "]}";
        auto res = cli.Post("/v1/txs/batch", body, "application/json");
        for (int attempt = 0; !res && attempt < 2; ++attempt) {
          out.retries.fetch_add(1, std::memory_order_relaxed);
          res = cli.Post("/v1/txs/batch", body, "application/json");
        }
        last = now_ns();
        for (auto i = first; i < end; ++i)
          out.answer_ns[i] = last;
        auto j = res && res->status == 200 ? nlohmann::json::parse(res->body, nullptr, false) : nlohmann::json();
        const auto* results = j.is_object() && j.contains("results") && j["results"].is_array() ? &j["results"] : nullptr;
        for (auto i = first; i < end; ++i) {
          const auto k = i - first;
          if (results && k < results->size() && (*results)[k].contains("id") && !(*results)[k].contains("error")) {
            out.accepted[i] = 1;
            out.admitted.fetch_add(1, std::memory_order_relaxed);
          } else if (results && k < results->size() && (*results)[k].contains("error")) {
            ++refused[(*results)[k]["error"].value("code", std::string("error"))];
          } else {
            ++refused[http_reason(res)];
          }
        }
      }
      std::lock_guard guard{merge};
      for (const auto& [reason, count] : refused)
        out.refused[reason] += count;
      out.last_answer_ns = std::max(out.last_answer_ns, last);
    });
  for (auto& t : clients)
    t.join();
}

// Finality -------------------------------------------------------------------------------------



/// Polls the chain's final height every poll_ms and fetches each new final block by height,
/// stamping the bench transactions in it; stops once every expected one is final or at the
/// deadline. Also samples the mempool's size.
void track_finality(caf::actor_system& system, const chain_actor& chain, const mempool_actor& mempool,
                    const workload& w, const e2e_bench_options& o, const std::string& label,
                    const submissions& subs, finality& f) {
  caf::scoped_actor self{system};
  const auto timeout = std::chrono::seconds(30);
  std::uint64_t seen = 0;
  auto next_progress = now_ns() + 2'000'000'000;
  const auto began = now_ns();
  for (;;) {
    std::optional<chain_info> info;
    self->request(chain, timeout, info_atom::value)
      .receive([&](const chain_info& i) { info = i; },
               [&](const caf::error& e) { f.failure = "chain actor: " + system.render(e); });
    if (!info)
      return;
    const auto observed = now_ns();
    if (f.order.empty())
      f.order = info->order;
    for (auto h = seen + 1; h <= info->final_height; ++h) {
      block_envelope env;
      self->request(chain, timeout, height_atom::value, h)
        .receive([&](const block_envelope& b) { env = b; },
                 [&](const caf::error& e) { f.failure = "chain actor: " + system.render(e); });
      if (!env)
        break;  // asked again at the next poll
      seen = h;
      block_record r{h, env->header.timestamp_ms, env->header.producer, env->txs.size(), 0};
      for (const auto& tx : env->txs)
        if (auto i = w.index.find(signing_hash(tx)); i != w.index.end() && f.final_ns[i->second] == 0) {
          f.final_ns[i->second] = observed;
          ++r.bench_txs;
          ++f.final_count;
          f.last_final_ns = observed;
        }
      f.blocks.push_back(r);
    }
    self->request(mempool, timeout, size_atom::value)
      .receive([&](std::uint64_t size) { f.mempool_peak = std::max(f.mempool_peak, size); },
               [&](const caf::error&) {});
    const auto now = now_ns();
    if (o.progress && now >= next_progress) {
      next_progress = now + 2'000'000'000;
      fmt::print(stderr, "e2e {}: {:5.1f} s  submitted {}/{}  accepted {}  final {}  (final #{})\n", label,
                 seconds_between(began, now), subs.sent.load(), w.txs.size(), subs.admitted.load(), f.final_count,
                 info->final_height);
    }
    if (f.submitted.load()) {
      if (f.final_count >= f.expected.load() || now >= f.deadline_ns.load())
        return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(o.poll_ms));
  }
}

// One run --------------------------------------------------------------------------------------

} // namespace detail

namespace {

using namespace detail;

/// Fills the block, slot and category figures from the final blocks up to the last one that
/// holds bench transactions.
void block_figures(const finality& f, const genesis_config& genesis, e2e_run_report& r) {
  const auto& p = genesis.params;
  std::map<public_key, std::uint32_t> category_of;
  for (const auto& vm : genesis.vms)
    category_of[vm.key] = vm.category;
  for (const auto& c : p.categories)
    r.categories.push_back({c.name, c.compute_weight, 0, 0, 0, 0, 0});
  std::size_t last = 0;
  for (std::size_t i = 0; i < f.blocks.size(); ++i)
    if (f.blocks[i].bench_txs > 0)
      last = i + 1;
  std::vector<std::set<std::uint64_t>> slots_of(p.categories.size());
  std::uint64_t last_slot = 0;
  for (std::size_t i = 0; i < last; ++i) {
    const auto& b = f.blocks[i];
    const auto g = b.timestamp_ms >= p.genesis_time_ms ? (b.timestamp_ms - p.genesis_time_ms) / p.slot_ms : 0;
    last_slot = std::max(last_slot, g);
    ++r.blocks;
    if (b.txs == 0)
      ++r.empty_blocks;
    r.max_block_txs = std::max(r.max_block_txs, b.txs);
    auto c = category_of.find(b.producer);
    if (c == category_of.end() || c->second >= r.categories.size())
      continue;
    auto& cat = r.categories[c->second];
    slots_of[c->second].insert(g);
    ++cat.blocks;
    cat.txs += b.txs;
    cat.max_block_txs = std::max(cat.max_block_txs, b.txs);
    cat.capacity += static_cast<std::uint64_t>(p.base_block_txs) * cat.weight;
  }
  for (std::size_t c = 0; c < r.categories.size(); ++c)
    r.categories[c].slots = slots_of[c].size();
  r.slots = last > 0 ? last_slot + 1 : 0;
  // The schedule's ceiling: each cluster member's slot holds `weight` blocks of
  // base_block_txs * weight transactions.
  r.cluster_size = static_cast<std::uint32_t>(f.order.size());
  double per_round = 0;
  for (const auto& key : f.order)
    if (auto c = category_of.find(key); c != category_of.end() && c->second < p.categories.size()) {
      const double weight = p.categories[c->second].compute_weight;
      per_round += weight * weight * p.base_block_txs;
    }
  if (!f.order.empty())
    r.slot_capacity_tps = per_round / (static_cast<double>(f.order.size()) * static_cast<double>(p.slot_ms) / 1000.0);
}

result<e2e_run_report> run_once(const e2e_bench_options& o, const workload& w, submit_path path, double rate) {
  const char* label = path == submit_path::mempool ? "mempool" : "http";
  e2e_run_report r;
  r.path = path;
  r.offered_rate = rate;
  const auto setup_start = now_ns();
  wall_clock wall;
  auto made = prepare_bench_network(o.delegates, o.slot_ms, o.work_bits, o.block_txs, wall.now_ms());
  if (!made)
    return made.error();
  const auto& dir = (*made)->dir;
  auto* net = &(*made)->net;
  auto genesis = net->genesis;
  genesis.allocations.insert(genesis.allocations.end(), w.allocations.begin(), w.allocations.end());
  // Generating keys and hash chains takes seconds for many delegates: start the chain after it.
  genesis.params.genesis_time_ms = (wall.now_ms() / 1000 + 1) * 1000;

  runtime::node_options opts;
  opts.genesis = genesis;
  opts.delegates = net->delegates;
  opts.reporter = net->reporter;
  opts.time = std::make_shared<wall_clock>();
  opts.self_ticking = true;
  auto db = open_bench_store(o.store, o.durability, dir.path.string());
  if (!db)
    return db.error();
  opts.store = std::move(*db);
  if (path == submit_path::http) {
    http_options h;
    h.address = "127.0.0.1";
    h.port = 0;
    h.threads = o.http_threads;
    h.rate_per_second = 0;  // the per-client bound would throttle the benchmark's one IP
    h.timeout = std::chrono::milliseconds(60'000);
    opts.http = h;
  }

  bench_config cfg{o.threads};
  caf::actor_system system{cfg};
  auto started = runtime::node::start(system, std::move(opts));
  if (!started)
    return started.error();
  auto node = std::move(*started);
  // Submissions start with the chain's first slot.
  while (wall.now_ms() < genesis.params.genesis_time_ms)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  r.setup_seconds = seconds_between(setup_start, now_ns());
  reset_peak_rss();
  const double cpu_start = process_cpu_seconds();
  const auto wall_start = now_ns();

  const std::size_t n = w.txs.size();
  submissions subs(n);
  finality fin(n);
  std::thread tracker([&] { track_finality(system, node->chain(), node->mempool(), w, o, label, subs, fin); });
  if (path == submit_path::mempool)
    submit_to_mempool(system, node->mempool(), w, o, rate, subs);
  else if (o.http_batch <= 1 && !o.http_client_threads)
    submit_singles_polled(node->http()->port(), w, o, rate, subs);
  else
    submit_over_http(node->http()->port(), w, o, rate, subs);

  // A refused transaction strands its sender's later nonces: they can never become final.
  std::size_t expected = 0;
  for (std::size_t s = 0; s < w.accounts; ++s)
    for (std::size_t i = s; i < n && subs.accepted[i]; i += w.accounts)
      ++expected;
  fin.expected = expected;
  fin.deadline_ns = now_ns() + static_cast<std::int64_t>(o.timeout_s * 1e9);
  fin.submitted = true;
  tracker.join();
  r.peak_rss_mb = peak_rss_mb();
  if (const double wall = seconds_between(wall_start, now_ns()); wall > 0)
    r.cpu_cores = (process_cpu_seconds() - cpu_start) / wall;
  node->stop();
  node.reset();

  if (!fin.failure.empty())
    return make_error(errc::io, fmt::format("{} run: {}", label, fin.failure));
  r.submitted = subs.sent.load();
  r.accepted = subs.admitted.load();
  r.refused = subs.refused;
  r.retries = subs.retries.load();
  r.expected_final = expected;
  r.final_count = fin.final_count;
  r.complete = fin.final_count >= expected;
  r.mempool_peak = fin.mempool_peak;
  r.submit_seconds = seconds_between(subs.first_ns, subs.last_answer_ns);
  r.submit_tps = r.submit_seconds > 0 ? static_cast<double>(r.accepted) / r.submit_seconds : 0;
  if (fin.final_count > 0) {
    r.final_seconds = seconds_between(subs.first_ns, fin.last_final_ns);
    r.final_tps = r.final_seconds > 0 ? static_cast<double>(fin.final_count) / r.final_seconds : 0;
  }
  std::vector<double> latencies;
  latencies.reserve(fin.final_count);
  for (std::size_t i = 0; i < n; ++i)
    if (fin.final_ns[i] != 0 && subs.submit_ns[i] != 0)
      latencies.push_back(static_cast<double>(fin.final_ns[i] - subs.submit_ns[i]) / 1e6);
  r.latency = summarize(std::move(latencies));
  std::vector<double> answers;
  for (std::size_t i = 0; i < n; ++i)
    if (subs.answer_ns[i] != 0 && subs.submit_ns[i] != 0)
      answers.push_back(static_cast<double>(subs.answer_ns[i] - subs.submit_ns[i]) / 1e6);
  r.submit_latency = summarize(std::move(answers));
  r.p99_slots = r.latency.p99_ms / static_cast<double>(o.slot_ms);
  block_figures(fin, genesis, r);
  return r;
}

} // namespace

result<e2e_bench_report> run_e2e_bench(const e2e_bench_options& options) {
  using namespace detail;
  const auto& o = options;
  if (o.txs == 0 || o.accounts == 0 || o.threads == 0)
    return make_error(errc::invalid_argument, "--txs, --accounts and --threads must be at least 1");
  if (o.path != "mempool" && o.path != "http" && o.path != "both")
    return make_error(errc::invalid_argument, "--path must be mempool, http or both");
  if (o.store != "rocksdb" && o.store != "memory")
    return make_error(errc::invalid_argument, "--store must be rocksdb or memory");
  if (o.rate < 0)
    return make_error(errc::invalid_argument, "--rate must not be negative");
  std::vector<submit_path> paths;
  if (o.path != "http")
    paths.push_back(submit_path::mempool);
  if (o.path != "mempool")
    paths.push_back(submit_path::http);

  e2e_bench_report report;
  report.options = o;
  const auto sign_start = now_ns();
  auto w = build_workload(o, o.path != "mempool", mainchain_id);
  if (!w)
    return w.error();
  report.sign_seconds = seconds_between(sign_start, now_ns());
  report.raw_verify_per_second = raw_verify_rate(*w, o.threads);
  if (report.raw_verify_per_second == 0)
    return make_error(errc::bad_signature, "a pre-made signature does not verify");
  for (auto path : paths) {
    auto run = run_once(o, *w, path, o.rate);
    if (!run)
      return run.error();
    report.runs.push_back(std::move(*run));
    if (o.latency_run) {
      const double half = report.runs.back().final_tps / 2;
      if (half <= 0)
        continue;
      auto second = run_once(o, *w, path, half);
      if (!second)
        return second.error();
      second->half_load = true;
      report.runs.push_back(std::move(*second));
    }
  }
  return report;
}

namespace {

const char* path_name(submit_path p) {
  return p == submit_path::mempool ? "mempool" : "http";
}

std::string run_label(const e2e_run_report& r) {
  if (r.half_load)
    return fmt::format("{} @half", path_name(r.path));
  if (r.offered_rate > 0)
    return fmt::format("{} @{:.0f}/s", path_name(r.path), r.offered_rate);
  return path_name(r.path);
}


} // namespace

std::string format_table(const e2e_bench_report& rep) {
  const auto& o = rep.options;
  const std::uint32_t cluster = rep.runs.empty() ? 0 : rep.runs.front().cluster_size;
  std::string out = fmt::format(
    "bfd-bench e2e: {} transfers from {} accounts; {} delegates (cluster of {}), slot {} ms; store {}{}; "
    "{} actor thread{}\n",
    o.txs, o.accounts, o.delegates, cluster, o.slot_ms, o.store, o.store == "rocksdb" ? " (" + o.durability + ")" : "",
    o.threads, o.threads == 1 ? "" : "s");
  out += fmt::format("raw Schnorr verify on {} thread{}: {:.0f}/s; pre-signing took {:.2f} s (not counted)\n",
                     o.threads, o.threads == 1 ? "" : "s", rep.raw_verify_per_second, rep.sign_seconds);
  out += fmt::format("mempool path: {} transactions in flight, {} per message; http path: {} client threads, "
                     "{} server threads; base_block_txs {}\n\n",
                     o.window, o.batch, o.concurrency, o.http_threads, o.block_txs);
  constexpr int label_width = 30;
  constexpr int column_width = 16;
  auto row = [&](const std::string& label, auto cell) {
    out += fmt::format("{:<{}}", label, label_width);
    for (const auto& r : rep.runs)
      out += fmt::format("{:>{}}", cell(r), column_width);
    out += "\n";
  };
  auto num = [](double v) { return fmt::format("{:.0f}", v); };
  row("run", [](const e2e_run_report& r) { return run_label(r); });
  row("offered tx/s", [&](const e2e_run_report& r) { return r.offered_rate > 0 ? num(r.offered_rate) : "max"; });
  row("accepted / submitted", [](const e2e_run_report& r) { return fmt::format("{}/{}", r.accepted, r.submitted); });
  row("final / expected", [](const e2e_run_report& r) {
    return fmt::format("{}/{}{}", r.final_count, r.expected_final, r.complete ? "" : "!");
  });
  row("submission tx/s", [&](const e2e_run_report& r) { return num(r.submit_tps); });
  row("final tx/s", [&](const e2e_run_report& r) { return num(r.final_tps); });
  row("final / raw verify", [&](const e2e_run_report& r) {
    return fmt::format("{:.3f}", ratio(r.final_tps, rep.raw_verify_per_second));
  });
  row("latency p50 ms", [&](const e2e_run_report& r) { return num(r.latency.p50_ms); });
  row("latency p90 ms", [&](const e2e_run_report& r) { return num(r.latency.p90_ms); });
  row("latency p99 ms", [&](const e2e_run_report& r) { return num(r.latency.p99_ms); });
  row("latency max ms", [&](const e2e_run_report& r) { return num(r.latency.max_ms); });
  row("submission p50 ms", [&](const e2e_run_report& r) { return fmt::format("{:.1f}", r.submit_latency.p50_ms); });
  row("submission p99 ms", [&](const e2e_run_report& r) { return fmt::format("{:.1f}", r.submit_latency.p99_ms); });
  row("submission max ms", [&](const e2e_run_report& r) { return fmt::format("{:.1f}", r.submit_latency.max_ms); });
  row("latency p99 in slots", [](const e2e_run_report& r) { return fmt::format("{:.2f}", r.p99_slots); });
  row("final blocks / slots", [](const e2e_run_report& r) { return fmt::format("{}/{}", r.blocks, r.slots); });
  row("blocks per slot", [&](const e2e_run_report& r) {
    return fmt::format("{:.2f}", ratio(static_cast<double>(r.blocks), static_cast<double>(r.slots)));
  });
  row("empty blocks", [](const e2e_run_report& r) { return fmt::format("{}", r.empty_blocks); });
  row("largest block (txs)", [](const e2e_run_report& r) { return fmt::format("{}", r.max_block_txs); });
  row("schedule ceiling tx/s", [&](const e2e_run_report& r) { return num(r.slot_capacity_tps); });
  if (!rep.runs.empty())
    for (std::size_t c = 0; c < rep.runs.front().categories.size(); ++c) {
      const auto& first = rep.runs.front().categories[c];
      row(fmt::format("{} (w{}) blocks/slots/fill", first.name, first.weight), [c](const e2e_run_report& r) {
        const auto& k = r.categories[c];
        return fmt::format("{}/{}/{:.0f}%", k.blocks, k.slots,
                           100 * ratio(static_cast<double>(k.txs), static_cast<double>(k.capacity)));
      });
    }
  row("mempool peak (txs)", [](const e2e_run_report& r) { return fmt::format("{}", r.mempool_peak); });
  row("peak RSS MiB", [](const e2e_run_report& r) { return fmt::format("{:.0f}", r.peak_rss_mb); });
  row("CPU cores busy (process)", [](const e2e_run_report& r) { return fmt::format("{:.2f}", r.cpu_cores); });
  row("setup s (not timed)", [](const e2e_run_report& r) { return fmt::format("{:.1f}", r.setup_seconds); });
  for (const auto& r : rep.runs)
    out += fmt::format("refused ({}): {}{}\n", run_label(r), refused_text(r.refused),
                       r.retries ? fmt::format("; {} HTTP requests resent after a transport error", r.retries) : "");
  return out;
}

std::string format_json_line(const e2e_bench_report& rep) {
  const auto& o = rep.options;
  nlohmann::ordered_json j;
  j["bench"] = "e2e";
  j["txs"] = o.txs;
  j["accounts"] = o.accounts;
  j["delegates"] = o.delegates;
  j["slot_ms"] = o.slot_ms;
  j["batch"] = o.batch;
  j["http_batch"] = o.http_batch;
  j["block_txs"] = o.block_txs;
  j["store"] = o.store;
  j["durability"] = o.store == "rocksdb" ? o.durability : "none";
  j["threads"] = o.threads;
  j["window"] = o.window;
  j["concurrency"] = o.concurrency;
  j["http_threads"] = o.http_threads;
  j["raw_verify_per_s"] = std::llround(rep.raw_verify_per_second);
  auto round3 = [](double v) { return round_to(v, 3); };
  auto round1 = [](double v) { return round_to(v, 1); };
  j["runs"] = nlohmann::ordered_json::array();
  for (const auto& r : rep.runs) {
    nlohmann::ordered_json x;
    x["path"] = path_name(r.path);
    x["load"] = r.half_load ? "half" : (r.offered_rate > 0 ? "rate" : "max");
    x["offered_rate"] = std::llround(r.offered_rate);
    x["submitted"] = r.submitted;
    x["accepted"] = r.accepted;
    x["refused"] = nlohmann::ordered_json::object();
    for (const auto& [reason, count] : r.refused)
      x["refused"][reason] = count;
    x["retries"] = r.retries;
    x["expected_final"] = r.expected_final;
    x["final"] = r.final_count;
    x["complete"] = r.complete;
    x["submit_tps"] = std::llround(r.submit_tps);
    x["final_tps"] = std::llround(r.final_tps);
    x["final_over_raw_verify"] = round3(ratio(r.final_tps, rep.raw_verify_per_second));
    x["latency_ms"] = {{"p50", round1(r.latency.p50_ms)},
                       {"p90", round1(r.latency.p90_ms)},
                       {"p99", round1(r.latency.p99_ms)},
                       {"max", round1(r.latency.max_ms)}};
    x["submit_latency_ms"] = {{"p50", round1(r.submit_latency.p50_ms)},
                              {"p99", round1(r.submit_latency.p99_ms)},
                              {"max", round1(r.submit_latency.max_ms)}};
    x["p99_slots"] = round3(r.p99_slots);
    x["blocks"] = r.blocks;
    x["empty_blocks"] = r.empty_blocks;
    x["slots"] = r.slots;
    x["blocks_per_slot"] = round3(ratio(static_cast<double>(r.blocks), static_cast<double>(r.slots)));
    x["max_block_txs"] = r.max_block_txs;
    x["schedule_ceiling_tps"] = std::llround(r.slot_capacity_tps);
    x["cluster"] = r.cluster_size;
    x["categories"] = nlohmann::ordered_json::object();
    for (const auto& c : r.categories)
      x["categories"][c.name] = {{"weight", c.weight}, {"slots", c.slots},   {"blocks", c.blocks},
                                 {"txs", c.txs},       {"capacity", c.capacity}};
    x["mempool_peak"] = r.mempool_peak;
    x["peak_rss_mb"] = round1(r.peak_rss_mb);
    x["cpu_cores"] = round3(r.cpu_cores);
    x["setup_s"] = round1(r.setup_seconds);
    j["runs"].push_back(std::move(x));
  }
  return j.dump();
}

} // namespace bfd::bench
