// The HTTP bridge: cpp-httplib routes, a per-client rate bound, actor requests with timeouts and
// Prometheus metrics rendered from a registry the bridge owns.
#include "actors/http/http_bridge.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/sec.hpp>
#include <httplib.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <spdlog/spdlog.h>

#include "chains/core/hex.hpp"
#include "protocols/json.hpp"

namespace bfd {

namespace {

using steady = std::chrono::steady_clock;
using handled = httplib::Server::HandlerResponse;

/// Paths longer than this match no route; checked before cpp-httplib's regular expressions run.
constexpr std::size_t max_path_length = 512;
/// A schedule never lists more slots than this.
constexpr std::size_t max_schedule_slots = 10'000;
/// Client IPs the rate limiter remembers before forgetting the idle ones.
constexpr std::size_t max_tracked_clients = 10'000;

// Routes -----------------------------------------------------------------------------------------

/// One route: its method and path template ("{…}" matches one non-empty segment). The template
/// is also the route's label in /metrics.
struct route_spec {
  std::string_view method;
  std::string_view path;
};

constexpr route_spec route_info{"GET", "/v1/info"};
constexpr route_spec route_block{"GET", "/v1/blocks/{id}"};
constexpr route_spec route_tx{"GET", "/v1/txs/{id}"};
constexpr route_spec route_submit{"POST", "/v1/txs"};
constexpr route_spec route_submit_batch{"POST", "/v1/txs/batch"};
constexpr route_spec route_account{"GET", "/v1/accounts/{address}"};
constexpr route_spec route_delegates{"GET", "/v1/delegates"};
constexpr route_spec route_schedule{"GET", "/v1/schedule"};
constexpr route_spec route_healthz{"GET", "/healthz"};
constexpr route_spec route_metrics{"GET", "/metrics"};
constexpr std::array<const route_spec*, 10> routes = {&route_info,     &route_block,        &route_tx,
                                                      &route_submit,   &route_submit_batch, &route_account,
                                                      &route_delegates, &route_schedule,   &route_healthz,
                                                      &route_metrics};
constexpr std::string_view unmatched_label = "unmatched";

bool path_matches(std::string_view pattern, std::string_view path) {
  while (!pattern.empty() && !path.empty()) {
    if (pattern.front() != '/' || path.front() != '/')
      return false;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    const auto p_end = std::min(pattern.find('/'), pattern.size());
    const auto s_end = std::min(path.find('/'), path.size());
    const auto p_seg = pattern.substr(0, p_end);
    const auto s_seg = path.substr(0, s_end);
    if (p_seg.starts_with('{') ? s_seg.empty() : p_seg != s_seg)
      return false;
    pattern.remove_prefix(p_end);
    path.remove_prefix(s_end);
  }
  return pattern.empty() && path.empty();
}

/// What the routing table says about a request.
struct route_match {
  const route_spec* route = nullptr;  ///< the route serving it
  const route_spec* path = nullptr;   ///< a route with this path (for another method, maybe)
  std::string allow;                  ///< the methods this path accepts
};

route_match match_route(std::string_view method, std::string_view path) {
  route_match m;
  for (const auto* r : routes) {
    if (!path_matches(r->path, path))
      continue;
    if (!m.path)
      m.path = r;
    if (!m.allow.empty())
      m.allow += ", ";
    m.allow += r->method;
    if (r->method == "GET")
      m.allow += ", HEAD";
    if (method == r->method || (method == "HEAD" && r->method == "GET"))
      m.route = r;
  }
  return m;
}

/// A bounded set of method labels, whatever methods clients invent.
std::string_view method_label(std::string_view method) {
  for (std::string_view known : {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})
    if (method == known)
      return known;
  return "OTHER";
}

/// HTTP status of a refused transaction (docs/http.md): 409 for conflicts with the sender's
/// other transactions, 503 when the pool is full, 400 for everything wrong with the transaction.
int status_of_refusal(errc code) {
  switch (code) {
    case errc::nonce_reused:
    case errc::replacement_underpriced:
    case errc::duplicate: return 409;
    case errc::mempool_full: return 503;
    case errc::storage_io:
    case errc::storage_corrupt:
    case errc::io: return 500;
    default: return 400;
  }
}

void reply(httplib::Response& res, int status, const json_object& body) {
  res.status = status;
  res.set_content(json_text(body), "application/json");
}

std::string clipped(std::string_view text, std::size_t max = 100) {
  if (text.size() <= max)
    return std::string(text);
  return std::string(text.substr(0, max)) + "…";
}

/// A decimal block height: digits only, at most 2^64-1.
std::optional<std::uint64_t> parse_height(std::string_view text) {
  if (text.empty() || text.size() > 20 || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size())
    return std::nullopt;
  return value;
}

// Rate bound ---------------------------------------------------------------------------------

/// A token bucket per client IP: `rate` tokens a second up to `burst`; a request takes one.
class rate_limiter {
public:
  rate_limiter(std::uint32_t rate, std::uint32_t burst)
      : rate_(rate), burst_(std::max<std::uint32_t>(burst, 1)) {}

  bool allow(const std::string& client) {
    if (rate_ == 0)
      return true;
    const auto now = steady::now();
    std::lock_guard lock(mutex_);
    if (buckets_.size() >= max_tracked_clients && !buckets_.count(client))
      forget_idle(now);
    auto [i, fresh] = buckets_.try_emplace(client, bucket{static_cast<double>(burst_), now});
    auto& b = i->second;
    if (!fresh) {
      b.tokens = std::min<double>(burst_, b.tokens + elapsed_seconds(b.last, now) * rate_);
      b.last = now;
    }
    if (b.tokens < 1)
      return false;
    b.tokens -= 1;
    return true;
  }

  std::uint32_t rate() const noexcept { return rate_; }

private:
  struct bucket {
    double tokens;
    steady::time_point last;
  };

  static double elapsed_seconds(steady::time_point from, steady::time_point to) {
    return std::chrono::duration<double>(to - from).count();
  }

  /// Buckets that have refilled are the same as absent ones: drop them, or all if none has.
  void forget_idle(steady::time_point now) {
    for (auto i = buckets_.begin(); i != buckets_.end();) {
      if (i->second.tokens + elapsed_seconds(i->second.last, now) * rate_ >= burst_)
        i = buckets_.erase(i);
      else
        ++i;
    }
    if (buckets_.size() >= max_tracked_clients)
      buckets_.clear();
  }

  const std::uint32_t rate_;
  const std::uint32_t burst_;
  std::mutex mutex_;
  std::unordered_map<std::string, bucket> buckets_;
};

// Metrics ----------------------------------------------------------------------------------------

/// The bridge's own registry: chain gauges refreshed on each scrape, HTTP counters as requests end.
struct bridge_metrics {
  prometheus::Registry registry;
  prometheus::Gauge& head_height;
  prometheus::Gauge& final_height;
  prometheus::Gauge& mempool_size;
  prometheus::Family<prometheus::Gauge>& delegate_blocks;
  prometheus::Family<prometheus::Gauge>& delegate_missed;
  prometheus::Family<prometheus::Gauge>& category_blocks;
  prometheus::Family<prometheus::Gauge>& category_missed;
  prometheus::Family<prometheus::Counter>& requests;
  prometheus::Family<prometheus::Histogram>& latency;
  std::map<std::string_view, prometheus::Histogram*> latency_by_route;

  bridge_metrics()
      : head_height(prometheus::BuildGauge()
                      .Name("bfd_head_height")
                      .Help("Height of the chain's head block")
                      .Register(registry)
                      .Add({})),
        final_height(prometheus::BuildGauge()
                       .Name("bfd_final_height")
                       .Help("Height of the newest final block")
                       .Register(registry)
                       .Add({})),
        mempool_size(prometheus::BuildGauge()
                       .Name("bfd_mempool_transactions")
                       .Help("Transactions pending in the mempool")
                       .Register(registry)
                       .Add({})),
        delegate_blocks(prometheus::BuildGauge()
                          .Name("bfd_delegate_blocks_produced")
                          .Help("Blocks a delegate (VM) produced on the head's chain")
                          .Register(registry)),
        delegate_missed(prometheus::BuildGauge()
                          .Name("bfd_delegate_slots_missed")
                          .Help("Slots a delegate (VM) missed on the head's chain")
                          .Register(registry)),
        category_blocks(prometheus::BuildGauge()
                          .Name("bfd_category_blocks_produced")
                          .Help("Blocks produced by the delegates of a category")
                          .Register(registry)),
        category_missed(prometheus::BuildGauge()
                          .Name("bfd_category_slots_missed")
                          .Help("Slots missed by the delegates of a category")
                          .Register(registry)),
        requests(prometheus::BuildCounter()
                   .Name("bfd_http_requests_total")
                   .Help("HTTP requests answered, by route, method and status")
                   .Register(registry)),
        latency(prometheus::BuildHistogram()
                  .Name("bfd_http_request_duration_seconds")
                  .Help("Time from reading an HTTP request's headers until its response is ready")
                  .Register(registry)) {
    const prometheus::Histogram::BucketBoundaries buckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                          0.1,    0.25,  0.5,    1,     2.5,  5,     10};
    for (const auto* r : routes)
      latency_by_route[r->path] = &latency.Add({{"route", std::string(r->path)}}, buckets);
    latency_by_route[unmatched_label] = &latency.Add({{"route", std::string(unmatched_label)}}, buckets);
  }

  void update(const chain_info& info, const std::vector<delegate_summary>& delegates, const consensus_params& params) {
    head_height.Set(static_cast<double>(info.head_height));
    final_height.Set(static_cast<double>(info.final_height));
    std::vector<std::uint64_t> blocks(params.categories.size(), 0);
    std::vector<std::uint64_t> missed(params.categories.size(), 0);
    for (const auto& d : delegates) {
      const bool known = d.category < params.categories.size();
      const std::string category = known ? params.categories[d.category].name : std::to_string(d.category);
      const prometheus::Labels labels{{"delegate", to_hex(d.key)}, {"category", category}};
      delegate_blocks.Add(labels).Set(static_cast<double>(d.blocks_produced));
      delegate_missed.Add(labels).Set(static_cast<double>(d.slots_missed));
      if (known) {
        blocks[d.category] += d.blocks_produced;
        missed[d.category] += d.slots_missed;
      }
    }
    for (std::size_t c = 0; c < params.categories.size(); ++c) {
      category_blocks.Add({{"category", params.categories[c].name}}).Set(static_cast<double>(blocks[c]));
      category_missed.Add({{"category", params.categories[c].name}}).Set(static_cast<double>(missed[c]));
    }
  }
};

/// The request being served on this thread: cpp-httplib runs a request's pre-routing handler,
/// handler and post-routing handler on one thread, so this carries the start time and route label
/// between them.
struct request_context {
  bool active = false;
  steady::time_point start;
  std::string_view route = unmatched_label;
};

thread_local request_context current_request;

} // namespace

// The server ----------------------------------------------------------------------------------

struct http_bridge::impl {
  caf::actor_system& system;
  http_bridge_config config;
  std::shared_ptr<const clock> time;
  bridge_metrics metrics;
  rate_limiter limiter;
  httplib::Server server;
  std::thread thread;
  std::uint16_t port = 0;
  std::mutex stop_mutex;
  bool stopped = false;

  impl(caf::actor_system& sys, http_bridge_config cfg)
      : system(sys),
        config(std::move(cfg)),
        time(config.time ? config.time : std::make_shared<wall_clock>()),
        limiter(config.options.rate_per_second, config.options.burst) {}

  /// Asks an actor and waits at most the configured timeout. On failure, writes the error
  /// response into `res` (unless it is null) and returns nothing.
  template <class T, class Handle, class... Ts>
  std::optional<T> ask(caf::scoped_actor& self, httplib::Response* res, const Handle& dest, const Ts&... xs) {
    std::optional<T> out;
    if (!dest) {
      if (res)
        reply(*res, 503, error_json(edge_reason::unavailable, "the node's actors are not running"));
      return out;
    }
    self->request(dest, config.options.timeout, xs...)
      .receive([&](const T& value) { out = value; },
               [&](const caf::error& err) {
                 if (!res)
                   return;
                 if (err == caf::sec::request_timeout)
                   reply(*res, 504, error_json(edge_reason::timeout, "the chain did not answer within "
                                                                       + std::to_string(config.options.timeout.count())
                                                                       + " ms"));
                 else
                   reply(*res, 503, error_json(edge_reason::unavailable, system.render(err)));
               });
    return out;
  }

  void install() {
    const auto& o = config.options;
    const auto threads = std::max<std::size_t>(o.threads, 1);
    // Debian builds cpp-httplib as a library, so its pool-size macro has no effect: set it here.
    server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    server.set_payload_max_length(o.max_body_bytes);
    // cpp-httplib's default adds SO_REUSEPORT, which lets a second node bind the same port and
    // silently take half the requests: a restart needs SO_REUSEADDR only.
    server.set_socket_options([](socket_t sock) {
      int yes = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    });
    // Replies go out as two writes (headers, body): without TCP_NODELAY, Nagle holds the body
    // until the client's delayed ACK, 40 ms per request (docs/performance.md).
    server.set_tcp_nodelay(true);
    server.set_read_timeout(5, 0);
    server.set_write_timeout(5, 0);
    server.set_keep_alive_timeout(2);
    server.set_keep_alive_max_count(100);
    server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      return before_routing(req, res);
    });
    // Counted before the response is written, so a client that saw it sees it in /metrics too.
    server.set_post_routing_handler([this](const httplib::Request& req, httplib::Response& res) { after(req, res); });
    server.set_error_handler(httplib::Server::HandlerWithResponse(
      [this](const httplib::Request&, httplib::Response& res) { return on_error(res); }));
    server.set_exception_handler([this](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
      std::string what = "unknown exception";
      try {
        if (ep)
          std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        what = e.what();
      } catch (...) {
      }
      if (config.log)
        config.log->error("http: {} {}: {}", req.method, clipped(req.path), what);
      reply(res, 500, error_json(edge_reason::internal, "the node failed to answer this request"));
    });

    server.Get("/v1/info", [this](const httplib::Request&, httplib::Response& res) { get_info(res); });
    server.Get(R"(/v1/blocks/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
      get_block(req.matches[1].str(), res);
    });
    server.Get(R"(/v1/txs/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
      get_tx(req.matches[1].str(), res);
    });
    server.Post("/v1/txs", [this](const httplib::Request& req, httplib::Response& res,
                                  const httplib::ContentReader& reader) { post_tx(req, res, reader); });
    server.Post("/v1/txs/batch", [this](const httplib::Request& req, httplib::Response& res,
                                        const httplib::ContentReader& reader) { post_tx_batch(req, res, reader); });
    server.Get(R"(/v1/accounts/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
      get_account(req.matches[1].str(), res);
    });
    server.Get("/v1/delegates", [this](const httplib::Request&, httplib::Response& res) { get_delegates(res); });
    server.Get("/v1/schedule", [this](const httplib::Request&, httplib::Response& res) { get_schedule(res); });
    server.Get("/healthz", [this](const httplib::Request&, httplib::Response& res) { get_health(res); });
    server.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) { get_metrics(res); });
  }

  // Before and after every request -------------------------------------------------------------

  /// Rate bound, route and method checks: runs before cpp-httplib reads a body, so refused
  /// requests cost no body and no regular expression.
  handled before_routing(const httplib::Request& req, httplib::Response& res) {
    current_request = {true, steady::now(), unmatched_label};
    if (!limiter.allow(req.remote_addr)) {
      res.set_header("Retry-After", "1");
      reply(res, 429, error_json(edge_reason::rate_limited, "more than " + std::to_string(limiter.rate())
                                                              + " requests a second from " + req.remote_addr));
      return handled::Handled;
    }
    if (req.path.size() > max_path_length) {
      reply(res, 414, error_json(make_error(errc::too_large, "the path is longer than "
                                                               + std::to_string(max_path_length) + " bytes")));
      return handled::Handled;
    }
    const auto m = match_route(req.method, req.path);
    if (m.route)
      current_request.route = m.route->path;
    else if (m.path)
      current_request.route = m.path->path;
    if (!m.path) {
      reply(res, 404, error_json(make_error(errc::not_found, "no route " + clipped(req.method, 16) + " "
                                                               + clipped(req.path))));
      return handled::Handled;
    }
    if (!m.route) {
      res.set_header("Allow", m.allow);
      reply(res, 405, error_json(edge_reason::method_not_allowed, clipped(req.method, 16) + " is not allowed on "
                                                                    + std::string(m.path->path) + "; allowed: " + m.allow));
      return handled::Handled;
    }
    if (m.route == &route_submit && req.is_multipart_form_data()) {
      reply(res, 415, error_json(edge_reason::unsupported_media_type, "send the transaction as a JSON body, not a form"));
      return handled::Handled;
    }
    return handled::Unhandled;
  }

  /// A JSON body for every error cpp-httplib answers by itself (bad HTTP, over-long lines, 413).
  handled on_error(httplib::Response& res) {
    if (!res.body.empty())
      return handled::Unhandled;
    switch (res.status) {
      case 413:
        reply(res, 413, error_json(make_error(errc::too_large, "the body is larger than "
                                                                 + std::to_string(config.options.max_body_bytes) + " bytes")));
        break;
      case 414: reply(res, 414, error_json(make_error(errc::too_large, "the request line is too long"))); break;
      case 404: reply(res, 404, error_json(make_error(errc::not_found, "no such route"))); break;
      default:
        if (res.status >= 500)
          reply(res, res.status, error_json(edge_reason::internal, "the node failed to answer this request"));
        else
          reply(res, res.status, error_json(make_error(errc::malformed, "not a valid HTTP request")));
    }
    return handled::Handled;
  }

  /// Counts and times every answered request (requests cpp-httplib refused before routing are
  /// counted under "unmatched" without a duration).
  void after(const httplib::Request& req, const httplib::Response& res) {
    const auto ctx = current_request;
    current_request.active = false;
    const std::string route(ctx.active ? ctx.route : unmatched_label);
    metrics.requests
      .Add({{"route", route}, {"method", std::string(method_label(req.method))}, {"status", std::to_string(res.status)}})
      .Increment();
    if (!ctx.active)
      return;
    const auto seconds = std::chrono::duration<double>(steady::now() - ctx.start).count();
    if (auto h = metrics.latency_by_route.find(ctx.route); h != metrics.latency_by_route.end())
      h->second->Observe(seconds);
    if (config.log)
      config.log->debug("http: {} {} {} {} {:.1f} ms", req.remote_addr, method_label(req.method), route, res.status,
                        seconds * 1000);
  }

  // Routes ---------------------------------------------------------------------------------------

  void get_info(httplib::Response& res) {
    caf::scoped_actor self{system};
    auto info = ask<chain_info>(self, &res, config.chain, info_atom::value);
    if (!info)
      return;
    auto delegates = ask<std::vector<delegate_summary>>(self, &res, config.chain, delegates_atom::value);
    if (!delegates)
      return;
    auto size = ask<std::uint64_t>(self, &res, config.mempool, size_atom::value);
    if (!size)
      return;
    auto j = chain_info_json(*info, *delegates, config.params);
    j["mempool_size"] = *size;
    reply(res, 200, j);
  }

  void get_block(const std::string& id, httplib::Response& res) {
    caf::scoped_actor self{system};
    std::optional<block_envelope> b;
    std::string which;
    if (id.size() == 2 * hash256::size()) {
      auto hash = fixed_from_hex<32>(id);
      if (!hash)
        return reply(res, 400, error_json(make_error(errc::bad_hex, "a block hash is 64 hex characters")));
      b = ask<block_envelope>(self, &res, config.chain, block_atom::value, *hash);
      which = "with hash " + id;
    } else {
      auto height = parse_height(id);
      if (!height)
        return reply(res, 400, error_json(make_error(errc::invalid_argument,
                                                     "expected a block height (decimal, at most 2^64-1) or a block "
                                                     "hash (64 hex characters)")));
      b = ask<block_envelope>(self, &res, config.chain, height_atom::value, *height);
      which = "at height " + id;
    }
    if (!b)
      return;
    if (!*b)
      return reply(res, 404, error_json(make_error(errc::not_found, "no block " + which + " on this node's chain")));
    reply(res, 200, block_json(**b));
  }

  void get_tx(const std::string& text, httplib::Response& res) {
    auto id = fixed_from_hex<32>(text);
    if (!id)
      return reply(res, 400, error_json(make_error(errc::bad_hex, "a transaction id is 64 hex characters")));
    caf::scoped_actor self{system};
    auto unknown = [](const tx_status& s) { return static_cast<tx_state>(s.state) == tx_state::unknown; };
    auto status = ask<tx_status>(self, &res, config.chain, tx_atom::value, *id);
    if (!status)
      return;
    if (unknown(*status)) {
      status = ask<tx_status>(self, &res, config.mempool, tx_atom::value, *id);
      if (!status)
        return;
    }
    if (unknown(*status)) {
      // It may have left the mempool for a block between the two questions.
      status = ask<tx_status>(self, &res, config.chain, tx_atom::value, *id);
      if (!status)
        return;
    }
    if (unknown(*status))
      return reply(res, 404, error_json(make_error(errc::not_found, "no transaction " + to_hex(*id)
                                                                      + " is pending, in the chain or recently rejected")));
    reply(res, 200, tx_status_json(*id, *status));
  }

  /// Reads a bounded request body (chunked and length-less bodies are bounded here too, not only
  /// those with a Content-Length); false after replying 413 or 400.
  bool read_body(httplib::Response& res, const httplib::ContentReader& reader, std::string& body) {
    const auto max = config.options.max_body_bytes;
    bool too_large = false;
    const bool read = reader([&](const char* data, std::size_t n) {
      if (body.size() + n > max) {
        too_large = true;
        return false;
      }
      body.append(data, n);
      return true;
    });
    if (too_large || res.status == 413) {
      // The rest of the body is still on the wire: ask the client to close, not to reuse it.
      res.set_header("Connection", "close");
      reply(res, 413, error_json(make_error(errc::too_large, "the body is larger than " + std::to_string(max) + " bytes")));
      return false;
    }
    if (!read) {
      reply(res, 400, error_json(make_error(errc::malformed, "the body could not be read")));
      return false;
    }
    return true;
  }

  void post_tx_batch(const httplib::Request&, httplib::Response& res, const httplib::ContentReader& reader) {
    std::string body;
    if (!read_body(res, reader, body))
      return;
    auto items = parse_transaction_batch(body);
    if (!items)
      return reply(res, 400, error_json(items.error()));
    std::vector<tx_envelope> txs;
    for (auto& item : *items)
      if (item)
        txs.push_back(tx_envelope{std::move(*item)});
    std::vector<admission> verdicts;
    if (!txs.empty()) {
      caf::scoped_actor self{system};
      auto answer = ask<std::vector<admission>>(self, &res, config.mempool, submit_atom::value, txs);
      if (!answer)
        return;
      verdicts = std::move(*answer);
    }
    json_object results = json_object::array();
    std::size_t next = 0;
    std::size_t accepted = 0;
    for (auto& item : *items) {
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
    reply(res, 200, out);
  }

  void post_tx(const httplib::Request&, httplib::Response& res, const httplib::ContentReader& reader) {
    std::string body;
    if (!read_body(res, reader, body))
      return;
    auto tx = parse_transaction_submission(body);
    if (!tx)
      return reply(res, 400, error_json(tx.error()));
    caf::scoped_actor self{system};
    auto verdict = ask<admission>(self, &res, config.mempool, submit_atom::value, tx_envelope{std::move(*tx)});
    if (!verdict)
      return;
    const auto id = to_hex(verdict->id);
    const auto code = static_cast<errc>(verdict->code);
    if (code != errc::ok) {
      auto j = error_json(make_error(code, verdict->detail));
      j["error"]["id"] = id;
      if (code == errc::mempool_full)
        res.set_header("Retry-After", "1");
      return reply(res, status_of_refusal(code), j);
    }
    json_object j;
    j["id"] = id;
    j["status"] = tx_state_name(tx_state::pending);
    if (!verdict->detail.empty())
      j["detail"] = verdict->detail;
    res.set_header("Location", "/v1/txs/" + id);
    reply(res, 202, j);
  }

  void get_account(const std::string& text, httplib::Response& res) {
    auto addr = parse_address(text);
    if (!addr)
      return reply(res, 400, error_json(addr.error()));
    caf::scoped_actor self{system};
    auto account = ask<account_summary>(self, &res, config.chain, account_atom::value, *addr);
    if (!account)
      return;
    reply(res, 200, account_json(*addr, *account));
  }

  void get_delegates(httplib::Response& res) {
    caf::scoped_actor self{system};
    auto delegates = ask<std::vector<delegate_summary>>(self, &res, config.chain, delegates_atom::value);
    if (!delegates)
      return;
    json_object j;
    j["count"] = delegates->size();
    auto list = json_object::array();
    for (const auto& d : *delegates)
      list.push_back(delegate_json(d, config.params));
    j["delegates"] = std::move(list);
    reply(res, 200, j);
  }

  /// The round the node's clock is in, or the head's round when the clock is behind it or more
  /// than one round ahead.
  void get_schedule(httplib::Response& res) {
    caf::scoped_actor self{system};
    auto info = ask<chain_info>(self, &res, config.chain, info_atom::value);
    if (!info)
      return;
    auto delegates = ask<std::vector<delegate_summary>>(self, &res, config.chain, delegates_atom::value);
    if (!delegates)
      return;
    const auto& p = config.params;
    const auto now = time->now_ms();
    const std::uint64_t current = now > p.genesis_time_ms && p.slot_ms > 0 ? (now - p.genesis_time_ms) / p.slot_ms : 0;
    auto at = ask<slot_info>(self, &res, config.chain, schedule_atom::value, current);
    if (!at)
      return;
    // A clock far ahead of the head (a stalled chain) would make the chain actor replay every
    // round in between for each slot: then show the head's round instead.
    if (!at->scheduled || at->round > info->round + 1) {
      auto head = ask<block_envelope>(self, &res, config.chain, height_atom::value, info->head_height);
      if (!head)
        return;
      if (*head && p.slot_ms > 0 && (*head)->header.timestamp_ms >= p.genesis_time_ms) {
        at = ask<slot_info>(self, &res, config.chain, schedule_atom::value,
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
      auto s = g == at->global_slot ? at : ask<slot_info>(self, &res, config.chain, schedule_atom::value, g);
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

  void get_health(httplib::Response& res) {
    caf::scoped_actor self{system};
    auto info = ask<chain_info>(self, &res, config.chain, info_atom::value);
    if (!info)
      return;
    json_object j;
    j["status"] = "ok";
    j["chain"] = info->chain;
    j["head_height"] = info->head_height;
    j["final_height"] = info->final_height;
    reply(res, 200, j);
  }

  /// Refreshes the chain gauges (keeping the last values if an actor does not answer) and renders
  /// the whole registry.
  void get_metrics(httplib::Response& res) {
    {
      caf::scoped_actor self{system};
      auto info = ask<chain_info>(self, nullptr, config.chain, info_atom::value);
      auto delegates = ask<std::vector<delegate_summary>>(self, nullptr, config.chain, delegates_atom::value);
      auto size = ask<std::uint64_t>(self, nullptr, config.mempool, size_atom::value);
      std::lock_guard lock(metrics_mutex);
      if (info && delegates)
        metrics.update(*info, *delegates, config.params);
      if (size)
        metrics.mempool_size.Set(static_cast<double>(*size));
    }
    res.status = 200;
    res.set_content(prometheus::TextSerializer().Serialize(metrics.registry.Collect()),
                    "text/plain; version=0.0.4; charset=utf-8");
  }

  std::mutex metrics_mutex;  ///< one scrape updates the chain gauges at a time

  void stop() {
    std::lock_guard lock(stop_mutex);
    if (stopped)
      return;
    stopped = true;
    server.stop();
    if (thread.joinable())
      thread.join();
  }
};

result<std::unique_ptr<http_bridge>> http_bridge::start(caf::actor_system& system, http_bridge_config config) {
  auto p = std::make_unique<impl>(system, std::move(config));
  p->install();
  const auto& o = p->config.options;
  const int bound = o.port == 0 ? p->server.bind_to_any_port(o.address)
                                : (p->server.bind_to_port(o.address, o.port) ? o.port : -1);
  if (bound <= 0)
    return make_error(errc::io, "cannot listen for HTTP on " + o.address + ":" + std::to_string(o.port)
                                  + " (is the address local and the port free?)");
  p->port = static_cast<std::uint16_t>(bound);
  p->thread = std::thread([s = &p->server] { s->listen_after_bind(); });
  // stop() only stops a server that runs: wait until it does, so a quick stop cannot miss it.
  for (int i = 0; i < 5000 && !p->server.is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return std::unique_ptr<http_bridge>(new http_bridge(std::move(p)));
}

http_bridge::http_bridge(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

http_bridge::~http_bridge() {
  stop();
}

std::uint16_t http_bridge::port() const noexcept {
  return impl_->port;
}

std::string http_bridge::url() const {
  const auto& a = impl_->config.options.address;
  const bool v6 = a.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + a + "]" : a) + ":" + std::to_string(impl_->port);
}

void http_bridge::stop() {
  impl_->stop();
}

} // namespace bfd
